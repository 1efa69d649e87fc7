import type { Statement } from 'better-sqlite3';
import type { Db } from '../db';
import { STATUS_CODE, type CheckStatus } from './status';

export interface CheckResult {
  monitorId: number;
  at: number;
  status: CheckStatus;
  latencyMs: number | null;
  error: string | null;
}

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

  constructor(private readonly db: Db) {
    const c = db.$client;
    this.insertCheck = c.prepare('INSERT OR REPLACE INTO checks (monitor_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?)');
    this.lastRun = c.prepare('SELECT first_at AS firstAt, last_at AS lastAt, status, count FROM check_runs WHERE monitor_id = ? ORDER BY first_at DESC LIMIT 1');
    this.extendRun = c.prepare('UPDATE check_runs SET last_at = ?, count = count + 1 WHERE monitor_id = ? AND first_at = ?');
    this.insertRun = c.prepare('INSERT INTO check_runs (monitor_id, first_at, last_at, status, count) VALUES (?, ?, ?, ?, 1)');
    this.insertGap = c.prepare('INSERT OR REPLACE INTO check_gaps (monitor_id, start, "end") VALUES (?, ?, ?)');
    this.intervalOf = c.prepare('SELECT interval_s AS intervalS FROM monitors WHERE id = ?');
  }

  /** Records a batch; results of one monitor must be in time order. */
  record(results: readonly CheckResult[]): void {
    if (results.length === 0) return;
    const rebuild = new Set<number>();
    this.db.$client.transaction(() => {
      for (const r of results) {
        const code = STATUS_CODE[r.status];
        this.insertCheck.run(r.monitorId, r.at, code, r.latencyMs, r.error);
        if (rebuild.has(r.monitorId)) continue;
        const last = this.lastRun.get(r.monitorId) as RunRow | undefined;
        if (last && r.at <= last.lastAt) {
          // Older than what is recorded (an import or a clock step): rebuild this monitor's runs.
          rebuild.add(r.monitorId);
          continue;
        }
        if (last) {
          const { intervalS } = this.intervalOf.get(r.monitorId) as { intervalS: number };
          const staleFrom = last.lastAt + 2 * intervalS * 1000;
          if (r.at > staleFrom) this.insertGap.run(r.monitorId, staleFrom, r.at);
        }
        if (last && last.status === code) this.extendRun.run(r.at, r.monitorId, last.firstAt);
        else this.insertRun.run(r.monitorId, r.at, r.at, code);
      }
      for (const id of rebuild) rebuildDerived(this.db, id);
    }).immediate();
  }
}

/** Recomputes a monitor's runs and gaps from its raw checks (after an import, say). */
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
  })();
}
