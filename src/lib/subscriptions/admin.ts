import { z } from 'zod';
import type { Db } from '../db';
import { AppError, jsonPath, fieldIssue } from '../errors';
import { recordAudit, type Actor } from '../audit';

/**
 * The admin's view of the subscribers (personal data, PRODUCT.md "Personal data"): counts
 * and masked addresses for reading, and one explicit, audited export of the full list.
 * The audit record says who, when, why and how many rows; never the addresses.
 */

/** `a***@example.jp`: the first character of the local part and the whole domain. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

export interface SubscriberCountRow {
  /** null: subscribers of every service. */
  serviceSlug: string | null;
  serviceNameJa: string | null;
  serviceNameEn: string | null;
  confirmed: number;
  unconfirmed: number;
}

/**
 * Subscribers per service (an all-services subscriber is counted once, under "all services"),
 * confirmed or not yet. A subscriber not yet confirmed is counted under the services chosen
 * on the form (the pending choice), since that is what the confirmation will apply.
 */
export function subscriberCounts(db: Db): SubscriberCountRow[] {
  const c = db.$client;
  const services = c.prepare('SELECT id, slug, name_ja AS nameJa, name_en AS nameEn FROM services ORDER BY sort_order, id').all() as Array<{ id: number; slug: string; nameJa: string; nameEn: string | null }>;
  const chosen = c.prepare('SELECT subscriber_id AS subscriberId, s.slug FROM subscriber_services ss JOIN services s ON s.id = ss.service_id').all() as Array<{ subscriberId: number; slug: string }>;
  const subs = c.prepare('SELECT id, all_services AS allServices, confirmed_at AS confirmedAt, pending FROM subscribers').all() as Array<{ id: number; allServices: number; confirmedAt: number | null; pending: string | null }>;
  const bySlug = new Map<string | null, { confirmed: number; unconfirmed: number }>([[null, { confirmed: 0, unconfirmed: 0 }], ...services.map((s) => [s.slug, { confirmed: 0, unconfirmed: 0 }] as const)]);
  for (const sub of subs) {
    const confirmed = sub.confirmedAt !== null;
    let slugs: Array<string | null>;
    if (!confirmed && sub.pending) {
      const p = JSON.parse(sub.pending) as { services?: string[] | null };
      slugs = p.services ? p.services : [null];
    } else {
      slugs = sub.allServices ? [null] : chosen.filter((x) => x.subscriberId === sub.id).map((x) => x.slug);
    }
    for (const slug of slugs) {
      const row = bySlug.get(slug);
      if (row) row[confirmed ? 'confirmed' : 'unconfirmed'] += 1;
    }
  }
  return [
    { serviceSlug: null, serviceNameJa: null, serviceNameEn: null, ...bySlug.get(null)! },
    ...services.map((s) => ({ serviceSlug: s.slug, serviceNameJa: s.nameJa, serviceNameEn: s.nameEn, ...bySlug.get(s.slug)! })),
  ];
}

export interface MaskedSubscriber {
  id: number;
  email: string;
  lang: string;
  confirmed: boolean;
  incidents: boolean;
  maintenances: boolean;
  services: string[] | null;
  createdAt: number;
}

interface SubscriberRow {
  id: number; email: string; lang: string; confirmedAt: number | null; incidents: number; maintenances: number; allServices: number; createdAt: number; updatedAt: number; services: string | null;
}

function readSubscribers(db: Db, limit?: number): SubscriberRow[] {
  return db.$client.prepare(`SELECT b.id, b.email, b.lang, b.confirmed_at AS confirmedAt, b.incidents, b.maintenances, b.all_services AS allServices,
      b.created_at AS createdAt, b.updated_at AS updatedAt,
      (SELECT group_concat(s.slug, ' ') FROM subscriber_services ss JOIN services s ON s.id = ss.service_id WHERE ss.subscriber_id = b.id) AS services
    FROM subscribers b ORDER BY b.id ${limit ? 'LIMIT ?' : ''}`).all(...(limit ? [limit] : [])) as SubscriberRow[];
}

/** The newest-first list for the admin page, addresses masked. */
export function listMaskedSubscribers(db: Db, limit = 200): MaskedSubscriber[] {
  return readSubscribers(db).reverse().slice(0, limit).map((r) => ({
    id: r.id, email: maskEmail(r.email), lang: r.lang, confirmed: r.confirmedAt !== null,
    incidents: r.incidents === 1, maintenances: r.maintenances === 1,
    services: r.allServices === 1 ? null : (r.services ?? '').split(' ').filter(Boolean).sort(), createdAt: r.createdAt,
  }));
}

const exportInput = z.strictObject({
  confirm: z.literal(true, 'tick the box to confirm the export of personal data'),
  reason: z.string().trim().min(10, 'give the reason (at least 10 characters)').max(500),
});
export type SubscriberExportInput = z.input<typeof exportInput>;

function csvCell(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  // Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

/**
 * Exports every subscriber as CSV (UTF-8 with a BOM, CRLF lines) and records who exported,
 * when, why and how many rows, in one transaction. FORBIDDEN for anyone but an admin;
 * VALIDATION (naming `confirm` or `reason`) when the box is not ticked or no reason is given.
 */
export function exportSubscribers(db: Db, actor: Actor & { role?: string }, input: unknown, now = Date.now()): { csv: string; rows: number; filename: string } {
  if (actor.id === null || actor.role !== 'admin') throw new AppError('FORBIDDEN', 'only an admin may export subscribers');
  const parsed = exportInput.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => fieldIssue(i, jsonPath(i.path)));
    throw new AppError('VALIDATION', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  const c = db.$client;
  return c.transaction(() => {
    const rows = readSubscribers(db);
    const header = ['email', 'lang', 'confirmed_at', 'incidents', 'maintenances', 'services', 'created_at', 'updated_at'];
    const lines = [header.join(','), ...rows.map((r) => [
      r.email, r.lang, iso(r.confirmedAt), r.incidents ? 'yes' : 'no', r.maintenances ? 'yes' : 'no',
      r.allServices ? '*' : (r.services ?? '').split(' ').filter(Boolean).sort().join(' '), iso(r.createdAt), iso(r.updatedAt),
    ].map(csvCell).join(','))];
    recordAudit(db, actor, 'subscribers.export', 'subscribers', null, null, { reason: parsed.data.reason, rows: rows.length }, now);
    const stamp = new Date(now).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    return { csv: `\uFEFF${lines.join('\r\n')}\r\n`, rows: rows.length, filename: `subscribers-${stamp}.csv` };
  }).immediate();
}
