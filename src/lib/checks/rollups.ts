import { DateTime } from 'luxon';
import { statement, type Db } from '../db';
import { HOUR_MS } from './store';
import { STATUS_CODE } from './status';

/** One bucket of a monitor's checks: counts by status and latency figures (ms). */
export interface RollupRow {
  /** Bucket start, epoch ms UTC (a JST hour, or 00:00 of a day in the zone). */
  start: number;
  /** `YYYY-MM-DD` in the zone, for daily buckets. */
  day?: string;
  up: number;
  degraded: number;
  down: number;
  latCount: number;
  latAvg: number | null;
  latP50: number | null;
  latP95: number | null;
  latMax: number | null;
}

export type Bucket = 'hour' | 'day';

/** A day in the zone is re-rolled at most this often while it is still running. */
export const CURRENT_DAY_EVERY_MS = 10 * 60_000;

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** Rolls up a monitor's raw checks in [from, to); null when there are none. */
export function rollupRange(db: Db, monitorId: number, from: number, to: number): Omit<RollupRow, 'start'> | null {
  const rows = statement(db, 'SELECT status, latency_ms FROM checks WHERE monitor_id = ? AND at >= ? AND at < ?').raw().all(monitorId, from, to) as Array<[number, number | null]>;
  if (rows.length === 0) return null;
  let up = 0, degraded = 0, down = 0, sum = 0, max = -Infinity;
  const lat: number[] = [];
  for (const [status, latency] of rows) {
    if (status === STATUS_CODE.up) up++;
    else if (status === STATUS_CODE.degraded) degraded++;
    else down++;
    if (latency !== null) {
      lat.push(latency);
      sum += latency;
      if (latency > max) max = latency;
    }
  }
  lat.sort((a, b) => a - b);
  return {
    up, degraded, down, latCount: lat.length,
    latAvg: lat.length ? Math.round((sum / lat.length) * 10) / 10 : null,
    latP50: percentile(lat, 0.5), latP95: percentile(lat, 0.95), latMax: lat.length ? max : null,
  };
}

type ZoneDay = { start: number; end: number; label: string };

/** The days in the zone an hour [hour, hour + 1 h) touches (one, or two in a zone with a half-hour offset). */
function daysOfHour(hour: number, zone: string): ZoneDay[] {
  const out = new Map<number, { start: number; end: number; label: string }>();
  for (const at of [hour, hour + HOUR_MS - 1]) {
    const d = DateTime.fromMillis(at, { zone }).startOf('day');
    out.set(d.toMillis(), { start: d.toMillis(), end: d.plus({ days: 1 }).toMillis(), label: d.toFormat('yyyy-LL-dd') });
  }
  return [...out.values()];
}

/**
 * Brings the rollups up to date with the hours that got checks since the last run: each
 * pending hour is re-rolled from the raw checks, then each day it belongs to (a day still
 * running at most every CURRENT_DAY_EVERY_MS). A pending hour is cleared only once its day
 * is rolled, so nothing is lost if the process stops midway. Raw checks must outlive this:
 * the nightly retention leaves hours still pending alone (see `oldestPendingHour`).
 */
export function processRollups(db: Db, zone: string, now: number, limit = 20_000): { hours: number; days: number } {
  const steps = rollupSteps(db, zone, now, limit);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * processRollups for the worker: the same steps, with the event loop free between two
 * transactions, so rolling up thousands of monitors' hours never holds back a check's start.
 */
export async function processRollupsInTurns(db: Db, zone: string, now: number, limit = 20_000): Promise<{ hours: number; days: number }> {
  const steps = rollupSteps(db, zone, now, limit);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((r) => setImmediate(r));
  }
}

