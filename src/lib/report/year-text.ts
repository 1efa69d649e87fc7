import type { YearFigures, YearVerdict } from '../sla/year';
import type { FailureStatistics, StatGroup } from '../incidents/statistics';
import { RECURRENCE_DAYS } from '../incidents/statistics';
import { formatDuration, formatInstant } from '../sla/format';
import { termsOf } from '../i18n';

/**
 * What the fiscal-year report (年間報告書) says, as sections of paragraphs and tables: the PDF
 * and the online year page render the same, and the admin statistics page the statistics.
 */
export type YearBlock =
  | { kind: 'para'; text: string; small?: boolean }
  | { kind: 'h2'; text: string }
  | { kind: 'table'; headers: string[]; widths: number[]; align?: ('left' | 'right' | 'center')[]; rows: string[][]; size?: number };

export interface YearSection {
  title: string;
  newPage?: boolean;
  blocks: YearBlock[];
}

export const verdictJa: Record<YearVerdict, string> = { met: '達成', missed: '未達成', on_track: '見込み（達成可能）' };
const mark = (met: boolean | null) => (met === null ? '–' : met ? '○' : '×');
const monthShort = (m: string) => `${Number(m.slice(5))}月`;
const dur = (ms: number | null) => (ms === null ? '–' : formatDuration(ms));

/** The failure statistics (障害統計) as tables. */
export function statisticsBlocks(st: FailureStatistics, zone: string): YearBlock[] {
  const groupTable = (first: string, groups: StatGroup[], onlyUsed = false): YearBlock => ({
    kind: 'table', headers: [first, '件数', '障害時間（発生〜復旧）'], widths: [200, 60, 120], align: ['left', 'right', 'right'],
    rows: groups.filter((g) => !onlyUsed || g.incidents > 0).map((g) => [g.label, String(g.incidents), formatDuration(g.durationMs)]),
  });
  const at = (ms: number) => formatInstant(ms, zone, 'yyyy-LL-dd HH:mm');
  const hours = st.byHour;
  return [
    { kind: 'para', text: `対象: 期間内に発生した障害 ${st.incidents.length} 件（セキュリティ障害を含む）。障害時間は発生から復旧まで（未復旧は集計時点まで）。稼働率の停止時間とは別の指標です。`, small: true },
    { kind: 'h2', text: 'サービス別（MTTR・MTBF）' },
    {
      kind: 'table', headers: ['サービス', '件数', '障害時間', 'MTTR（平均復旧時間）', 'MTBF（平均故障間隔）'], widths: [150, 50, 90, 90, 90],
      align: ['left', 'right', 'right', 'right', 'right'],
      rows: st.byService.map((s) => [s.label, String(s.incidents), formatDuration(s.durationMs), dur(s.mttrMs), dur(s.mtbfMs)]),
    },
    { kind: 'para', text: 'MTTR: 復旧済みの障害の発生から復旧までの平均。MTBF: 期間の経過時間から障害時間を引いた時間を障害件数で割った値。', small: true },
    { kind: 'h2', text: '原因の分類別' },
    groupTable('原因の分類', st.byCategory),
    { kind: 'h2', text: '重大度別' },
    groupTable('重大度', st.bySeverity),
    { kind: 'h2', text: '月別' },
    groupTable('月', st.byMonth),
    { kind: 'h2', text: '発生時刻別' },
    {
      kind: 'table', headers: ['時台', ...hours.slice(0, 12).map((h) => h.key)], widths: [40, ...hours.slice(0, 12).map(() => 20)], align: ['left', ...hours.slice(0, 12).map(() => 'right' as const)],
      rows: [['件数', ...hours.slice(0, 12).map((h) => String(h.incidents))]], size: 7,
    },
    {
      kind: 'table', headers: ['時台', ...hours.slice(12).map((h) => h.key)], widths: [40, ...hours.slice(12).map(() => 20)], align: ['left', ...hours.slice(12).map(() => 'right' as const)],
      rows: [['件数', ...hours.slice(12).map((h) => String(h.incidents))]], size: 7,
    },
    { kind: 'h2', text: '多い原因' },
    st.topCauses.length ? groupTable('原因の分類（多い順）', st.topCauses) : { kind: 'para', text: '期間内の障害はありません。' },
    { kind: 'h2', text: `再発（同じ原因の分類・同じサービスで${RECURRENCE_DAYS}日以内）` },
    st.recurrences.length === 0 ? { kind: 'para', text: `${RECURRENCE_DAYS}日以内に同じ原因で再発した障害はありません。` } : {
      kind: 'table', headers: ['障害', '発生', '前回の障害', '前回の発生', '間隔', '原因の分類', '前回の再発防止策'], widths: [90, 60, 90, 60, 35, 55, 110],
      rows: st.recurrences.map((r) => [r.incident.titleJa, at(r.incident.startedAt), r.previous.titleJa, at(r.previous.startedAt), `${r.daysApart}日`, r.category, r.previous.prevention ?? '（未記入）']),
    },
  ];
}

export interface YearReportTables {
  title: string;
  provisionalMark: string | null;
  cover: [string, string][];
  generatedAt: string;
  sections: YearSection[];
}

