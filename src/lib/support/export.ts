import { DateTime } from 'luxon';
import type { Db } from '../db';
import type { Config } from '../config';
import { recordAudit, type Actor } from '../audit';
import { monthPeriod } from '../time';
import { supportFigures, deskLimitsOf } from './figures';
import { itemNumber } from './model';

/**
 * The month's support items as CSV (UTF-8 with a byte-order mark, like the report's CSV):
 * numbers, kinds, times, timers and minutes. Requesters' addresses, names and texts are
 * personal data: only with `withPersonalData`, and that export is recorded in the audit log.
 */
function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  // A leading = + - @ would be read as a formula by spreadsheet programs.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function supportCsv(db: Db, config: Config, month: string, now: number, options: { withPersonalData: boolean; actor: Actor }): string {
  const period = monthPeriod(month, config.zone);
  const f = supportFigures(db, period, now, deskLimitsOf(config));
  const at = (ms: number | null) => (ms === null ? null : DateTime.fromMillis(ms, { zone: config.zone }).toISO({ suppressMilliseconds: true }));
  const header = ['number', 'channel', 'category', 'status', 'service', 'received_at', 'acknowledged_at', 'closed_at', 'acknowledgement', 'processing', 'minutes_in_month'];
  const personal = db.$client.prepare('SELECT requester_email AS email, requester_name AS name, body FROM support_items WHERE id = ?');
  if (options.withPersonalData) header.push('requester_email', 'requester_name', 'body');
  const lines = f.items.map((i) => {
    const line: (string | number | null)[] = [itemNumber(i.id), i.channel, i.category, i.status, i.serviceSlug, at(i.receivedAt), at(i.acknowledgedAt), at(i.closedAt),
      i.ack, i.processing, i.minutes];
    if (options.withPersonalData) {
      const p = personal.get(i.id) as { email: string | null; name: string | null; body: string };
      line.push(p.email, p.name, p.body);
    }
    return line;
  });
  if (options.withPersonalData) recordAudit(db, options.actor, 'support.export_personal_data', 'support_month', month, null, { items: lines.length }, now);
  return '\ufeff' + [header, ...lines].map((l) => l.map(cell).join(',')).join('\r\n') + '\r\n';
}
