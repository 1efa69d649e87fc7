import type { Db } from '../db';
import { recordAudit, systemActor, type Actor } from '../audit';
import { AppError } from '../errors';
import { log } from '../log';
import { CheckSeries, type SeriesKey } from './series';
import { HOUR_MS } from './store';

/**
 * Checks stamped in the future were stamped by a wrong clock (SLA.md, "Times come from the
 * system clock"). When the worker starts or sees its clock step, every stored check later
 * than now plus a small tolerance is set aside: moved, as it was, to `quarantined_checks`,
 * out of the runs, figures and pages, with the clock step that explains it. The runs are
 * rewritten without them, so the time they claimed becomes a gap (unmonitored) until true
 * checks cover it. A step stays an operator warning until an admin has reviewed it.
 */

/** A check this far ahead of the clock is no wrong stamp yet (a check finishing as the clock is read). */
export const FUTURE_TOLERANCE_MS = 5_000;

export interface ClockStep {
  id: number;
  seenAt: number;
  offsetMs: number;
  seenBy: 'running' | 'start';
  setAside: number;
  firstStampAt: number | null;
  lastStampAt: number | null;
  reviewedAt: number | null;
}

const STEP_COLUMNS = `id, seen_at AS seenAt, offset_ms AS offsetMs, seen_by AS seenBy, set_aside AS setAside,
  first_stamp_at AS firstStampAt, last_stamp_at AS lastStampAt, reviewed_at AS reviewedAt`;

interface Future extends SeriesKey {
  from: number;
}

/** The series holding checks later than now plus tolerance (an agent's own measured lead allowed too). */
function futureSeries(db: Db, now: number): Future[] {
  const c = db.$client;
  const local = c.prepare(`SELECT NULL AS locationId, monitor_id AS monitorId, min(at) AS "from" FROM checks WHERE at > ? GROUP BY monitor_id`)
    .all(now + FUTURE_TOLERANCE_MS) as Future[];
  const located = c.prepare(`SELECT x.location_id AS locationId, x.monitor_id AS monitorId, min(x.at) AS "from"
      FROM location_checks x JOIN probe_locations l ON l.id = x.location_id
      WHERE x.at > ? + max(0, -coalesce(l.clock_offset_ms, 0)) GROUP BY x.location_id, x.monitor_id`)
    .all(now + FUTURE_TOLERANCE_MS) as Future[];
  return [...local, ...located];
}

/**
 * Sets aside every stored check stamped later than `now` (plus tolerance) and records the
 * clock step: `seenOffsetMs` when the worker saw its clock step, else (at start) measured
 * from the newest future stamp. Records nothing when there is neither. One transaction.
 */
