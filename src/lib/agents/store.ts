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

  constructor(private readonly db: Db) {
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
      this.advance(locationId, r.monitorId, r.at, code);
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
      for (const r of rows) this.advance(locationId, monitorId, r.at, r.status);
      after = rows[rows.length - 1]!.at;
    }
  }

  /** Extends the runs and gaps by one stored check. */
  private advance(locationId: number, monitorId: number, at: number, code: number): void {
    const last = this.lastRun.get(locationId, monitorId) as RunRow | undefined;
    if (last && at <= last.lastAt) {
      log.warn('location_checks.out_of_order', { location_id: locationId, monitor_id: monitorId, at: new Date(at).toISOString() });
      return;
    }
    if (last) {
      const { intervalS } = this.intervalOf.get(monitorId) as { intervalS: number };
      const staleFrom = last.lastAt + 2 * intervalS * 1000;
      if (at > staleFrom) this.insertGap.run(locationId, monitorId, staleFrom, at);
    }
    if (last && last.status === code) this.extendRun.run(at, locationId, monitorId, last.firstAt);
    else this.insertRun.run(locationId, monitorId, at, at, code);
  }
}

