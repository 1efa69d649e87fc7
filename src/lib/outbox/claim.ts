import type { Database, Statement } from 'better-sqlite3';

/**
 * The delivery rules every outbox shares (mail in mail_outbox, chat and webhook messages in
 * destination_outbox): a row is claimed before its try in one UPDATE … RETURNING (a random
 * claim token, a claim time, the try counted), so two senders never try the same row; a
 * failed try is retried with backoff and given up after MAX_ATTEMPTS. Each outbox table has
 * the columns next_attempt_at, attempts, sent_at, failed_at, last_error, claim_token and
 * claimed_until.
 */
export type OutboxTable = 'mail_outbox' | 'destination_outbox';

/** Tries before a message is given up (about a day of backoff in all). */
export const MAX_ATTEMPTS = 12;

/** Backoff after the n-th failed try: 30 s, 1 min, 2 min, ... capped at 4 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 4 * 3_600_000);
}

/** Only the holder of this lease may send (the worker's lease); a claim made without it changes nothing. */
export interface SenderLease {
  name: string;
  holder: string;
}

/**
 * The statement that claims the next due row of `table`, oldest due first. Its parameters:
 * @token, @until (claim end), @now, @holder and @lease (null holder: no lease required),
 * and any the caller's `set`/`due` name. `set` adds assignments, `due` a condition on the row.
 */
export function claimStatement(c: Database, table: OutboxTable, returning: string, extra: { set?: string; due?: string } = {}): Statement {
  return c.prepare(`UPDATE ${table} SET claim_token = @token, claimed_until = @until, attempts = attempts + 1${extra.set ? `, ${extra.set}` : ''}
    WHERE id = (SELECT id FROM ${table} WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= @now
                  AND (claimed_until IS NULL OR claimed_until <= @now)${extra.due ? ` AND (${extra.due})` : ''} ORDER BY next_attempt_at, id LIMIT 1)
      AND (@holder IS NULL OR EXISTS (SELECT 1 FROM leases WHERE name = @lease AND holder = @holder))
    RETURNING ${returning}`);
}

/** The parameters of claimStatement for one claim. */
export function claimParams(token: string, now: number, claimMs: number, lease: SenderLease | null): Record<string, unknown> {
  return { token, until: now + claimMs, now, holder: lease?.holder ?? null, lease: lease?.name ?? null };
}

/** Marks a claimed row sent (only while the claim is its own). */
export function markSent(c: Database, table: OutboxTable, id: number, token: string, at: number): boolean {
  return c.prepare(`UPDATE ${table} SET sent_at = ?, next_attempt_at = NULL, last_error = NULL, claim_token = NULL, claimed_until = NULL
    WHERE id = ? AND claim_token = ? AND sent_at IS NULL`).run(at, id, token).changes === 1;
}

/**
 * Records a failed try of a claimed row: retried after the backoff (or `retryAfterMs` when
 * the receiver named a later time), or given up (failed_at) after MAX_ATTEMPTS or when
 * `giveUp` says it cannot succeed. Returns whether it was given up.
 */
export function markFailed(c: Database, table: OutboxTable, row: { id: number; attempts: number }, token: string, error: string, now: number, opts: { giveUp?: boolean; retryAfterMs?: number } = {}): boolean {
  const giveUp = opts.giveUp === true || row.attempts >= MAX_ATTEMPTS;
  const delay = Math.max(retryDelayMs(row.attempts), opts.retryAfterMs ?? 0);
  c.prepare(`UPDATE ${table} SET last_error = ?, next_attempt_at = ?, failed_at = ?, claim_token = NULL, claimed_until = NULL WHERE id = ? AND claim_token = ?`)
    .run(error.slice(0, 500), giveUp ? null : now + delay, giveUp ? now : null, row.id, token);
  return giveUp;
}

/**
 * Withdraws rows not sent yet: never tried again (nor counted as pending or failed), with
 * the reason in `last_error`. A row a sender has claimed right now is beyond recall.
 */
export function withdraw(c: Database, table: OutboxTable, where: { ids: number[] } | { sql: string; params: unknown[] }, reason: string, now: number): number {
  const base = `UPDATE ${table} SET next_attempt_at = NULL, last_error = ?
    WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at IS NOT NULL AND (claimed_until IS NULL OR claimed_until <= ?)`;
  if ('ids' in where) {
    const st = c.prepare(`${base} AND id = ?`);
    return where.ids.reduce((n, id) => n + st.run(`withdrawn: ${reason}`, now, id).changes, 0);
  }
  return c.prepare(`${base} AND (${where.sql})`).run(`withdrawn: ${reason}`, now, ...where.params).changes;
}

/**
 * After the clock was set back, a due time or a claim stamped on the wrong clock would hold a
 * row for as long as the clock was off. Each is brought back to the most it can be on the
 * true clock: a first try due now, a retry its backoff from now, a claim its length.
 * Returns how many rows were released.
 */
export function releaseFuture(c: Database, table: OutboxTable, now: number, claimMs: number): number {
  const rows = c.prepare(`SELECT id, attempts, next_attempt_at AS nextAt, claimed_until AS claimedUntil FROM ${table} WHERE next_attempt_at > ? OR claimed_until > ?`)
    .all(now, now + claimMs) as Array<{ id: number; attempts: number; nextAt: number | null; claimedUntil: number | null }>;
  const update = c.prepare(`UPDATE ${table} SET next_attempt_at = ?, claimed_until = ? WHERE id = ?`);
  let released = 0;
  c.transaction(() => {
    for (const r of rows) {
      const latestDue = now + (r.attempts > 0 ? retryDelayMs(r.attempts) : 0);
      const nextAt = r.nextAt !== null && r.nextAt > latestDue ? latestDue : r.nextAt;
      const claimedUntil = r.claimedUntil !== null && r.claimedUntil > now + claimMs ? now + claimMs : r.claimedUntil;
      if (nextAt === r.nextAt && claimedUntil === r.claimedUntil) continue;
      update.run(nextAt, claimedUntil, r.id);
      released++;
    }
  }).immediate();
  return released;
}

/** Pending, given-up and sent counts of an outbox. */
export function counts(c: Database, table: OutboxTable): { pending: number; failed: number; sent: number } {
  return c.prepare(`SELECT
      COALESCE(SUM(next_attempt_at IS NOT NULL), 0) AS pending,
      COALESCE(SUM(failed_at IS NOT NULL), 0) AS failed,
      COALESCE(SUM(sent_at IS NOT NULL), 0) AS sent
    FROM ${table}`).get() as { pending: number; failed: number; sent: number };
}
