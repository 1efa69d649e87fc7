import type { Statement } from 'better-sqlite3';
import type { Db } from '../db';
import { intervalAt } from '../monitors/history';

/**
 * One stream of checks with its derived runs and gaps: the local probe's checks of a monitor
 * (`checks`, `check_runs`, `check_gaps`) or one agent location's (`location_checks`, …).
 * Checks usually arrive in time order and extend the runs (`advance`); one that arrives
 * later than a newer one (an agent's spool, a clock set back) or checks set aside rewrite
 * the runs from that instant (`rewrite`), so nothing is dropped or ordered by arrival.
 */
export interface SeriesKey {
  /** Null: the local probe. */
  locationId: number | null;
  monitorId: number;
}

/** The run of same-status checks a check ended up in. */
export interface RunState {
  firstAt: number;
  status: number;
  count: number;
}

interface RunRow extends RunState {
  lastAt: number;
}

const LOCAL = { checks: 'checks', runs: 'check_runs', gaps: 'check_gaps', where: 'monitor_id = ?', columns: 'monitor_id', marks: '?' };
const LOCATED = { checks: 'location_checks', runs: 'location_check_runs', gaps: 'location_check_gaps', where: 'location_id = ? AND monitor_id = ?', columns: 'location_id, monitor_id', marks: '?, ?' };

export class CheckSeries {
  private readonly s: Record<string, Statement>;
  private readonly keyed: boolean;

  constructor(private readonly db: Db, kind: 'local' | 'located') {
    const t = kind === 'local' ? LOCAL : LOCATED;
    this.keyed = kind === 'located';
    const c = db.$client;
    this.s = {
      lastRun: c.prepare(`SELECT first_at AS firstAt, last_at AS lastAt, status, count FROM ${t.runs} WHERE ${t.where} ORDER BY first_at DESC LIMIT 1`),
      runBefore: c.prepare(`SELECT first_at AS firstAt, last_at AS lastAt, status, count FROM ${t.runs} WHERE ${t.where} AND first_at < ? ORDER BY first_at DESC LIMIT 1`),
      extendRun: c.prepare(`UPDATE ${t.runs} SET last_at = ?, count = count + 1 WHERE ${t.where} AND first_at = ?`),
      cutRun: c.prepare(`UPDATE ${t.runs} SET last_at = ?, count = ? WHERE ${t.where} AND first_at = ?`),
      insertRun: c.prepare(`INSERT INTO ${t.runs} (${t.columns}, first_at, last_at, status, count) VALUES (${t.marks}, ?, ?, ?, 1)`),
      insertGap: c.prepare(`INSERT OR REPLACE INTO ${t.gaps} (${t.columns}, start, "end") VALUES (${t.marks}, ?, ?)`),
      dropRuns: c.prepare(`DELETE FROM ${t.runs} WHERE ${t.where} AND first_at >= ?`),
      dropGaps: c.prepare(`DELETE FROM ${t.gaps} WHERE ${t.where} AND "end" >= ?`),
      countFrom: c.prepare(`SELECT count(*) FROM ${t.checks} WHERE ${t.where} AND at >= ? AND at <= ?`).pluck(),
      lastBefore: c.prepare(`SELECT max(at) FROM ${t.checks} WHERE ${t.where} AND at >= ? AND at < ?`).pluck(),
      checksFrom: c.prepare(`SELECT at, status FROM ${t.checks} WHERE ${t.where} AND at >= ? ORDER BY at`).raw(),
    };
  }

  private keys(k: SeriesKey): number[] {
    return this.keyed ? [k.locationId!, k.monitorId] : [k.monitorId];
  }

  /** The newest check in the runs, or null when there is none. */
  lastAt(k: SeriesKey): number | null {
    return (this.s.lastRun!.get(...this.keys(k)) as RunRow | undefined)?.lastAt ?? null;
  }

  /**
   * Extends the runs and gaps by one check later than every check in the runs (a gap
   * when it comes more than two intervals after the last); returns the run it joined.
   */
  advance(k: SeriesKey, at: number, status: number): RunState {
    const keys = this.keys(k);
    const last = this.s.lastRun!.get(...keys) as RunRow | undefined;
    if (last) {
      // The allowance after a check is twice the interval in force when it was made.
      const staleFrom = last.lastAt + 2 * intervalAt(this.db, k.monitorId, last.lastAt) * 1000;
      if (at > staleFrom) this.s.insertGap!.run(...keys, staleFrom, at);
    }
    if (last && last.status === status) {
      this.s.extendRun!.run(at, ...keys, last.firstAt);
      return { firstAt: last.firstAt, status, count: last.count + 1 };
    }
    this.s.insertRun!.run(...keys, at, at, status);
    return { firstAt: at, status, count: 1 };
  }

  /**
   * Changes the stored checks at or after `from` (`change` adds or removes them) and brings
   * the runs and gaps in step: the run holding `from` is cut back to the check before it
   * (read while the checks are still as the runs counted them), later runs and the gaps
   * they close are dropped, then the checks from `from` on are replayed in time order.
   * Runs before `from` stay as they are, so checks retention already deleted are not needed.
   */
  rewrite(k: SeriesKey, from: number, change: () => void): void {
    const keys = this.keys(k);
    const before = this.s.runBefore!.get(...keys, from) as RunRow | undefined;
    if (before && before.lastAt >= from) {
      const cut = this.s.countFrom!.get(...keys, from, before.lastAt) as number;
      const lastAt = (this.s.lastBefore!.get(...keys, before.firstAt, from) as number | null) ?? before.firstAt;
      this.s.cutRun!.run(lastAt, Math.max(1, before.count - cut), ...keys, before.firstAt);
    }
    this.s.dropRuns!.run(...keys, from);
    this.s.dropGaps!.run(...keys, from);
    change();
    const rows = this.s.checksFrom!.all(...keys, from) as Array<[number, number]>;
    for (const [at, status] of rows) this.advance(k, at, status);
  }
}
