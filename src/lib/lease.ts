import { hostname } from 'node:os';
import type { Db } from './db';

/**
 * A named lease in the database: at most one live holder at a time. The holder renews it
 * often, raising its `beat`. Whether a holder is alive is judged by the database's own view
 * (its beat advancing, watched on the watcher's monotonic clock) and, on the same host, by
 * whether its process still exists; never by comparing two processes' wall clocks, which
 * may disagree by an hour after a clock step.
 */
export interface LeaseRow {
  name: string;
  holder: string;
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
  beat: number;
  pid: number | null;
  host: string | null;
}

/** This process's monotonic clock in milliseconds (never steps with the wall clock). */
export function monotonicMs(): number {
  return performance.now();
}

export const thisHost = hostname();

/** Whether a process id on this host is gone (a process of another user still counts as alive). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Why a lease was taken from another holder, for the log. */
export type TakeoverReason = 'free' | 'holder_gone' | 'heartbeat_stopped';

/**
 * What one would-be holder has seen of another holder's heartbeat: the beat it last saw
 * change and when that was on its own monotonic clock.
 */
export class LeaseWatch {
  private seen: { holder: string; beat: number; since: number } | null = null;

  constructor(private readonly clock: () => number = monotonicMs) {}

  /** Records the row and says for how long (ms) its beat has stood still as far as this process saw. */
  observe(row: { holder: string; beat: number }): number {
    const now = this.clock();
    if (!this.seen || this.seen.holder !== row.holder || this.seen.beat !== row.beat) {
      this.seen = { holder: row.holder, beat: row.beat, since: now };
      return 0;
    }
    return now - this.seen.since;
  }
}

/**
 * Takes the lease when it is free, already ours, held by a process gone from this host, or
 * held by a holder whose beat this process has watched stand still for `ttlMs`. The
 * take-over is a compare-and-set on the beat seen, so of two watchers only one wins.
 * Returns why it was taken, or null when another live holder keeps it.
 */
export function tryAcquireLease(db: Db, name: string, holder: string, ttlMs: number, watch: LeaseWatch, now = Date.now()): TakeoverReason | null {
  const c = db.$client;
  return c.transaction((): TakeoverReason | null => {
    const row = c.prepare('SELECT holder, beat, pid, host FROM leases WHERE name = ?').get(name) as { holder: string; beat: number; pid: number | null; host: string | null } | undefined;
    let reason: TakeoverReason = 'free';
    if (row && row.holder !== holder) {
      const stillFor = watch.observe(row);
      if (row.host === thisHost && row.pid !== null && row.pid !== process.pid && processGone(row.pid)) reason = 'holder_gone';
      else if (stillFor >= ttlMs) reason = 'heartbeat_stopped';
      else return null;
    }
    c.prepare(`INSERT INTO leases (name, holder, acquired_at, renewed_at, expires_at, beat, pid, host) VALUES (?, ?, ?, ?, ?, 1, ?, ?)
      ON CONFLICT(name) DO UPDATE SET holder = excluded.holder,
        acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
        renewed_at = excluded.renewed_at, expires_at = excluded.expires_at, beat = leases.beat + 1, pid = excluded.pid, host = excluded.host`)
      .run(name, holder, now, now, now + ttlMs, process.pid, thisHost);
    return row && row.holder !== holder ? reason : 'free';
  }).immediate();
}

/** Renews a held lease (raising its beat); false if another holder has it now. */
export function renewLease(db: Db, name: string, holder: string, ttlMs: number, now = Date.now()): boolean {
  const res = db.$client.prepare('UPDATE leases SET renewed_at = ?, expires_at = ?, beat = beat + 1 WHERE name = ? AND holder = ?').run(now, now + ttlMs, name, holder);
  return res.changes === 1;
}

/** Whether `holder` holds the lease now (a read inside the caller's transaction sees the truth). */
export function holdsLease(db: Db, name: string, holder: string): boolean {
  return db.$client.prepare('SELECT 1 FROM leases WHERE name = ? AND holder = ?').get(name, holder) !== undefined;
}

export function releaseLease(db: Db, name: string, holder: string): void {
  db.$client.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
}

export function readLease(db: Db, name: string): LeaseRow | null {
  return (db.$client.prepare(`SELECT name, holder, acquired_at AS acquiredAt, renewed_at AS renewedAt, expires_at AS expiresAt,
    beat, pid, host FROM leases WHERE name = ?`).get(name) as LeaseRow | undefined) ?? null;
}
