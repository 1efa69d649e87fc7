import type { Db } from '../db';
import type { Statement } from 'better-sqlite3';
import { latencySeries } from '../checks/rollups';

/**
 * Response times for the public chart, by hour. Reading 30 days of raw checks for every
 * rebuild of the page would be slow, so closed hours are kept in memory once computed, and
 * taken from the probe's hourly rollups (check_rollups_hourly) where those exist. Only the
 * current hour is read from the raw checks each time.
 */
const HOUR = 3_600_000;
/** Closed hours are recomputed from scratch after this long (an import may rewrite history). */
const MEMO_TTL_MS = 30 * 60_000;

interface Bucket { sum: number; count: number }
interface Memo { from: number; to: number; hours: Map<number, Bucket>; builtAt: number }
const memo = new Map<number, Memo>();

function readRollups(db: Db, monitorId: number, from: number, to: number): Map<number, Bucket> {
  const out = new Map<number, Bucket>();
  for (const r of latencySeries(db, monitorId, { start: from, end: to }, 'hour')) {
    if (r.latAvg !== null && r.latCount > 0) out.set(r.start, { sum: r.latAvg * r.latCount, count: r.latCount });
  }
  return out;
}

const rawStatements = new WeakMap<Db, Statement>();

function readRaw(db: Db, monitorId: number, from: number, to: number, into: Map<number, Bucket>): void {
  if (to <= from) return;
  let st = rawStatements.get(db);
  if (!st) {
    st = db.$client.prepare(`SELECT (at / ${HOUR}) * ${HOUR} AS hour, sum(latency_ms) AS sum, count(latency_ms) AS count FROM checks
      WHERE monitor_id = ? AND at >= ? AND at < ? AND status != 2 AND latency_ms IS NOT NULL GROUP BY hour`);
    rawStatements.set(db, st);
  }
  const rows = st.all(monitorId, from, to) as { hour: number; sum: number; count: number }[];
  for (const r of rows) into.set(r.hour, { sum: r.sum, count: r.count });
}

/** The current hour of a monitor, read once per `now` however many series ask for it. */
let live: { db: Db; now: number; byMonitor: Map<number, Map<number, Bucket>> } | null = null;

function liveHour(db: Db, monitorId: number, currentHour: number, now: number): Map<number, Bucket> {
  if (!live || live.db !== db || live.now !== now) live = { db, now, byMonitor: new Map() };
  let m = live.byMonitor.get(monitorId);
  if (!m) {
    m = new Map();
    readRaw(db, monitorId, currentHour, now + 1, m);
    live.byMonitor.set(monitorId, m);
  }
  return m;
}

function closedHours(db: Db, monitorId: number, from: number, to: number, now: number): Map<number, Bucket> {
  let m = memo.get(monitorId);
  if (!m || now - m.builtAt > MEMO_TTL_MS || from < m.from) {
    const hours = readRollups(db, monitorId, from, to);
    const lastRolled = hours.size > 0 ? Math.max(...hours.keys()) + HOUR : from;
    readRaw(db, monitorId, lastRolled, to, hours);
    m = { from, to, hours, builtAt: now };
    memo.set(monitorId, m);
  } else if (to > m.to) {
    readRaw(db, monitorId, m.to, to, m.hours);
    m.to = to;
  }
  return m.hours;
}

export function clearLatencyMemo(): void {
  memo.clear();
  live = null;
}

export interface LatencyPoint {
  /** Start of the bucket, epoch ms. */
  t: number;
  /** Mean response time in ms, or null when nothing answered in the bucket. */
  ms: number | null;
}

/**
 * A service's mean response time over [now − hours, now] in buckets of `bucketHours`,
 * across its monitors (weighted by their number of answers).
 */
export function serviceLatency(db: Db, monitorIds: readonly number[], now: number, hours: number, bucketHours: number): LatencyPoint[] {
  const currentHour = Math.floor(now / HOUR) * HOUR;
  const bucketMs = bucketHours * HOUR;
  const from = Math.floor((currentHour - (hours - 1) * HOUR) / bucketMs) * bucketMs;
  const merged = new Map<number, Bucket>();
  const add = (hour: number, b: Bucket) => {
    const key = Math.floor(hour / bucketMs) * bucketMs;
    const m = merged.get(key);
    if (m) { m.sum += b.sum; m.count += b.count; } else merged.set(key, { ...b });
  };
  for (const id of monitorIds) {
    const closed = closedHours(db, id, Math.min(from, currentHour - 31 * 24 * HOUR), currentHour, now);
    for (const [hour, b] of closed) if (hour >= from && hour < currentHour) add(hour, b);
    for (const [hour, b] of liveHour(db, id, currentHour, now)) add(hour, b);
  }
  const points: LatencyPoint[] = [];
  for (let t = from; t <= currentHour; t += bucketMs) {
    const b = merged.get(t);
    points.push({ t, ms: b && b.count > 0 ? Math.round(b.sum / b.count) : null });
  }
  return points;
}

/** Mean response time over the last `hours`, for the text shown without JavaScript. */
export function meanOf(points: readonly LatencyPoint[]): number | null {
  const values = points.map((p) => p.ms).filter((v): v is number => v !== null);
  return values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length);
}
