import { statement, type Db } from '../db';
import { changesSince } from '../checks/changes';

/**
 * Response times for the public chart: a service's mean by hour, across its monitors
 * (weighted by their number of answers). Each service's hours are kept in memory, summed
 * over its monitors (so the memory does not grow with them):
 * - hours that have settled (ended SETTLE_MS ago: every check stamped in them is written)
 *   are read once, from the probe's hourly rollups where those exist, else from the raw
 *   checks, and kept until a change listed in `series_changes` touches one of them (a late
 *   check, an import) or the service's monitors change;
 * - the hours after are read again from the raw checks at most every LIVE_EVERY_MS, one
 *   service at a time, so the current hour follows the checks within a minute and a rebuild
 *   at 10,000 monitors never reads them all at once.
 */
const HOUR = 3_600_000;
const SETTLE_MS = 5 * 60_000;
const LIVE_EVERY_MS = 60_000;
/** The longest chart (30 days) and the hour it starts in. */
const KEPT_HOURS = 31 * 24;
/** Monitors whose current hours one rebuild reads, beyond the first service due (the rest wait for the next). */
const LIVE_BUDGET = 1_000;

interface Bucket { sum: number; count: number }

interface ServiceHours {
  /** The monitors it was read for. */
  ids: string;
  /** Settled hours, summed over the monitors, from `from` up to `to`. */
  from: number;
  to: number;
  settled: Map<number, Bucket>;
  /** Hours from `to` on, as read at `liveAt`. */
  live: Map<number, Bucket>;
  liveAt: number;
}

interface Keep {
  seq: number;
  services: Map<string, ServiceHours>;
  /** Monitor ids → the services whose settled hours hold them. */
  holders: Map<number, Set<string>>;
  /** The now of the last call, and how many monitors' current hours were read at it. */
  readNow: number;
  liveRead: number;
}

let keeps = new WeakMap<Db, Keep>();

export function clearLatencyMemo(): void {
  keeps = new WeakMap();
}

const IDS = 'SELECT value FROM json_each(?)';

function readRaw(db: Db, ids: string, from: number, to: number, into: Map<number, Bucket>): void {
  if (to <= from) return;
  const rows = statement(db, `SELECT (at / ${HOUR}) * ${HOUR} AS hour, sum(latency_ms) AS sum, count(latency_ms) AS count FROM checks
    WHERE monitor_id IN (${IDS}) AND at >= ? AND at < ? AND status != 2 AND latency_ms IS NOT NULL GROUP BY hour`).all(ids, from, to) as Array<Bucket & { hour: number }>;
  for (const r of rows) {
    const b = into.get(r.hour);
    if (b) { b.sum += r.sum; b.count += r.count; } else into.set(r.hour, { sum: r.sum, count: r.count });
  }
}

/** The settled hours from `from` to `to`: the rollups, then the raw checks after the last rolled-up hour of each monitor. */
function readSettled(db: Db, ids: string, from: number, to: number): Map<number, Bucket> {
  const out = new Map<number, Bucket>();
  const rows = statement(db, `SELECT start AS hour, sum(lat_avg * lat_count) AS sum, sum(lat_count) AS count FROM check_rollups_hourly
    WHERE monitor_id IN (${IDS}) AND start >= ? AND start < ? AND lat_avg IS NOT NULL AND lat_count > 0 GROUP BY start`).all(ids, from, to) as Array<Bucket & { hour: number }>;
  for (const r of rows) out.set(r.hour, { sum: r.sum, count: r.count });
  // Hours a monitor has no rollup for yet (the rollups run behind the checks).
  const unrolled = statement(db, `SELECT j.value AS id, coalesce((SELECT max(start) + ${HOUR} FROM check_rollups_hourly WHERE monitor_id = j.value AND start >= ? AND start < ?), ?) AS after
    FROM json_each(?) j`).all(from, to, from, ids) as Array<{ id: number; after: number }>;
  const byStart = new Map<number, number[]>();
  for (const u of unrolled) {
    if (u.after >= to) continue;
    const list = byStart.get(u.after);
    if (list) list.push(u.id);
    else byStart.set(u.after, [u.id]);
  }
  for (const [after, list] of byStart) readRaw(db, JSON.stringify(list), after, to, out);
  return out;
}

