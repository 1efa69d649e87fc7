import { z } from 'zod';
import type { Db } from '../db';
import { inTransaction } from '../db';
import { AppError, jsonPath, fieldIssue } from '../errors';
import { enqueueMail } from '../mail/outbox';
import { log } from '../log';
import type { Lang } from '../i18n';
import { confirmToken, hashNonce, newNonce, readConfirmToken, readUnsubscribeToken } from './tokens';
import { confirmationMail } from './mails';

/**
 * E-mail subscriptions with double opt-in. Whatever the address's state (new, waiting,
 * confirmed), a request answers the same and sends mail only to that address, so the form
 * never tells anyone whether an address is subscribed.
 */
export const subscribeSchema = z.object({
  email: z.string().trim().toLowerCase().max(254, 'must be at most 254 characters').pipe(z.email('must be an e-mail address')),
  /** Service slugs; none means every service. */
  services: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a service slug')).max(100).default([]),
  incidents: z.boolean().default(true),
  maintenances: z.boolean().default(true),
  lang: z.enum(['ja', 'en']).default('ja'),
}).refine((v) => v.incidents || v.maintenances, { message: 'choose incidents, planned maintenance or both', path: ['incidents'] });

export type SubscribeInput = z.input<typeof subscribeSchema>;

export interface SubscriptionSettings {
  baseUrl: string;
  siteName: Record<Lang, string>;
  /** A new confirmation mail for the same address at most this often. */
  resendAfterMs?: number;
  confirmValidMs?: number;
}

export function parseSubscribe(input: unknown): z.output<typeof subscribeSchema> {
  const parsed = subscribeSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => fieldIssue(i, jsonPath(i.path)));
    throw new AppError('VALIDATION', issues.map((i) => `${i.path.replace(/^\$\./, '')}: ${i.message}`).join('; '), issues);
  }
  return parsed.data;
}

/** Records the request and queues the confirmation mail, in one transaction. */
export function requestSubscription(db: Db, input: unknown, settings: SubscriptionSettings, now = Date.now()): void {
  const data = parseSubscribe(input);
  const c = db.$client;
  const known = new Set((c.prepare('SELECT slug FROM services').pluck().all() as string[]));
  const unknown = data.services.filter((s) => !known.has(s));
  if (unknown.length) {
    throw new AppError('VALIDATION', `services: no service "${unknown[0]}"`, [{ path: '$.services', message: `no service "${unknown[0]}"` }]);
  }
  const pending = { incidents: data.incidents, maintenances: data.maintenances, services: data.services.length ? data.services : null, lang: data.lang };
  inTransaction(db, () => {
    const row = c.prepare('SELECT id, confirm_sent_at AS sentAt FROM subscribers WHERE email = ?').get(data.email) as { id: number; sentAt: number | null } | undefined;
    if (row && row.sentAt !== null && now - row.sentAt < (settings.resendAfterMs ?? 10 * 60_000)) {
      // A confirmation went out a moment ago: do not flood the address.
      log.info('subscriptions.resend_skipped', {});
      return;
    }
    const nonce = newNonce();
    let id: number;
    if (row) {
      id = row.id;
      c.prepare('UPDATE subscribers SET pending = ?, confirm_nonce = ?, confirm_sent_at = ?, updated_at = ? WHERE id = ?')
        .run(JSON.stringify(pending), hashNonce(nonce), now, now, id);
    } else {
      id = Number(c.prepare(`INSERT INTO subscribers (email, lang, pending, confirm_nonce, confirm_sent_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`).run(data.email, data.lang, JSON.stringify(pending), hashNonce(nonce), now, now, now).lastInsertRowid);
    }
    const url = `${settings.baseUrl}${data.lang === 'en' ? '/en' : ''}/subscribe/confirm?token=${confirmToken(id, nonce)}`;
    enqueueMail(db, confirmationMail(data.email, data.lang, settings.siteName[data.lang], url), now);
  });
}

export type ConfirmResult = 'confirmed' | 'invalid';

/** Applies the waiting choice when the link is valid and fresh. */
export function confirmSubscription(db: Db, token: string, settings: Pick<SubscriptionSettings, 'confirmValidMs'>, now = Date.now()): ConfirmResult {
  const parsed = readConfirmToken(token);
  if (!parsed) return 'invalid';
  const c = db.$client;
  return inTransaction(db, (): ConfirmResult => {
    const row = c.prepare('SELECT id, pending, confirm_nonce AS nonce, confirm_sent_at AS sentAt FROM subscribers WHERE id = ?').get(parsed.id) as
      { id: number; pending: string | null; nonce: string | null; sentAt: number | null } | undefined;
    if (!row || !row.nonce || !row.pending || row.nonce !== hashNonce(parsed.nonce)) return 'invalid';
    if (row.sentAt === null || now - row.sentAt > (settings.confirmValidMs ?? 48 * 3_600_000)) return 'invalid';
    const p = JSON.parse(row.pending) as { incidents: boolean; maintenances: boolean; services: string[] | null; lang: Lang };
    c.prepare(`UPDATE subscribers SET incidents = ?, maintenances = ?, all_services = ?, lang = ?, pending = NULL, confirm_nonce = NULL,
      confirmed_at = coalesce(confirmed_at, ?), updated_at = ? WHERE id = ?`).run(p.incidents ? 1 : 0, p.maintenances ? 1 : 0, p.services ? 0 : 1, p.lang, now, now, row.id);
    c.prepare('DELETE FROM subscriber_services WHERE subscriber_id = ?').run(row.id);
    const ins = c.prepare('INSERT INTO subscriber_services (subscriber_id, service_id) SELECT ?, id FROM services WHERE slug = ?');
    for (const slug of p.services ?? []) ins.run(row.id, slug);
    log.info('subscriptions.confirmed', { subscriber: row.id });
    return 'confirmed';
  });
}

/** Removes the subscriber (the address is deleted, not kept). Idempotent: a second click is fine. */
export function unsubscribe(db: Db, token: string): 'unsubscribed' | 'invalid' {
  const id = readUnsubscribeToken(db, token);
  if (id === null) return 'invalid';
  db.$client.prepare('DELETE FROM subscribers WHERE id = ?').run(id);
  log.info('subscriptions.unsubscribed', { subscriber: id });
  return 'unsubscribed';
}

/** How many confirmed subscribers there are (a number only: the addresses never leave). */
export function subscriberCount(db: Db): number {
  return db.$client.prepare('SELECT count(*) FROM subscribers WHERE confirmed_at IS NOT NULL').pluck().get() as number;
}
