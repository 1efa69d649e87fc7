import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Transporter } from 'nodemailer';
import type { Db } from '../db';
import type { Env } from '../env';
import { AppError } from '../errors';
import { log } from '../log';
import { claimStatement, claimParams, markSent as markRowSent, markFailed, withdraw, releaseFuture, counts, MAX_ATTEMPTS, retryDelayMs, type SenderLease } from '../outbox/claim';

export { MAX_ATTEMPTS, retryDelayMs, type SenderLease };

/** One message to send. `kind` says what it is for (`alarm`, `subscriber`, ...). */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  kind: string;
}

/** The sender address when SMTP_URL does not name one (`?from=` in the URL). */
export const DEFAULT_FROM = 'status@localhost';

const ADDRESS_RE = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

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
  messageId: string;
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

/**
 * How long to wait for the server's answer to a command, above all its final answer after
 * the message data: RFC 5321 (4.5.3.2.6) lets a server take 10 minutes to store it.
 */
export const REPLY_TIMEOUT_MS = 10 * 60_000;

/** How long a sender's claim on a message stands; longer than one try can take (see the transport's timeouts). */
export const CLAIM_MS = 15 * 60_000;

/** A new Message-ID in the sender's domain. */
function newMessageId(from: string): string {
  const domain = /@([^\s@>]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return `<${randomUUID()}@${domain}>`;
}

/**
 * The message of an outbox row, with the Message-ID it keeps for every try (a receiver or
 * list software drops a second copy by it).
 */
async function compose(row: OutboxRow, from: string): Promise<Buffer> {
  const MailComposer = (createRequire(import.meta.url)('nodemailer/lib/mail-composer') as typeof import('nodemailer/lib/mail-composer')).default;
  return new MailComposer({
    from,
    to: row.toAddr,
    subject: row.subject,
    text: row.text,
    html: row.html ?? undefined,
    headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : undefined,
    messageId: row.messageId,
  }).compile().build();
}

/**
 * A try that failed after the whole message was handed over, without any answer from the
 * server (it timed out or dropped the connection): the server may have stored it.
 */
function maybeDelivered(err: unknown, handedOver: boolean): boolean {
  const e = err as { code?: string; responseCode?: number };
  return handedOver && !e.responseCode && (e.code === 'ETIMEDOUT' || e.code === 'ECONNECTION' || e.code === 'ESOCKET');
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
  const claim = claimStatement(c, 'mail_outbox', 'id, message_id AS messageId, kind, to_addr AS toAddr, subject, text, html, headers, attempts',
    { set: 'message_id = coalesce(message_id, @messageId)' });
  const markNotified = c.prepare('UPDATE alarm_notifications SET sent_at = ? WHERE outbox_id = ? AND sent_at IS NULL');
  const markMaybeDelivered = c.prepare('UPDATE mail_outbox SET last_error = ?, next_attempt_at = NULL, maybe_delivered_at = ?, claim_token = NULL, claimed_until = NULL WHERE id = ? AND claim_token = ?');
  const from = senderOf(transport);
  let sent = 0;
  let failed = 0;
  for (let i = 0; i < limit; i++) {
    const row = claim.get({ ...claimParams(token, now, CLAIM_MS, lease), messageId: newMessageId(from) }) as OutboxRow | undefined;
    if (!row) break;
    // Whether the whole message went to the server (what follows is waiting for its answer).
    let handedOver = false;
    try {
      const raw = Readable.from([await compose(row, from)]);
      raw.once('end', () => (handedOver = true));
      await transport.sendMail({ envelope: { from, to: [row.toAddr] }, raw });
      // The send time is when the server accepted it, not when the batch began.
      const at = Math.max(now, Date.now());
      c.transaction(() => {
        if (markRowSent(c, 'mail_outbox', row.id, token, at)) markNotified.run(at, row.id);
      }).immediate();
      sent++;
      log.info('mail.sent', { id: row.id, kind: row.kind, attempts: row.attempts });
    } catch (err) {
      failed++;
      const attempts = row.attempts;
      const message = (err as Error).message.slice(0, 500);
      if (maybeDelivered(err, handedOver)) {
        // Sending it again could deliver it twice: it waits for an admin (dashboard, /healthz).
        markMaybeDelivered.run(`the server took the message but did not confirm it: ${message}`, Math.max(now, Date.now()), row.id, token);
        log.warn('mail.maybe_delivered', { id: row.id, kind: row.kind, attempts, error: message });
        continue;
      }
      const giveUp = markFailed(c, 'mail_outbox', row, token, message, now);
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
export function mailTransport(env: Pick<Env, 'SMTP_URL'>, replyTimeoutMs = REPLY_TIMEOUT_MS): Transporter | null {
  if (!env.SMTP_URL) return null;
  let url: URL;
  try {
    url = new URL(env.SMTP_URL);
  } catch {
    throw new AppError('CONFIG', 'environment variable SMTP_URL: not a URL');
  }
  const from = url.searchParams.get('from') ?? undefined;
  url.searchParams.delete('from');
  // Every try is bounded, within a claim (CLAIM_MS): a server that stalls its greeting fails
  // the try in 30 s; one that stops answering, after the time a server may take to store a message.
  // Loaded only when mail is configured: a site or worker without SMTP never holds it in memory.
  const nodemailer = createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer');
  return nodemailer.createTransport({ url: url.toString(), connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: replyTimeoutMs }, { from: from ?? DEFAULT_FROM });
}

/**
 * Withdraws messages not sent yet: they are never tried again (nor counted as pending or
 * failed), and say why in `last_error`. A message a sender has claimed for its try right
 * now is beyond recall. Returns how many were withdrawn.
 */
export function withdrawMail(db: Db, ids: number[], reason: string, now: number = Date.now()): number {
  return withdraw(db.$client, 'mail_outbox', { ids }, reason, now);
}

/** Messages a server took without confirming them (see sendPendingMail): admins are told. */
export function maybeDeliveredCount(db: Db): number {
  return db.$client.prepare('SELECT count(*) FROM mail_outbox WHERE maybe_delivered_at IS NOT NULL').pluck().get() as number;
}

/** Counts for the admin pages and /healthz-like views. */
export function outboxCounts(db: Db): { pending: number; failed: number; sent: number } {
  return counts(db.$client, 'mail_outbox');
}

/**
 * After the clock was set back, a due time or a claim stamped on the wrong clock would hold a
 * message for as long as the clock was off. Each is brought back to the most it can be on
 * the true clock: a first try due now, a retry its backoff from now, a claim its length.
 * Returns how many messages were released.
 */
export function releaseFutureMail(db: Db, now: number): number {
  const released = releaseFuture(db.$client, 'mail_outbox', now, CLAIM_MS);
  if (released > 0) log.info('mail.released_after_clock_step', { count: released });
  return released;
}
