import type { Statement } from 'better-sqlite3';
import type { Db } from '../db';
import { log } from '../log';
import { STATUS_CODE, type CheckStatus } from '../checks/status';

/** One check result from an agent location. */
export interface LocationResult {
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
 * Writes an agent location's check results with their runs and gaps, as the check store
 * does for the local probe (SLA.md reads both the same way). Called inside the caller's
 * transaction, which also records the batch, so a batch is stored whole or not at all.
 */
export class LocationCheckStore {
  private readonly insertCheck: Statement;
  private readonly lastRun: Statement;
  private readonly extendRun: Statement;
  private readonly insertRun: Statement;
  private readonly insertGap: Statement;
  private readonly intervalOf: Statement;

  constructor(db: Db) {
    const c = db.$client;
    this.insertCheck = c.prepare('INSERT OR IGNORE INTO location_checks (location_id, monitor_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?, ?)');
    this.lastRun = c.prepare('SELECT first_at AS firstAt, last_at AS lastAt, status, count FROM location_check_runs WHERE location_id = ? AND monitor_id = ? ORDER BY first_at DESC LIMIT 1');
    this.extendRun = c.prepare('UPDATE location_check_runs SET last_at = ?, count = count + 1 WHERE location_id = ? AND monitor_id = ? AND first_at = ?');
    this.insertRun = c.prepare('INSERT INTO location_check_runs (location_id, monitor_id, first_at, last_at, status, count) VALUES (?, ?, ?, ?, ?, 1)');
    this.insertGap = c.prepare('INSERT OR REPLACE INTO location_check_gaps (location_id, monitor_id, start, "end") VALUES (?, ?, ?, ?)');
    this.intervalOf = c.prepare('SELECT interval_s AS intervalS FROM monitors WHERE id = ?');
  }

  /** Records results (of one monitor, in time order); returns how many were new. */
  record(locationId: number, results: readonly LocationResult[]): number {
    let stored = 0;
    for (const r of results) {
      const code = STATUS_CODE[r.status];
      // The same check sent again (a batch re-cut after a crash) is kept once.
      if (this.insertCheck.run(locationId, r.monitorId, r.at, code, r.latencyMs, r.error).changes === 0) continue;
      stored++;
      const last = this.lastRun.get(locationId, r.monitorId) as RunRow | undefined;
      if (last && r.at <= last.lastAt) {
        log.warn('location_checks.out_of_order', { location_id: locationId, monitor_id: r.monitorId, at: new Date(r.at).toISOString() });
        continue;
      }
      if (last) {
        const { intervalS } = this.intervalOf.get(r.monitorId) as { intervalS: number };
        const staleFrom = last.lastAt + 2 * intervalS * 1000;
        if (r.at > staleFrom) this.insertGap.run(locationId, r.monitorId, staleFrom, r.at);
      }
      if (last && last.status === code) this.extendRun.run(r.at, locationId, r.monitorId, last.firstAt);
      else this.insertRun.run(locationId, r.monitorId, r.at, r.at, code);
    }
    return stored;
  }
}

