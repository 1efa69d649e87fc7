import type { Statement } from 'better-sqlite3';
import type { Db } from '../db';
import { log } from '../log';
import { STATUS_CODE, type CheckStatus } from './status';
import type { CheckWarning } from '../probe/check-type';

export interface CheckResult {
  monitorId: number;
  at: number;
  status: CheckStatus;
  latencyMs: number | null;
  error: string | null;
  /** Thresholds crossed (not stored with the check; the alarms keep them). */
  warnings?: CheckWarning[];
}

/** The run of same-status checks a result ended up in, right after it was written. */
export interface RunState {
  firstAt: number;
  status: number;
  count: number;
}

export interface CheckStoreHooks {
  /**
   * Called inside the write transaction for each result in time order, with its run (not for
   * results older than what was recorded, which rebuild the runs instead). Throwing rolls
   * the whole batch back.
   */
  onCheck?: (result: CheckResult, run: RunState) => void;
}

export const HOUR_MS = 3_600_000;

interface RunRow {
  firstAt: number;
  lastAt: number;
  status: number;
  count: number;
}

/**
 * Writes check results and keeps their derived forms (runs and gaps) in step, in one
 * transaction per batch. Statements are prepared once per store.
 */
export class CheckStore {
  private readonly insertCheck: Statement;
  private readonly lastRun: Statement;
  private readonly extendRun: Statement;
  private readonly insertRun: Statement;
  private readonly insertGap: Statement;
  private readonly intervalOf: Statement;
  private readonly markPending: Statement;

  constructor(private readonly db: Db, private readonly hooks: CheckStoreHooks = {}) {
    const c = db.$client;
    this.insertCheck = c.prepare('INSERT OR REPLACE INTO checks (monitor_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?)');
    this.lastRun = c.prepare('SELECT first_at AS firstAt, last_at AS lastAt, status, count FROM check_runs WHERE monitor_id = ? ORDER BY first_at DESC LIMIT 1');
    this.extendRun = c.prepare('UPDATE check_runs SET last_at = ?, count = count + 1 WHERE monitor_id = ? AND first_at = ?');
    this.insertRun = c.prepare('INSERT INTO check_runs (monitor_id, first_at, last_at, status, count) VALUES (?, ?, ?, ?, 1)');
    this.insertGap = c.prepare('INSERT OR REPLACE INTO check_gaps (monitor_id, start, "end") VALUES (?, ?, ?)');
    this.intervalOf = c.prepare('SELECT interval_s AS intervalS FROM monitors WHERE id = ?');
    this.markPending = c.prepare('INSERT INTO rollup_pending (monitor_id, hour, hourly_done) VALUES (?, ?, 0) ON CONFLICT DO UPDATE SET hourly_done = 0 WHERE hourly_done = 1');
  }

  /** Records a batch; results of one monitor must be in time order. */
  record(results: readonly CheckResult[]): void {
    if (results.length === 0) return;
    const hours = new Set<string>();
    this.db.$client.transaction(() => {
      for (const r of results) {
        const code = STATUS_CODE[r.status];
        this.insertCheck.run(r.monitorId, r.at, code, r.latencyMs, r.error);
        const hourKey = `${r.monitorId}:${r.at - (r.at % HOUR_MS)}`;
        if (!hours.has(hourKey)) {
          hours.add(hourKey);
          this.markPending.run(r.monitorId, r.at - (r.at % HOUR_MS));
        }
        const last = this.lastRun.get(r.monitorId) as RunRow | undefined;
        if (last && r.at <= last.lastAt) {
          // Not after the last recorded check: the clock stepped back. The raw check is kept;
          // the runs stay as they are, since rebuilding them would need raw checks that
          // retention may already have deleted.
          log.warn('checks.out_of_order', { monitor_id: r.monitorId, at: new Date(r.at).toISOString(), last_at: new Date(last.lastAt).toISOString() });
          continue;
        }
        if (last) {
          const { intervalS } = this.intervalOf.get(r.monitorId) as { intervalS: number };
          const staleFrom = last.lastAt + 2 * intervalS * 1000;
          if (r.at > staleFrom) this.insertGap.run(r.monitorId, staleFrom, r.at);
        }
        if (last && last.status === code) {
          this.extendRun.run(r.at, r.monitorId, last.firstAt);
          this.hooks.onCheck?.(r, { firstAt: last.firstAt, status: code, count: last.count + 1 });
        } else {
          this.insertRun.run(r.monitorId, r.at, r.at, code);
          this.hooks.onCheck?.(r, { firstAt: r.at, status: code, count: 1 });
        }
      }
    }).immediate();
  }
}

/**
 * Recomputes a monitor's runs and gaps from all its raw checks. For an import into an empty
 * database only: after retention has deleted old raw checks, it would lose their runs.
 */
export function rebuildDerived(db: Db, monitorId: number): void {
  const c = db.$client;
  const { intervalS } = c.prepare('SELECT interval_s AS intervalS FROM monitors WHERE id = ?').get(monitorId) as { intervalS: number };
  const gapMs = 2 * intervalS * 1000;
  c.transaction(() => {
    c.prepare('DELETE FROM check_runs WHERE monitor_id = ?').run(monitorId);
    c.prepare('DELETE FROM check_gaps WHERE monitor_id = ?').run(monitorId);
    const insertRun = c.prepare('INSERT INTO check_runs (monitor_id, first_at, last_at, status, count) VALUES (?, ?, ?, ?, ?)');
    const insertGap = c.prepare('INSERT INTO check_gaps (monitor_id, start, "end") VALUES (?, ?, ?)');
    // Reading and writing one connection cannot interleave: collect first (runs are few), then write.
    const runs: RunRow[] = [];
    const gaps: Array<[number, number]> = [];
    let run: RunRow | null = null;
    const rows = c.prepare('SELECT at, status FROM checks WHERE monitor_id = ? ORDER BY at').raw().iterate(monitorId) as IterableIterator<[number, number]>;
    for (const [at, status] of rows) {
      if (run && at > run.lastAt + gapMs) gaps.push([run.lastAt + gapMs, at]);
      if (run && run.status === status) {
        run.lastAt = at;
        run.count++;
      } else {
        run = { firstAt: at, lastAt: at, status, count: 1 };
        runs.push(run);
      }
    }
    for (const r of runs) insertRun.run(monitorId, r.firstAt, r.lastAt, r.status, r.count);
    for (const [start, end] of gaps) insertGap.run(monitorId, start, end);
    // Every hour with checks gets its rollups recomputed by the rollup job.
    c.prepare(`INSERT INTO rollup_pending (monitor_id, hour, hourly_done)
      SELECT monitor_id, at - (at % ${HOUR_MS}), 0 FROM checks WHERE monitor_id = ? GROUP BY 2 ORDER BY NULL
      ON CONFLICT DO UPDATE SET hourly_done = 0`).run(monitorId);
  })();
}