export function setAsideFutureChecks(db: Db, now: number, seenOffsetMs: number | null): ClockStep | null {
  const c = db.$client;
  return c.transaction((): ClockStep | null => {
    const future = futureSeries(db, now);
    if (future.length === 0 && seenOffsetMs === null) return null;
    let count = 0, first: number | null = null, last: number | null = null;
    for (const f of future) {
      const table = f.locationId === null ? 'checks' : 'location_checks';
      const where = f.locationId === null ? 'monitor_id = ?' : 'location_id = ? AND monitor_id = ?';
      const keys = f.locationId === null ? [f.monitorId] : [f.locationId, f.monitorId];
      const s = c.prepare(`SELECT count(*) AS n, min(at) AS first, max(at) AS last FROM ${table} WHERE ${where} AND at >= ?`).get(...keys, f.from) as { n: number; first: number; last: number };
      count += s.n;
      first = Math.min(first ?? s.first, s.first);
      last = Math.max(last ?? s.last, s.last);
    }
    const offsetMs = seenOffsetMs ?? (last !== null ? now - last : 0);
    const id = Number(c.prepare('INSERT INTO clock_steps (seen_at, offset_ms, seen_by, set_aside, first_stamp_at, last_stamp_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(now, offsetMs, seenOffsetMs === null ? 'start' : 'running', count, first, last).lastInsertRowid);
    const local = new CheckSeries(db, 'local');
    const located = new CheckSeries(db, 'located');
    for (const f of future) {
      if (f.locationId === null) {
        local.rewrite(f, f.from, () => {
          c.prepare(`INSERT INTO quarantined_checks (step_id, location_id, monitor_id, at, status, latency_ms, error)
            SELECT ?, NULL, monitor_id, at, status, latency_ms, error FROM checks WHERE monitor_id = ? AND at >= ?`).run(id, f.monitorId, f.from);
          c.prepare('DELETE FROM checks WHERE monitor_id = ? AND at >= ?').run(f.monitorId, f.from);
        });
        forgetRollups(db, f.monitorId, f.from);
      } else {
        located.rewrite(f, f.from, () => {
          c.prepare(`INSERT INTO quarantined_checks (step_id, location_id, monitor_id, at, status, latency_ms, error)
            SELECT ?, location_id, monitor_id, at, status, latency_ms, error FROM location_checks WHERE location_id = ? AND monitor_id = ? AND at >= ?`)
            .run(id, f.locationId, f.monitorId, f.from);
          c.prepare('DELETE FROM location_checks WHERE location_id = ? AND monitor_id = ? AND at >= ?').run(f.locationId, f.monitorId, f.from);
        });
      }
    }
    const redated = redateFuture(db, now);
    const step = c.prepare(`SELECT ${STEP_COLUMNS} FROM clock_steps WHERE id = ?`).get(id) as ClockStep;
    recordAudit(db, systemActor('probe'), 'clock_step.set_aside', 'clock_step', id, null,
      { offsetMs, seenBy: step.seenBy, setAside: count, firstStampAt: first, lastStampAt: last, redated }, now);
    log.warn('probe.clock_step', {
      offset_s: Math.round(offsetMs / 1000), set_aside: count,
      message: `the system clock ${offsetMs < 0 ? 'was set back' : 'stepped ahead'} ${Math.abs(Math.round(offsetMs / 1000))} s; checks are stamped with the new time${count > 0 ? `; ${count} checks stamped later than now were set aside and the time they claimed is unmonitored` : ''}${offsetMs > 0 ? '; the time skipped is unmonitored' : ''}`,
    });
    return step;
  }).immediate();
}

/**
 * Alarms, draft incidents and alarm mail that set-aside checks dated in the future are dated
 * now, so no timer runs from a time that has not come and none ends before it began.
 * Returns how many times were moved.
 */
function redateFuture(db: Db, now: number): number {
  const c = db.$client;
  const limit = now + FUTURE_TOLERANCE_MS;
  let moved = 0;
  for (const column of ['started_at', 'detected_at', 'recovered_at', 'recovery_detected_at']) {
    moved += c.prepare(`UPDATE alarms SET ${column} = ? WHERE ${column} > ?`).run(now, limit).changes;
  }
  for (const column of ['started_at', 'detected_at']) {
    moved += c.prepare(`UPDATE incidents SET ${column} = ? WHERE draft = 1 AND ${column} > ?`).run(now, limit).changes;
  }
  // The incident timers read when the alarm mail was queued and sent.
  for (const column of ['queued_at', 'sent_at']) {
    moved += c.prepare(`UPDATE alarm_notifications SET ${column} = ? WHERE ${column} > ?`).run(now, limit).changes;
  }
  for (const column of ['created_at', 'sent_at']) {
    moved += c.prepare(`UPDATE mail_outbox SET ${column} = ? WHERE ${column} > ?`).run(now, limit).changes;
  }
  return moved;
}

/**
 * The rollups of the hours and days the set-aside checks fell in are dropped, and the hours
 * still holding checks are rolled again (the rollup job), so charts and bars lose them too.
 */
function forgetRollups(db: Db, monitorId: number, from: number): void {
  const c = db.$client;
  const hour = from - (from % HOUR_MS);
  c.prepare('DELETE FROM check_rollups_hourly WHERE monitor_id = ? AND start >= ?').run(monitorId, hour);
  // A day in any zone is at most 25 hours: every day that could hold `from` goes, and is rolled again from its hours.
  const dayFloor = from - 26 * HOUR_MS;
  c.prepare('DELETE FROM check_rollups_daily WHERE monitor_id = ? AND start > ?').run(monitorId, dayFloor);
  c.prepare(`INSERT INTO rollup_pending (monitor_id, hour, hourly_done)
      SELECT monitor_id, at - (at % ${HOUR_MS}), 0 FROM checks WHERE monitor_id = ? AND at > ? GROUP BY 2 ORDER BY NULL
      ON CONFLICT DO UPDATE SET hourly_done = 0`).run(monitorId, dayFloor);
}

/** Clock steps no admin has reviewed yet, newest first: an operator warning each. */
export function openClockSteps(db: Db): ClockStep[] {
  return db.$client.prepare(`SELECT ${STEP_COLUMNS} FROM clock_steps WHERE reviewed_at IS NULL ORDER BY id DESC`).all() as ClockStep[];
}

/** What a step set aside, by monitor and location, for the admins' review. */
export function setAsideOf(db: Db, stepId: number): Array<{ monitorSlug: string; location: string | null; count: number; firstAt: number; lastAt: number; down: number }> {
  return db.$client.prepare(`SELECT m.slug AS monitorSlug, l.label_ja AS location, count(*) AS count, min(q.at) AS firstAt, max(q.at) AS lastAt, sum(q.status = 2) AS down
      FROM quarantined_checks q JOIN monitors m ON m.id = q.monitor_id LEFT JOIN probe_locations l ON l.id = q.location_id
      WHERE q.step_id = ? GROUP BY q.monitor_id, q.location_id ORDER BY m.slug, l.slug`).all(stepId) as Array<{ monitorSlug: string; location: string | null; count: number; firstAt: number; lastAt: number; down: number }>;
}

/** An admin has looked at a clock step and what it set aside: it is no longer a warning. Audited. */
export function reviewClockStep(db: Db, actor: Actor, id: number, now = Date.now()): void {
  const c = db.$client;
  c.transaction(() => {
    const step = c.prepare(`SELECT ${STEP_COLUMNS} FROM clock_steps WHERE id = ?`).get(id) as ClockStep | undefined;
    if (!step) throw new AppError('NOT_FOUND', `clock step ${id} does not exist`);
    if (step.reviewedAt !== null) return;
    c.prepare('UPDATE clock_steps SET reviewed_at = ?, reviewed_by = ? WHERE id = ?').run(now, actor.id, id);
    recordAudit(db, actor, 'clock_step.review', 'clock_step', id, { reviewedAt: null }, { reviewedAt: now, setAside: step.setAside, offsetMs: step.offsetMs }, now);
  }).immediate();
}
