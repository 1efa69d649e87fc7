import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Transporter } from 'nodemailer';
import type { Db } from '../db';
import type { Env } from '../env';
import { AppError } from '../errors';
import { log } from '../log';

/** One message to send. `kind` says what it is for (`alarm`, `subscriber`, ...). */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  kind: string;
}

/** Tries before a message is given up (about a day of backoff in all). */
export const MAX_ATTEMPTS = 12;
/** The sender address when SMTP_URL does not name one (`?from=` in the URL). */
export const DEFAULT_FROM = 'status@localhost';

const ADDRESS_RE = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

/** Backoff after the n-th failed try: 30 s, 1 min, 2 min, ... capped at 4 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 4 * 3_600_000);
}

/**
 * Queues a message; it is sent by `sendPendingMail` (the worker's mail job). Call it inside
 * the caller's transaction, so the mail exists exactly when what it announces does.
 * Returns the outbox id.
 */
export function enqueueMail(db: Db, mail: OutgoingMail, now: number = Date.now()): number {
  const to = mail.to.trim();
  if (!ADDRESS_RE.test(to)) throw new AppError('VALIDATION', `mail.to: "${mail.to}" is not an e-mail address`, [{ path: '$.to', message: 'not an e-mail address' }]);
  if (!mail.subject.trim()) throw new AppError('VALIDATION', 'mail.subject: must not be empty', [{ path: '$.subject', message: 'must not be empty' }]);
  if (/[\r\n]/.test(mail.subject)) throw new AppError('VALIDATION', 'mail.subject: must be one line', [{ path: '$.subject', message: 'must be one line' }]);
  if (!mail.kind.trim()) throw new AppError('VALIDATION', 'mail.kind: must not be empty', [{ path: '$.kind', message: 'must not be empty' }]);
  for (const [k, v] of Object.entries(mail.headers ?? {})) {
    if (!/^[A-Za-z0-9-]+$/.test(k) || /[\r\n]/.test(v)) {
      throw new AppError('VALIDATION', `mail.headers.${k}: not a valid header`, [{ path: `$.headers.${k}`, message: 'not a valid header' }]);
    }
  }
  const res = db.$client.prepare(`INSERT INTO mail_outbox (kind, to_addr, subject, text, html, headers, created_at, next_attempt_at, attempts)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`).run(mail.kind, to, mail.subject, mail.text, mail.html ?? null,
    mail.headers && Object.keys(mail.headers).length > 0 ? JSON.stringify(mail.headers) : null, now, now);
  return Number(res.lastInsertRowid);
}

interface OutboxRow {
  id: number;
  kind: string;
  toAddr: string;
  subject: string;
  text: string;
  html: string | null;
  headers: string | null;
  attempts: number;
}

/** The sender configured in the transport (`?from=` on SMTP_URL), or the default. */
function senderOf(transport: Transporter): string {
  const from = (transport as unknown as { _defaults?: { from?: unknown } })._defaults?.from;
  return typeof from === 'string' && from ? from : DEFAULT_FROM;
}

/** How long a sender's claim on a message stands; longer than one try can take (see the transport's timeouts). */
export const CLAIM_MS = 10 * 60_000;

/** Only the holder of this lease may send (the worker's lease); a claim made without it changes nothing. */
export interface SenderLease {
  name: string;
  holder: string;
}

/**
 * Sends every message that is due, one at a time, oldest first. Each message is claimed
 * before its try in one UPDATE … RETURNING (a random claim token, a claim time, the try
 * counted), so two senders (an overlapping run, a second worker) never send the same one;
 * with `lease` the claim succeeds only while that lease is held. A failure is recorded with
 * its error and tried again later with backoff; after MAX_ATTEMPTS the message is given up
 * (failed_at set) and logged. Sent messages get `sent_at`, and so do the alarm
 * notifications that refer to them.
 */
