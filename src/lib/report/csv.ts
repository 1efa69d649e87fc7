import { DateTime } from 'luxon';
import type { MonthFigures } from '../sla/month';
import { wholeSeconds } from '../sla/format';

/**
 * The month's outages and incidents as CSV (UTF-8 with a byte-order mark, so spreadsheet
 * programs read the Japanese correctly), issued beside the PDF. Instants in the zone with offset.
 */
function cell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function monthCsv(f: MonthFigures): string {
  const at = (ms: number | null) => (ms === null ? null : DateTime.fromMillis(ms, { zone: f.zone }).toISO({ suppressMilliseconds: true }));
  const header = ['record', 'service', 'key', 'start', 'end', 'duration_s', 'source_or_severity', 'kind', 'title', 'force_majeure',
    'aware_at', 'client_notified_at', 'eta_notified_at', 'recovery_notified_at', 'timers_missed'];
  const lines: (string | number | boolean | null)[][] = [];
  for (const s of f.services) {
    for (const o of s.month.outages) {
      lines.push(['outage', s.service.slug, null, at(o.start), at(o.end), wholeSeconds(o.end - o.start), o.source, null, null, null, null, null, null, null, null]);
    }
  }
  for (const i of f.incidents) {
    lines.push(['incident', i.services.map((s) => s.slug).join(' '), i.key, at(i.startedAt), at(i.recoveredAt), wholeSeconds(i.durationMs), i.severity, i.kind,
      i.title.ja, i.forceMajeure, at(i.awareAt), at(i.clientNotifiedAt), at(i.etaNotifiedAt), at(i.recoveryNotifiedAt),
      i.timers.filter((t) => t.state === 'missed').map((t) => t.key).join(' ')]);
  }
  return '\ufeff' + [header, ...lines].map((l) => l.map(cell).join(',')).join('\r\n') + '\r\n';
}
