import type { SupportFigures } from './figures';
import { surveyChoices } from './model';
import { words } from '../i18n';
import { hoursText } from './rows';

/**
 * The support section of the monthly report, one source for `npm run sla -- --json`, the
 * online report page and the PDF: aggregate figures and item numbers only, never a
 * requester's address, name or text.
 */
export function supportJson(s: SupportFigures) {
  return {
    items_opened: s.itemsOpened,
    items_closed: s.itemsClosed,
    open_at_end: s.openAtEnd,
    minutes: s.minutes,
    acknowledged: s.ack,
    status_reports: { changes: s.statusReports.changes, met: s.statusReports.met, missed: s.statusReports.missed, pending: s.statusReports.pending },
    processing: s.processing,
    survey: {
      answers: s.survey.answers,
      // One decimal, truncated (64.96 is 64.9); null without answers.
      average: s.survey.answers ? Number(s.survey.averageText) : null,
      distribution: s.survey.distribution,
    },
  };
}

export type SupportJson = ReturnType<typeof supportJson>;

const W = words.ja.support;
const mark = (state: string | null) => (state === 'met' ? '○' : state === 'missed' ? '×' : state === 'pending' ? '…' : '–');

/** The section's tables in Japanese, for the PDF and the online report alike. */
export function supportTables(s: SupportFigures, at: (ms: number | null) => string) {
  const h = hoursText(s.minutes);
  return {
    summary: {
      headers: ['受付件数', '完了・見送り件数', '月末時点の未完了', '受領確認 達成', '状況報告 連絡済', '申請処理 達成', '保守対応時間'],
      row: [
        `${s.itemsOpened} 件`, `${s.itemsClosed} 件`, `${s.openAtEnd} 件`,
        `${s.ack.met}/${s.ack.met + s.ack.missed} 件`,
        `${s.statusReports.met}/${s.statusReports.changes} 件`,
        `${s.processing.met}/${s.processing.met + s.processing.missed} 件`,
        `${h.ja}（${s.minutes}分）`,
      ],
    },
    items: {
      headers: ['受付番号', '経路', '種別', 'サービス', '受付', '受領確認', '完了', '状態', '受領確認判定', '申請処理判定', '当月作業時間'],
      rows: s.items.map((i) => [
        `#${i.id}`, W.channels[i.channel], W.categories[i.category], i.serviceName ?? '–', at(i.receivedAt), at(i.acknowledgedAt), at(i.closedAt),
        W.statuses[i.status], mark(i.ack), mark(i.processing), `${i.minutes}分`,
      ]),
    },
    survey: {
      headers: ['回答', ...surveyChoices.map((c) => `${W.survey.choices[c]}`), '平均点'],
      row: [`${s.survey.answers} 件`, ...surveyChoices.map((c) => `${s.survey.distribution[c]}`), s.survey.answers ? `${s.survey.averageText} 点` : '–'],
    },
  };
}