export async function sendPendingMail(db: Db, transport: Transporter, now: number = Date.now(), limit = 100, lease: SenderLease | null = null): Promise<{ sent: number; failed: number }> {
  const c = db.$client;
  const token = randomUUID();
  const claim = c.prepare(`UPDATE mail_outbox SET claim_token = @token, claimed_until = @until, attempts = attempts + 1
    WHERE id = (SELECT id FROM mail_outbox WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= @now
                  AND (claimed_until IS NULL OR claimed_until <= @now) ORDER BY next_attempt_at, id LIMIT 1)
      AND (@holder IS NULL OR EXISTS (SELECT 1 FROM leases WHERE name = @lease AND holder = @holder))
    RETURNING id, kind, to_addr AS toAddr, subject, text, html, headers, attempts`);
  const markSent = c.prepare('UPDATE mail_outbox SET sent_at = ?, next_attempt_at = NULL, last_error = NULL, claim_token = NULL, claimed_until = NULL WHERE id = ? AND sent_at IS NULL');
  const markNotified = c.prepare('UPDATE alarm_notifications SET sent_at = ? WHERE outbox_id = ? AND sent_at IS NULL');
  const markFailed = c.prepare('UPDATE mail_outbox SET last_error = ?, next_attempt_at = ?, failed_at = ?, claim_token = NULL, claimed_until = NULL WHERE id = ? AND claim_token = ?');
  const from = senderOf(transport);
  let sent = 0;
  let failed = 0;
  for (let i = 0; i < limit; i++) {
    const row = claim.get({ token, until: now + CLAIM_MS, now, holder: lease?.holder ?? null, lease: lease?.name ?? null }) as OutboxRow | undefined;
    if (!row) break;
    try {
      await transport.sendMail({
        from,
        to: row.toAddr,
        subject: row.subject,
        text: row.text,
        html: row.html ?? undefined,
        headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : undefined,
      });
      // The send time is when the server accepted it, not when the batch began.
      const at = Math.max(now, Date.now());
      c.transaction(() => {
        markSent.run(at, row.id);
        markNotified.run(at, row.id);
      }).immediate();
      sent++;
      log.info('mail.sent', { id: row.id, kind: row.kind, attempts: row.attempts });
    } catch (err) {
      failed++;
      const attempts = row.attempts;
      const message = (err as Error).message.slice(0, 500);
      const giveUp = attempts >= MAX_ATTEMPTS;
      markFailed.run(message, giveUp ? null : now + retryDelayMs(attempts), giveUp ? now : null, row.id, token);
      log[giveUp ? 'error' : 'warn']('mail.failed', { id: row.id, kind: row.kind, attempts, error: message, gave_up: giveUp });
    }
  }
  return { sent, failed };
}

/**
 * The SMTP transport from SMTP_URL (`smtp://user:pass@host:port`, `smtps://` for implicit
 * TLS, `?from=status@example.jp` for the sender), or null when it is unset: mail then stays
 * queued, and the mail job logs that it is waiting.
 */
export function mailTransport(env: Pick<Env, 'SMTP_URL'>): Transporter | null {
  if (!env.SMTP_URL) return null;
  let url: URL;
  try {
    url = new URL(env.SMTP_URL);
  } catch {
    throw new AppError('CONFIG', 'environment variable SMTP_URL: not a URL');
  }
  const from = url.searchParams.get('from') ?? undefined;
  url.searchParams.delete('from');
  // Every try is bounded, well within a claim (CLAIM_MS): a server that stalls its greeting
  // or stops answering fails the try instead of holding the mail job.
  // Loaded only when mail is configured: a site or worker without SMTP never holds it in memory.
  const nodemailer = createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer');
  return nodemailer.createTransport({ url: url.toString(), connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 120_000 }, { from: from ?? DEFAULT_FROM });
}

/**
 * Withdraws messages not sent yet: they are never tried again (nor counted as pending or
 * failed), and say why in `last_error`. A message a sender has claimed for its try right
 * now is beyond recall. Returns how many were withdrawn.
 */
export function withdrawMail(db: Db, ids: number[], reason: string, now: number = Date.now()): number {
  const withdraw = db.$client.prepare(`UPDATE mail_outbox SET next_attempt_at = NULL, last_error = ?
    WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at IS NOT NULL AND (claimed_until IS NULL OR claimed_until <= ?)`);
  return ids.reduce((n, id) => n + withdraw.run(`withdrawn: ${reason}`, id, now).changes, 0);
}

/** Counts for the admin pages and /healthz-like views. */
export function outboxCounts(db: Db): { pending: number; failed: number; sent: number } {
  return db.$client.prepare(`SELECT
      COALESCE(SUM(next_attempt_at IS NOT NULL), 0) AS pending,
      COALESCE(SUM(failed_at IS NOT NULL), 0) AS failed,
      COALESCE(SUM(sent_at IS NOT NULL), 0) AS sent
    FROM mail_outbox`).get() as { pending: number; failed: number; sent: number };
}
