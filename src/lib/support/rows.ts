import { formatHours } from '../sla/format';
import type { Config } from '../config';
import { defaultSlaRows } from '../sla/catalogue';
import type { SupportFigures, Tally } from './figures';
import { surveyMeets } from './figures';
import { durationWords } from '../duration-words';

/**
 * The desk's SLA rows (catalogue measures `support_*`), measured from the records. Each
 * gives the target, the measured value and whether it was achieved, in the words of the
 * other rows (達成 n/m 件, 対象なし, 判定待ち).
 */
interface Text { ja: string; en: string }
const T = (ja: string, en: string): Text => ({ ja, en });

export type SupportMeasure =
  | { measure: 'support_ack' }
  | { measure: 'support_status_report' }
  | { measure: 'support_processing' }
  | { measure: 'support_hours'; hours: number }
  | { measure: 'support_survey'; min_score: number };

export interface SupportRowValue { target: Text; measured: Text; met: boolean | null; note: Text | null }

/** `5時間30分` / `5 h 30 min` from minutes. */
export function hoursText(minutes: number): Text {
  const style = { units: ['h', 'min'], zeros: 'none' } as const;
  return T(durationWords(minutes, 'ja', style), durationWords(minutes, 'en', style));
}

function tallyRow(t: Tally, total: number): Pick<SupportRowValue, 'measured' | 'met' | 'note'> {
  const judged = t.met + t.missed;
  return {
    measured: total === 0 ? T('対象なし', 'none') : T(`達成 ${t.met}/${judged} 件`, `${t.met}/${judged} met`),
    met: t.missed > 0 ? false : total === 0 || judged > 0 ? true : null,
    note: t.pending ? T(`判定待ち ${t.pending} 件`, `${t.pending} pending`) : null,
  };
}

export function supportRow(def: SupportMeasure, s: SupportFigures): SupportRowValue {
  switch (def.measure) {
    case 'support_ack': {
      const total = s.ack.met + s.ack.missed + s.ack.pending;
      const r = tallyRow(s.ack, total);
      return {
        target: T(`電話・対面は受付時、メール・フォームは${formatHours(s.limits.ackH)}時間以内に受領確認`,
          `phone and in person: at reception; mail and form: acknowledged within ${formatHours(s.limits.ackH)} h`),
        ...r, note: r.note ?? T('受付から受領確認（メール送信）まで', 'from reception to the acknowledgement (mail sent)'),
      };
    }
    case 'support_status_report': {
      const r = tallyRow(s.statusReports, s.statusReports.changes);
      return {
        target: T('状況が変化する毎に依頼者へ連絡（完了まで）', 'the requester told of every status change until closed'),
        ...r, measured: s.statusReports.changes === 0 ? T('対象なし', 'none')
          : T(`連絡済 ${s.statusReports.met}/${s.statusReports.changes} 件`, `${s.statusReports.met}/${s.statusReports.changes} reported`),
      };
    }
    case 'support_processing': {
      const total = s.processing.met + s.processing.missed + s.processing.pending;
      const r = tallyRow(s.processing, total);
      return {
        target: T(`申請（要望）の受付から処理・連絡まで${formatHours(s.limits.processingH)}時間以内`, `applications (requests) processed and reported within ${formatHours(s.limits.processingH)} h`),
        ...r,
      };
    }
    case 'support_hours': {
      const h = hoursText(s.minutes);
      return {
        target: T(`月${formatHours(def.hours)}時間以上`, `≥ ${formatHours(def.hours)} h a month`),
        measured: s.minutes < 60 ? h : T(`${h.ja}（${s.minutes}分）`, `${h.en} (${s.minutes} min)`),
        met: s.minutes >= def.hours * 60,
        note: T(`対応項目 ${s.items.filter((i) => i.minutes > 0).length} 件の記録時間の合計`, `sum of the time logged on ${s.items.filter((i) => i.minutes > 0).length} item(s)`),
      };
    }
    case 'support_survey': {
      const n = s.survey.answers;
      return {
        target: T(`平均${def.min_score}点以上（満足100・ほぼ満足80・普通60・やや不満40・不満0）`, `average ≥ ${def.min_score} (satisfied 100, mostly 80, neutral 60, somewhat dissatisfied 40, dissatisfied 0)`),
        measured: n === 0 ? T('回答なし', 'no answers') : T(`平均 ${s.survey.averageText} 点（回答 ${n} 件）`, `average ${s.survey.averageText} (${n} answers)`),
        met: surveyMeets(s.survey.scoreSum, n, def.min_score),
        note: T('当月に回収した回答のみ採点', 'answers returned in the month only'),
      };
    }
  }
}

/** The monthly support-hours standard of the configured SLA table (000 §11: 5 h), null when no row measures it. */
export function supportHoursStandard(config: Config): number | null {
  const row = (config.sla.rows ?? defaultSlaRows).find((r) => r.measure === 'support_hours');
  return row && row.measure === 'support_hours' ? row.hours : null;
}