function keepOf(db: Db, now: number): Keep {
  let keep = keeps.get(db);
  if (keep && keep.readNow === now) return keep;
  const { seq, changes } = changesSince(db, keep?.seq ?? 0);
  if (!keep || changes === null) {
    keep = { seq, services: new Map(), holders: new Map(), readNow: now, liveRead: 0 };
    keeps.set(db, keep);
    return keep;
  }
  // A change before a service's settled hours end: those hours are read again. (A control
  // check, listed for every monitor, says nothing of response times.)
  for (const c of changes) {
    if (c.monitorId === null) continue;
    for (const key of keep.holders.get(c.monitorId) ?? []) {
      const s = keep.services.get(key);
      if (s && c.at < s.to) keep.services.delete(key);
    }
  }
  keep.seq = seq;
  keep.readNow = now;
  keep.liveRead = 0;
  return keep;
}

/** The service's hourly buckets (settled and current) up to `now`. */
function hoursOf(db: Db, key: string, monitorIds: readonly number[], now: number): { settled: Map<number, Bucket>; live: Map<number, Bucket> } {
  const keep = keepOf(db, now);
  const ids = JSON.stringify(monitorIds);
  const settledTo = Math.floor((now - SETTLE_MS) / HOUR) * HOUR;
  let s = keep.services.get(key);
  if (!s || s.ids !== ids || settledTo - s.to > 24 * HOUR) {
    const from = settledTo - KEPT_HOURS * HOUR;
    s = { ids, from, to: settledTo, settled: readSettled(db, ids, from, settledTo), live: new Map(), liveAt: -Infinity };
    keep.services.set(key, s);
    for (const id of monitorIds) {
      let set = keep.holders.get(id);
      if (!set) keep.holders.set(id, (set = new Set()));
      set.add(key);
    }
  }
  // Current hours: at most every LIVE_EVERY_MS, and within a budget of monitors a rebuild (a new service reads at once).
  const due = now - s.liveAt >= LIVE_EVERY_MS || now < s.liveAt;
  if (due && (s.liveAt === -Infinity || keep.liveRead === 0 || keep.liveRead + monitorIds.length <= LIVE_BUDGET)) {
    if (settledTo > s.to) {
      // Hours that settled since: read once more from the raw checks and kept.
      readRaw(db, ids, s.to, settledTo, s.settled);
      s.to = settledTo;
      const from = settledTo - KEPT_HOURS * HOUR;
      for (const hour of s.settled.keys()) if (hour < from) s.settled.delete(hour);
      s.from = from;
    }
    const live = new Map<number, Bucket>();
    readRaw(db, ids, s.to, now + 1, live);
    s.live = live;
    s.liveAt = now;
    keep.liveRead += monitorIds.length;
  }
  return { settled: s.settled, live: s.live };
}

export interface LatencyPoint {
  /** Start of the bucket, epoch ms. */
  t: number;
  /** Mean response time in ms, or null when nothing answered in the bucket. */
  ms: number | null;
}

/**
 * A service's mean response time over [now − hours, now] in buckets of `bucketHours`, across
 * its monitors (weighted by their number of answers). `key` names the service's hours in memory.
 */
export function serviceLatency(db: Db, key: string, monitorIds: readonly number[], now: number, hours: number, bucketHours: number): LatencyPoint[] {
  const { settled, live } = hoursOf(db, key, monitorIds, now);
  const currentHour = Math.floor(now / HOUR) * HOUR;
  const bucketMs = bucketHours * HOUR;
  const from = Math.floor((currentHour - (hours - 1) * HOUR) / bucketMs) * bucketMs;
  const merged = new Map<number, Bucket>();
  const add = (hour: number, b: Bucket) => {
    if (hour < from || hour > currentHour) return;
    const k = Math.floor(hour / bucketMs) * bucketMs;
    const m = merged.get(k);
    if (m) { m.sum += b.sum; m.count += b.count; } else merged.set(k, { ...b });
  };
  for (const [hour, b] of settled) add(hour, b);
  for (const [hour, b] of live) add(hour, b);
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
