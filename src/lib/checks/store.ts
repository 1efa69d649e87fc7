import type { Statement } from 'better-sqlite3';
import type { Db } from '../db';
import { log } from '../log';
import { STATUS_CODE, type CheckStatus } from './status';
import { CheckSeries } from './series';
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

import type { RunState } from './series';
import { settingAt, settingSpans } from '../monitors/history';
export type { RunState };

export interface CheckStoreHooks {
  /**
   * Called inside the write transaction for each result in time order, with its run (not for
   * results older than the newest recorded check, which rewrite the runs instead). Throwing
   * rolls the whole batch back.
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
 * transaction per batch. A result older than the monitor's newest check (the clock was set
 * back) is stored too: the runs are rewritten from its time (./series.ts). Statements are
 * prepared once per store.
 */
export class CheckStore {
  private readonly insertCheck: Statement;
  private readonly markPending: Statement;
  private readonly series: CheckSeries;

  constructor(private readonly db: Db, private readonly hooks: CheckStoreHooks = {}) {
    const c = db.$client;
    this.insertCheck = c.prepare('INSERT OR REPLACE INTO checks (monitor_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?)');
    this.markPending = c.prepare('INSERT INTO rollup_pending (monitor_id, hour, hourly_done) VALUES (?, ?, 0) ON CONFLICT DO UPDATE SET hourly_done = 0 WHERE hourly_done = 1');
    this.series = new CheckSeries(db, 'local');
  }

  /** Records a batch, in any order. */
  record(results: readonly CheckResult[]): void {
    if (results.length === 0) return;
    const hours = new Set<string>();
    const sorted = [...results].sort((a, b) => a.at - b.at);
    this.db.$client.transaction(() => {
      const write = (r: CheckResult) => {
        this.insertCheck.run(r.monitorId, r.at, STATUS_CODE[r.status], r.latencyMs, r.error);
        const hourKey = `${r.monitorId}:${r.at - (r.at % HOUR_MS)}`;
        if (!hours.has(hourKey)) {
          hours.add(hourKey);
          this.markPending.run(r.monitorId, r.at - (r.at % HOUR_MS));
        }
      };
      const lastAt = new Map<number, number | null>();
      const late = new Map<number, CheckResult[]>();
      for (const r of sorted) {
        const key = { locationId: null, monitorId: r.monitorId };
        if (!lastAt.has(r.monitorId)) lastAt.set(r.monitorId, this.series.lastAt(key));
        const newest = lastAt.get(r.monitorId);
        if (newest != null && r.at <= newest) {
          late.set(r.monitorId, [...late.get(r.monitorId) ?? [], r]);
          continue;
        }
        write(r);
        const run = this.series.advance(key, r.at, STATUS_CODE[r.status]);
        this.hooks.onCheck?.(r, run);
      }
      for (const [monitorId, list] of late) {
        log.info('checks.late', { monitor_id: monitorId, count: list.length, at: new Date(list[0]!.at).toISOString(), newest_at: new Date(lastAt.get(monitorId)!).toISOString() });
        this.series.rewrite({ locationId: null, monitorId }, list[0]!.at, () => list.forEach(write));
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
  // Read before the checks are iterated: the connection runs one query at a time.
  const settings = settingSpans(db, monitorId);
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
      // The allowance after a check is twice the interval in force when it was made.
      const staleFrom = run ? run.lastAt + 2 * settingAt(settings, run.lastAt).intervalS * 1000 : 0;
      if (run && at > staleFrom) gaps.push([staleFrom, at]);
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
