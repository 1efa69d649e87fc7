import type { Db } from '../db';

/**
 * Sign-in throttling per account and per address. After `maxFailures` failed attempts
 * within `windowMs`, the key is locked for `lockMs`. An e-mail is counted whether or not an
 * account exists, so a lock says nothing about which e-mails are registered.
 */
export interface ThrottlePolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const accountPolicy: ThrottlePolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };
export const addressPolicy: ThrottlePolicy = { maxFailures: 30, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export const emailKey = (email: string) => `email:${email.trim().toLowerCase()}`;
export const addressKey = (address: string) => `ip:${address}`;

/** The instant the lock ends if any key is locked now, else null. */
export function lockedUntil(db: Db, keys: string[], now = Date.now()): number | null {
  let until: number | null = null;
  const get = db.$client.prepare('SELECT locked_until AS lockedUntil FROM sign_in_throttle WHERE key = ?');
  for (const key of keys) {
    const row = get.get(key) as { lockedUntil: number | null } | undefined;
    if (row?.lockedUntil && row.lockedUntil > now) until = Math.max(until ?? 0, row.lockedUntil);
  }
  return until;
}

/** Counts one failure against each key (with its policy); returns the lock's end if this failure locked any. */
export function recordFailure(db: Db, keys: Array<{ key: string; policy: ThrottlePolicy }>, now = Date.now()): number | null {
  const c = db.$client;
  let until: number | null = null;
  c.transaction(() => {
    for (const { key, policy } of keys) {
      const row = c.prepare('SELECT failures, first_failure_at AS firstFailureAt, locked_until AS lockedUntil FROM sign_in_throttle WHERE key = ?').get(key) as
        { failures: number; firstFailureAt: number; lockedUntil: number | null } | undefined;
      const fresh = !row || now - row.firstFailureAt > policy.windowMs || (row.lockedUntil !== null && row.lockedUntil <= now);
      const failures = fresh ? 1 : row.failures + 1;
      const first = fresh ? now : row.firstFailureAt;
      const lock = failures >= policy.maxFailures ? now + policy.lockMs : null;
      if (lock) until = Math.max(until ?? 0, lock);
      c.prepare(`INSERT INTO sign_in_throttle (key, failures, first_failure_at, locked_until) VALUES (?, ?, ?, ?)
        ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until`)
        .run(key, failures, first, lock);
    }
  }).immediate();
  return until;
}

/** Forgets an account's failures after a successful sign-in (the address keeps its count). */
export function clearFailures(db: Db, key: string): void {
  db.$client.prepare('DELETE FROM sign_in_throttle WHERE key = ?').run(key);
}
