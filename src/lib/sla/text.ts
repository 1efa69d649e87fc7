import type { MonthFigures } from './month';
import type { YearFigures } from './year';
import { formatDuration, formatInstant } from './format';
import { judgeText, type Judged } from '../i18n';

/** The month's figures as a plain-text table for the terminal (`npm run sla` without --json). */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => c + ' '.repeat(widths[i]! - width(c))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

const yesNo = (j: Judged) => judgeText(j);

export function slaTable(f: MonthFigures): string {
  const z = f.zone;
  let out = `SLA ${f.month} (${formatInstant(f.period.start, z)} – ${formatInstant(f.period.end, z)} ${z})\n`;
  if (f.cutOff !== null) out += `速報 (provisional): ${formatInstant(f.cutOff, z)} ${z} 時点までの集計です。月末までの確定値ではありません。\n`;
  out += '\n';
  out += table(
    ['サービス', '稼働率(月)', '年度累計', '目標', '判定', '停止時間', '除外', '監視欠測', '残り許容'],
    f.services.map((s) => [
      s.service.nameJa, `${s.month.pct} %`, `${s.yearToDate.pct} %`, `${s.service.slaTargetPct} %`, yesNo(s.month),
      formatDuration(s.month.downtimeMs), formatDuration(s.month.excludedMs), formatDuration(s.month.unmonitoredMs),
      s.month.allowedLeftMs === null ? '–' : formatDuration(s.month.allowedLeftMs),
    ]),
  );
  for (const s of f.services) {
    if (s.month.outages.length === 0) continue;
    out += `\n停止 (${s.service.nameJa})\n`;
    out += table(['開始', '終了', '時間', '検知元'], s.month.outages.map((o) => [formatInstant(o.start, z, 'yyyy-LL-dd HH:mm:ss'), formatInstant(o.end, z, 'yyyy-LL-dd HH:mm:ss'), formatDuration(o.end - o.start), o.source]));
  }
  out += '\nSLA項目\n';
  out += table(['項目', '基準値', '実績', '判定', '備考'], f.rows.map((r) => [r.name.ja, r.target.ja, r.measured.ja, yesNo(r), r.note?.ja ?? '']));
  if (f.incidents.length) {
    out += '\n障害\n';
    out += table(['キー', '件名', '発生', '復旧', '時間'], f.incidents.map((i) => [i.key, i.title.ja, formatInstant(i.startedAt, z), formatInstant(i.recoveredAt, z), formatDuration(i.durationMs)]));
  }
  return out;
}

const verdictJa: Record<string, string> = { met: '達成', missed: '未達成', on_track: '見込み（達成可能）' };

/** The fiscal year's figures as a plain-text table (`npm run sla -- --year YYYY` without --json). */
export function slaYearTable(y: YearFigures): string {
  const z = y.zone;
  let out = `SLA 年度 ${y.fiscalYear} (${formatInstant(y.period.start, z)} – ${formatInstant(y.period.end, z)} ${z})\n`;
  if (y.cutOff !== null) out += `速報 (provisional): ${formatInstant(y.cutOff, z)} ${z} 時点までの集計です。年度末までの確定値ではありません。\n`;
  out += '\n';
  out += table(['サービス', '稼働率(年度)', '目標', '判定', '停止時間', '除外', '年間許容', '残り許容'], y.services.map((s) => [
    s.service.nameJa, `${s.year.pct} %`, `${s.service.slaTargetPct} %`, s.verdict === null ? '–' : verdictJa[s.verdict]!,
    formatDuration(s.year.downtimeMs), formatDuration(s.year.excludedMs),
    s.allowanceMs === null ? '–' : formatDuration(s.allowanceMs), s.allowanceLeftMs === null ? '–' : formatDuration(s.allowanceLeftMs),
  ]));
  out += '\n月別\n';
  out += table(['月', ...y.services.map((s) => s.service.nameJa), '障害', '計画停止'], y.months.map((m) => [
    `${m.month}${m.provisional ? ' (速報)' : ''}`, ...m.services.map((s) => `${s.month.pct} %`), String(m.counts.incidents), String(m.counts.regularStops),
  ]));
  return out;
}