export function yearReportTables(y: YearFigures): YearReportTables {
  const z = y.zone;
  const at = (ms: number | null) => formatInstant(ms, z, 'yyyy-LL-dd HH:mm');
  const title = `${y.fiscalYear}年度（${formatInstant(y.period.start, z, 'yyyy年M月')}〜${formatInstant(y.period.end - 1, z, 'yyyy年M月')}）`;
  const provisionalMark = y.cutOff === null ? null : `速報 ${at(y.cutOff)} 時点`;

  const summary: YearSection = {
    title: '1. 年間稼働率',
    blocks: [
      {
        kind: 'table', headers: ['サービス', '稼働率(年度)', '目標', '判定', '年間の許容停止時間', '停止時間（使用）', '残り'], widths: [120, 60, 45, 70, 75, 70, 70],
        align: ['left', 'right', 'right', 'center', 'right', 'right', 'right'],
        rows: y.services.map((s) => [s.service.nameJa, `${s.year.pct} %`, `${s.service.slaTargetPct} %`, s.verdict === null ? '–' : verdictJa[s.verdict],
          dur(s.allowanceMs), formatDuration(s.year.downtimeMs), s.allowanceLeftMs === null ? '–' : s.allowanceLeftMs < 0 ? `超過 ${formatDuration(-s.allowanceLeftMs)}` : formatDuration(s.allowanceLeftMs)]),
      },
      { kind: 'para', text: '年間稼働率は年度の全期間の秒数で計算します（各月の稼働率の平均ではありません）。稼働率 ＝（暦時間 − 除外時間 − 停止時間）÷（暦時間 − 除外時間）。年間の許容停止時間 ＝（1 − 目標）×（年度の暦時間 − 除外時間）。年度の途中は、停止時間がすでに年間の許容停止時間を超えた場合にのみ未達成とし、それ以外は見込み（達成可能）として残りを示します。', small: true },
      {
        kind: 'table', headers: ['サービス', '暦時間', '計画停止除外', '不可抗力除外', '停止時間', '監視欠測時間'], widths: [120, 80, 70, 70, 70, 70],
        align: ['left', 'right', 'right', 'right', 'right', 'right'],
        rows: y.services.map((s) => [s.service.nameJa, formatDuration(s.year.periodMs), formatDuration(s.year.plannedExcludedMs), formatDuration(s.year.forceMajeureMs),
          formatDuration(s.year.downtimeMs), formatDuration(s.year.unmonitoredMs)]),
      },
    ],
  };

  const monthly: YearSection = {
    title: '2. 月別の推移',
    newPage: true,
    blocks: [{
      kind: 'table',
      headers: ['月', ...y.services.flatMap((s) => [`${s.service.nameJa} 稼働率`, '停止時間']), '障害件数', '計画停止', '作業時間', '満足度'],
      widths: [40, ...y.services.flatMap(() => [60, 55]), 40, 40, 45, 40],
      align: ['left', ...y.services.flatMap(() => ['right' as const, 'right' as const]), 'right', 'right', 'right', 'right'],
      rows: y.months.map((m) => [
        `${monthShort(m.month)}${m.provisional ? '\n（速報）' : ''}`,
        ...m.services.flatMap((s) => [`${s.month.pct} %`, formatDuration(s.month.downtimeMs)]),
        `${m.counts.incidents} 件`,
        `${m.stops.filter((s) => s.status !== 'cancelled' && s.scheduledStart >= m.period.start && s.scheduledStart < m.period.end).length} 回`,
        formatDuration(m.support.minutes * 60_000),
        m.support.survey.average === null ? '–' : m.support.survey.averageText,
      ]),
      size: 7,
    }],
  };

  const rowKeys = [...new Map(y.months.flatMap((m) => m.rows.map((r) => [r.key, r.name.ja] as const))).entries()];
  const grid: YearSection = {
    title: '3. SLA項目の月別判定',
    blocks: [
      { kind: 'para', text: '○ 達成、× 未達成、– 判定対象外。各月の判定はその月の報告書と同じです。', small: true },
      {
        kind: 'table', headers: ['項目', ...y.months.map((m) => monthShort(m.month))], widths: [150, ...y.months.map(() => 24)],
        align: ['left', ...y.months.map(() => 'center' as const)],
        rows: rowKeys.map(([key, name]) => [name, ...y.months.map((m) => mark(m.rows.find((r) => r.key === key)?.met ?? null))]),
        size: 7,
      },
    ],
  };

  const st = y.statistics;
  const incidents: YearSection = {
    title: '4. 年度の障害一覧',
    blocks: st.incidents.length === 0 ? [{ kind: 'para', text: '年度内の障害はありません。' }] : [{
      kind: 'table', headers: ['No', '発生', 'サービス', '件名', '重大度', '障害時間', '原因の分類', '再発防止策'], widths: [18, 60, 70, 110, 35, 50, 50, 110],
      rows: st.incidents.map((i, n) => [String(n + 1), at(i.startedAt), i.services.map((s) => s.nameJa).join('\n') || '–', i.titleJa,
        termsOf('incidentSeverity', 'ja')[i.severity], i.recoveredAt === null ? `${formatDuration(i.durationMs)}（未復旧）` : formatDuration(i.durationMs),
        i.causeCategory ?? '（未分類）', i.prevention ?? '–']),
      size: 7,
    }],
  };
  const stats: YearSection = { title: '5. 障害統計と傾向', blocks: statisticsBlocks(st, z) };
  return {
    title,
    provisionalMark,
    cover: [
      ['対象期間', `${at(y.period.start)} 〜 ${at(y.period.end)}（${z === 'Asia/Tokyo' ? '日本時間' : z}）`],
      ['区分', y.provisional ? `速報（${at(y.cutOff)} 時点までの集計）` : '確定'],
      ['対象システム', y.services.map((s) => s.service.nameJa).join('、') || '（なし）'],
    ],
    generatedAt: at(y.generatedAt),
    sections: [summary, monthly, grid, incidents, stats],
  };
}
