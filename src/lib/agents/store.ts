import type { Statement } from 'better-sqlite3';
import type { Db } from '../db';
import { STATUS_CODE, type CheckStatus } from '../checks/status';
import { CheckSeries } from '../checks/series';

/** One check result from an agent location. */
export interface LocationResult {
  monitorId: number;
  at: number;
  status: CheckStatus;
  latencyMs: number | null;
  error: string | null;
}

/**
 * Writes an agent location's check results with their runs and gaps, as the check store
 * does for the local probe (SLA.md reads both the same way). Called inside the caller's
 * transaction, which also records the batch, so a batch is stored whole or not at all.
 */
export class LocationCheckStore {
  private readonly insertCheck: Statement;
  private readonly series: CheckSeries;

  constructor(private readonly db: Db) {
    this.insertCheck = db.$client.prepare('INSERT OR IGNORE INTO location_checks (location_id, monitor_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?, ?)');
    this.series = new CheckSeries(db, 'located');
  }

  /**
   * Records results (of one monitor after another, each in time order); returns how many
   * were new. Results older than the newest stored one (a spool sent late) rewrite the runs
   * from the oldest of them, once per monitor.
   */
  record(locationId: number, results: readonly LocationResult[]): number {
    let stored = 0;
    for (let i = 0; i < results.length;) {
      let j = i;
      while (j < results.length && results[j]!.monitorId === results[i]!.monitorId) j++;
      const mine = results.slice(i, j);
      i = j;
      const key = { locationId, monitorId: mine[0]!.monitorId };
      const lastAt = this.series.lastAt(key);
      const late = lastAt === null ? [] : mine.filter((r) => r.at <= lastAt);
      // The same check sent again (a batch re-cut after a crash) is kept once.
      const insert = (r: LocationResult) => this.insertCheck.run(locationId, r.monitorId, r.at, STATUS_CODE[r.status], r.latencyMs, r.error).changes;
      if (late.length > 0) {
        this.series.rewrite(key, late[0]!.at, () => {
          for (const r of late) stored += insert(r);
        });
      }
      for (const r of mine.slice(late.length)) {
        if (insert(r) === 0) continue;
        stored++;
        this.series.advance(key, r.at, STATUS_CODE[r.status]);
      }
    }
    return stored;
  }

  /**
   * Builds a location's runs and gaps of one monitor again from its stored checks (after
   * a streamed import wrote the checks alone), reading them in pages so memory stays bounded.
   */
  rebuild(locationId: number, monitorId: number): void {
    const c = this.db.$client;
    c.prepare('DELETE FROM location_check_runs WHERE location_id = ? AND monitor_id = ?').run(locationId, monitorId);
    c.prepare('DELETE FROM location_check_gaps WHERE location_id = ? AND monitor_id = ?').run(locationId, monitorId);
    const page = c.prepare('SELECT at, status FROM location_checks WHERE location_id = ? AND monitor_id = ? AND at > ? ORDER BY at LIMIT 5000');
    let after = -Infinity;
    for (;;) {
      const rows = page.all(locationId, monitorId, after) as { at: number; status: number }[];
      if (rows.length === 0) return;
      for (const r of rows) this.series.advance({ locationId, monitorId }, r.at, r.status);
      after = rows[rows.length - 1]!.at;
    }
  }
}