/** processRollups' work, one transaction a step. */
function* rollupSteps(db: Db, zone: string, now: number, limit: number): Generator<void, { hours: number; days: number }> {
  const c = db.$client;
  const upsertHourly = c.prepare(`INSERT INTO check_rollups_hourly (monitor_id, start, up, degraded, down, lat_count, lat_avg, lat_p_50, lat_p_95, lat_max, computed_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET up = excluded.up, degraded = excluded.degraded, down = excluded.down,
    lat_count = excluded.lat_count, lat_avg = excluded.lat_avg, lat_p_50 = excluded.lat_p_50, lat_p_95 = excluded.lat_p_95, lat_max = excluded.lat_max, computed_at = excluded.computed_at`);
  const upsertDaily = c.prepare(`INSERT INTO check_rollups_daily (monitor_id, start, day, up, degraded, down, lat_count, lat_avg, lat_p_50, lat_p_95, lat_max, computed_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET up = excluded.up, degraded = excluded.degraded, down = excluded.down,
    lat_count = excluded.lat_count, lat_avg = excluded.lat_avg, lat_p_50 = excluded.lat_p_50, lat_p_95 = excluded.lat_p_95, lat_max = excluded.lat_max, computed_at = excluded.computed_at`);
  const markHourDone = c.prepare('UPDATE rollup_pending SET hourly_done = 1 WHERE monitor_id = ? AND hour = ?');
  const dailyComputed = c.prepare('SELECT computed_at AS at FROM check_rollups_daily WHERE monitor_id = ? AND start = ?');
  const clearDay = c.prepare('DELETE FROM rollup_pending WHERE monitor_id = ? AND hour >= ? AND hour < ? AND hourly_done = 1');

  let hours = 0;
  const pendingHours = c.prepare('SELECT monitor_id AS monitorId, hour FROM rollup_pending WHERE hourly_done = 0 ORDER BY hour LIMIT ?').all(limit) as Array<{ monitorId: number; hour: number }>;
  // A few hundred hours a transaction: the probe's writes never wait long.
  for (let i = 0; i < pendingHours.length; i += 200) {
    c.transaction(() => {
      for (const { monitorId, hour } of pendingHours.slice(i, i + 200)) {
        const r = rollupRange(db, monitorId, hour, hour + HOUR_MS);
        // No raw checks left (retention ran first): keep the rollup that exists.
        if (r) upsertHourly.run(monitorId, hour, r.up, r.degraded, r.down, r.latCount, r.latAvg, r.latP50, r.latP95, r.latMax, now);
        markHourDone.run(monitorId, hour);
        hours++;
      }
    }).immediate();
    yield;
  }

  let days = 0;
  const doneHours = c.prepare('SELECT monitor_id AS monitorId, hour FROM rollup_pending WHERE hourly_done = 1 ORDER BY monitor_id, hour').all() as Array<{ monitorId: number; hour: number }>;
  const dayKeys = new Map<string, { monitorId: number; start: number; end: number; label: string }>();
  // Every monitor's pending hours are mostly the same few hours: each is placed in its days once.
  const daysOf = new Map<number, ZoneDay[]>();
  for (const { monitorId, hour } of doneHours) {
    let ofHour = daysOf.get(hour);
    if (!ofHour) daysOf.set(hour, (ofHour = daysOfHour(hour, zone)));
    for (const d of ofHour) dayKeys.set(`${monitorId}:${d.start}`, { monitorId, ...d });
  }
  const list = [...dayKeys.values()];
  for (let i = 0; i < list.length; i += 50) {
    c.transaction(() => {
      for (const d of list.slice(i, i + 50)) {
        const running = d.end > now;
        if (running) {
          const prev = dailyComputed.get(d.monitorId, d.start) as { at: number } | undefined;
          if (prev && now - prev.at < CURRENT_DAY_EVERY_MS) continue;
        }
        const r = rollupRange(db, d.monitorId, d.start, d.end);
        if (r) upsertDaily.run(d.monitorId, d.start, d.label, r.up, r.degraded, r.down, r.latCount, r.latAvg, r.latP50, r.latP95, r.latMax, now);
        days++;
        if (running) continue; // still running: keep its hours pending so the day is rolled again when it ends
        // An hour straddling the day's start (a half-hour zone) is cleared with the day before.
        clearDay.run(d.monitorId, d.start, d.end);
      }
    }).immediate();
    yield;
  }
  return { hours, days };
}

/** The oldest hour whose rollups are not yet complete, or null: raw checks from it on must be kept. */
export function oldestPendingHour(db: Db): number | null {
  const row = db.$client.prepare('SELECT MIN(hour) AS h FROM rollup_pending').get() as { h: number | null };
  return row.h;
}

/**
 * A monitor's checks by hour or by day (in the zone the rollups were made in) over
 * [range.start, range.end): counts by status and latency p50/p95/avg/max. For the public
 * charts, the 90-day bar and the monthly report. Buckets without checks are left out.
 */
export function latencySeries(db: Db, monitorId: number, range: { start: number; end: number }, bucket: Bucket): RollupRow[] {
  const table = bucket === 'hour' ? 'check_rollups_hourly' : 'check_rollups_daily';
  const day = bucket === 'day' ? ', day' : '';
  return db.$client.prepare(`SELECT start${day}, up, degraded, down, lat_count AS latCount, lat_avg AS latAvg, lat_p_50 AS latP50, lat_p_95 AS latP95, lat_max AS latMax
    FROM ${table} WHERE monitor_id = ? AND start >= ? AND start < ? ORDER BY start`).all(monitorId, range.start, range.end) as RollupRow[];
}
