import type { Db } from '../db';

/**
 * Sign-in throttling by growing delays, never a lock an attacker can set on someone else
 * (ASVS 2.2.1). Failures are counted per account on one address, per address, and per
 * account from everywhere. After a few free failures each further one makes the next
 * attempt wait longer (doubling up to a ceiling); an attempt made while a wait runs is
 * answered "wait" without its password being tried. The account-wide count only ever
 * costs seconds, so failures sent from other addresses cannot keep the owner out; the
 * long waits fall on the address that failed. An e-mail is counted whether or not an
 * account exists, so a wait says nothing about which e-mails are registered.
 */
export interface DelayPolicy {
  /** Failures within `windowMs` that cost nothing. */
  free: number;
  /** The wait after the first counted failure; each further one doubles it. */
  baseMs: number;
  maxMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
}

export const pairPolicy: DelayPolicy = { free: 3, baseMs: 2_000, maxMs: 15 * 60_000, windowMs: 60 * 60_000 };
export const addressPolicy: DelayPolicy = { free: 20, baseMs: 2_000, maxMs: 15 * 60_000, windowMs: 60 * 60_000 };
export const accountPolicy: DelayPolicy = { free: 10, baseMs: 1_000, maxMs: 10_000, windowMs: 60 * 60_000 };

export const emailKey = (email: string) => `email:${email.trim().toLowerCase()}`;
export const addressKey = (address: string) => `ip:${address}`;
export const pairKey = (email: string, address: string) => `pair:${email.trim().toLowerCase()}|${address}`;

/** The wait that `failures` failures within the window cost under `policy`. */
export function delayAfter(policy: DelayPolicy, failures: number): number {
  if (failures < policy.free) return 0;
  return Math.min(policy.baseMs * 2 ** Math.min(failures - policy.free, 30), policy.maxMs);
}

/** The instant the longest running wait of these keys ends, or null when none runs. */
export function waitUntil(db: Db, keys: string[], now = Date.now()): number | null {
  let until: number | null = null;
  const get = db.$client.prepare('SELECT locked_until AS notBefore FROM sign_in_throttle WHERE key = ?');
  for (const key of keys) {
    const row = get.get(key) as { notBefore: number | null } | undefined;
    if (row?.notBefore && row.notBefore > now) until = Math.max(until ?? 0, row.notBefore);
  }
  return until;
}

/** Counts one failure against each key; returns when the next attempt may come (now when no wait). */
export function recordFailure(db: Db, keys: Array<{ key: string; policy: DelayPolicy }>, now = Date.now()): number {
  const c = db.$client;
  let next = now;
  c.transaction(() => {
    for (const { key, policy } of keys) {
      const row = c.prepare('SELECT failures, first_failure_at AS firstFailureAt FROM sign_in_throttle WHERE key = ?').get(key) as
        { failures: number; firstFailureAt: number } | undefined;
      const fresh = !row || now - row.firstFailureAt > policy.windowMs;
      const failures = fresh ? 1 : row.failures + 1;
      const first = fresh ? now : row.firstFailureAt;
      const delay = delayAfter(policy, failures);
      const notBefore = delay > 0 ? now + delay : null;
      if (notBefore) next = Math.max(next, notBefore);
      c.prepare(`INSERT INTO sign_in_throttle (key, failures, first_failure_at, locked_until) VALUES (?, ?, ?, ?)
        ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until`)
        .run(key, failures, first, notBefore);
    }
  }).immediate();
  return next;
}

/** Forgets failures after a successful sign-in (the address keeps its count). */
export function clearFailures(db: Db, keys: string[]): void {
  const del = db.$client.prepare('DELETE FROM sign_in_throttle WHERE key = ?');
  for (const key of keys) del.run(key);
}
