import type { Db } from '../db';
import { setSetting } from '../settings';
import { oldestPendingHour } from '../checks/rollups';
import { pruneChanges } from '../checks/changes';
import { log } from '../log';

export interface RetentionOptions {
  /** Raw checks older than this many days are deleted. */
  checksDays: number;
  /** Give the freed space back to the file system. */
  compact: boolean;
  /** Rows deleted per transaction; the event loop (and the probe) runs between batches. */
  batchSize?: number;
  /**
   * A database created without auto-vacuum is converted (one full VACUUM) only when this
   * share of its pages is free and the free space is at least `minFreeBytes`.
   */
  convertAtFreeRatio?: number;
  minFreeBytes?: number;
}

export interface RetentionResult {
  cutoff: number;
  deletedChecks: number;
  /** What was done to keep the file compact. */
  compaction: 'none' | 'incremental' | 'vacuum';
  bytesBefore: number;
  bytesAfter: number;
}

const DAY_MS = 86_400_000;
const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * The nightly retention: deletes raw checks older than the configured days, in small
 * transactions, and keeps the file compact. Only raw `checks` go: their run-length form
 * (`check_runs`), the gaps (`check_gaps`) and any rollups are kept forever, so SLA figures of
 * old months stay computable. The cutoff is recorded as the setting `retention.checks_before`.
 *
 * Compaction: a database whose `auto_vacuum` is INCREMENTAL gets `PRAGMA incremental_vacuum`.
 * One created without auto-vacuum (the SQLite default) can only be switched by a full VACUUM;
 * that is done once, when enough space is free to be worth it. VACUUM runs through the WAL,
 * so the WAL is truncated afterwards (`wal_checkpoint(TRUNCATE)`) to give its space back.
 */
export async function runRetention(db: Db, options: RetentionOptions, now: number): Promise<RetentionResult> {
  const c = db.$client;
  const batch = options.batchSize ?? 5000;
  // Never delete raw checks of an hour whose rollup is still to be computed.
  const pending = oldestPendingHour(db);
  const cutoff = Math.min(now - options.checksDays * DAY_MS, pending ?? Infinity);
  const pageSize = c.pragma('page_size', { simple: true }) as number;
  const bytes = () => (c.pragma('page_count', { simple: true }) as number) * pageSize;
  const bytesBefore = bytes();

  const monitorIds = (c.prepare('SELECT id FROM monitors ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
  const boundary = c.prepare('SELECT at FROM checks WHERE monitor_id = ? AND at < ? ORDER BY at LIMIT 1 OFFSET ?').pluck();
  const deleteBefore = c.prepare('DELETE FROM checks WHERE monitor_id = ? AND at < ?');
  const deleteUpTo = c.prepare('DELETE FROM checks WHERE monitor_id = ? AND at <= ?');
  let deletedChecks = 0;
  for (const id of monitorIds) {
    for (;;) {
      const bound = boundary.get(id, cutoff, batch - 1) as number | undefined;
      const res = bound === undefined ? deleteBefore.run(id, cutoff) : deleteUpTo.run(id, bound);
      deletedChecks += res.changes;
      await tick();
      if (bound === undefined) break;
    }
  }
  // Probe agents' raw checks go the same way (their runs and gaps stay); a stored batch id
  // is kept past the oldest result an agent may still send (at most 35 days), then forgotten.
  const locationPairs = c.prepare('SELECT DISTINCT location_id AS l, monitor_id AS m FROM location_check_runs').all() as { l: number; m: number }[];
  const deleteLocation = c.prepare('DELETE FROM location_checks WHERE location_id = ? AND monitor_id = ? AND at < ?');
  for (const { l, m } of locationPairs) {
    deletedChecks += deleteLocation.run(l, m, cutoff).changes;
    await tick();
  }
  c.prepare('DELETE FROM agent_batches WHERE received_at < ?').run(now - 35 * DAY_MS);
  pruneChanges(db);
    setSetting(db, 'retention.checks_before', String(cutoff));

  let compaction: RetentionResult['compaction'] = 'none';
  if (options.compact) {
    const autoVacuum = c.pragma('auto_vacuum', { simple: true }) as number;
    const free = c.pragma('freelist_count', { simple: true }) as number;
    const pages = c.pragma('page_count', { simple: true }) as number;
    if (autoVacuum === 2 && free > 0) {
      // In slices, so that other work of this process runs in between.
      while ((c.pragma('freelist_count', { simple: true }) as number) > 0) {
        c.pragma('incremental_vacuum(2048)');
        await tick();
      }
      compaction = 'incremental';
    } else if (autoVacuum === 0 && free > 0 && free / pages >= (options.convertAtFreeRatio ?? 0.2) && free * pageSize >= (options.minFreeBytes ?? 16 * 1048576)) {
      c.pragma('auto_vacuum = INCREMENTAL');
      c.exec('VACUUM');
      compaction = 'vacuum';
    }
  }
  const result: RetentionResult = { cutoff, deletedChecks, compaction, bytesBefore, bytesAfter: bytes() };
  setSetting(db, 'retention.last_run', JSON.stringify({ at: now, ...result }));
  if (compaction !== 'none') c.pragma('wal_checkpoint(TRUNCATE)');
  log.info('retention.done', { ...result, cutoff: new Date(cutoff).toISOString() });
  return result;
}
