import { statement, type Db } from '../db';

/**
 * Reading `series_changes` (db/schema/monitors.ts): the monitors whose figures a write may
 * have changed, listed by the database's own triggers. A reader keeps what it computed from
 * a monitor's records and the last `seq` it read, and computes again only what is listed after.
 */
export interface SeriesChange {
  /** Null: every monitor (a location's failed control check, a location renamed or deleted). */
  monitorId: number | null;
  /** The earliest instant the change touches (0: any). */
  at: number;
}

export interface ChangesSince {
  /** The last row read: pass it next time. */
  seq: number;
  /** Null when rows after the given `seq` were already removed: treat every monitor as changed. */
  changes: SeriesChange[] | null;
}

/** How many of the newest rows the nightly retention keeps (a reader is seconds behind, not days). */
export const KEEP_CHANGES = 200_000;

/** The changes listed after `afterSeq` (0: none read yet, so none to list). */
export function changesSince(db: Db, afterSeq: number): ChangesSince {
  const last = statement(db, 'SELECT coalesce(max(seq), 0) FROM series_changes').pluck().get() as number;
  if (afterSeq === 0 || last === afterSeq) return { seq: last, changes: [] };
  const first = statement(db, 'SELECT min(seq) FROM series_changes').pluck().get() as number | null;
  if (first === null || first > afterSeq + 1) return { seq: last, changes: null };
  const changes = statement(db, 'SELECT monitor_id AS monitorId, at FROM series_changes WHERE seq > ? AND seq <= ?').all(afterSeq, last) as SeriesChange[];
  return { seq: last, changes };
}

/** Removes all but the newest KEEP_CHANGES rows; returns how many went. */
export function pruneChanges(db: Db): number {
  return statement(db, 'DELETE FROM series_changes WHERE seq <= (SELECT max(seq) FROM series_changes) - ?').run(KEEP_CHANGES).changes;
}
