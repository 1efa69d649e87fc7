import { statement, type Db } from '../db';
import { type Interval, clip, union } from '../intervals';
import { monitorOutages, monitorUnmonitored, type CheckRun } from './availability';
import { quorumOutages, controlFailures, type QuorumOutage } from './quorum';
import { locationEras, settingsOverTime, LOCAL, type EraLocation, type MonitorSettingsOverTime } from '../monitors/history';

/**
 * Loads what the several-locations rule needs for one monitor. A monitor checked from the
 * local probe alone all its life goes the single-location way (./figures.ts); this is for a
 * monitor assigned to agents at some time, judged by the locations assigned at each instant.
 */
export { LOCAL };

/** Statements compiled once per connection: a page asks this for every monitor. */
const prepared = statement;

export interface MonitorLocation {
  id: number;
  slug: string;
  labelJa: string;
  labelEn: string | null;
}

/** Downtime of a located monitor; `located` when some location besides the local probe judged it. */
export interface LocatedOutage extends QuorumOutage {
  located: boolean;
}

export interface LocatedFigures {
  down: LocatedOutage[];
  unmonitored: Interval[];
  reducedQuorum: Interval[];
}

/** The locations a monitor is checked from (empty: the local probe alone, the default). */
export function monitorLocationList(db: Db, monitorId: number): MonitorLocation[] {
  return prepared(db, `SELECT l.id, l.slug, l.label_ja AS labelJa, l.label_en AS labelEn FROM monitor_locations x
    JOIN probe_locations l ON l.id = x.location_id WHERE x.monitor_id = ? ORDER BY l.slug`).all(monitorId) as MonitorLocation[];
}

/** Whether the monitor needs the several-locations rule: assigned to anything but `local` alone. */
export function isLocated(locations: readonly { slug: string }[]): boolean {
  return locations.length > 1 || (locations.length === 1 && locations[0]!.slug !== LOCAL);
}

/**
 * A condition on agents' runs (or checks, or gaps) of one monitor at every location: with it,
 * SQLite uses their key, which leads with the location, instead of reading every location's rows.
 */
export const AT_ANY_LOCATION = 'location_id IN (SELECT id FROM probe_locations)';

const RUNS = 'first_at AS firstAt, last_at AS lastAt, status, count';

function locationRuns(db: Db, location: EraLocation, monitorId: number, range: Interval): CheckRun[] {
  const [table, where, args] = location.slug === LOCAL
    ? ['check_runs', 'monitor_id = ?', [monitorId]]
    : ['location_check_runs', 'location_id = ? AND monitor_id = ?', [location.id, monitorId]];
  const before = prepared(db, `SELECT ${RUNS} FROM ${table} WHERE ${where} AND first_at < ? ORDER BY first_at DESC LIMIT 1`).get(...args, range.start) as CheckRun | undefined;
  const inside = prepared(db, `SELECT ${RUNS} FROM ${table} WHERE ${where} AND first_at >= ? AND first_at < ? ORDER BY first_at`).all(...args, range.start, range.end) as CheckRun[];
  const after = prepared(db, `SELECT ${RUNS} FROM ${table} WHERE ${where} AND first_at >= ? ORDER BY first_at LIMIT 1`).get(...args, range.end) as CheckRun | undefined;
  return [...(before ? [before] : []), ...inside, ...(after ? [after] : [])];
}

function locationUnmonitored(db: Db, location: EraLocation, monitorId: number, intervalMs: (at: number) => number, range: Interval, now: number): Interval[] {
  const local = location.slug === LOCAL;
  const [gapTable, runTable, where, args] = local
    ? ['check_gaps', 'check_runs', 'monitor_id = ?', [monitorId]]
    : ['location_check_gaps', 'location_check_runs', 'location_id = ? AND monitor_id = ?', [location.id, monitorId]];
  const gaps = prepared(db, `SELECT start, "end" FROM ${gapTable} WHERE ${where} AND start < ? AND "end" > ?`).all(...args, range.end, range.start) as Interval[];
  const span = prepared(db, `SELECT min(first_at) AS first, max(last_at) AS last FROM ${runTable} WHERE ${where}`).get(...args) as { first: number | null; last: number | null };
  return monitorUnmonitored(gaps, span.first, span.last, intervalMs, now);
}

function locationControlFailures(db: Db, location: EraLocation, range: Interval, now: number): Interval[] {
  if (location.slug === LOCAL) return [];
  // The same for every monitor the location checks: read once per computation.
  const memo = memoAt(db, now);
  const key = `${location.id}:${range.start}:${range.end}`;
  let failures = memo.controls.get(key);
  if (!failures) memo.controls.set(key, (failures = readControlFailures(db, location, range, now)));
  return failures;
}

function readControlFailures(db: Db, location: EraLocation, range: Interval, now: number): Interval[] {
  const before = prepared(db, 'SELECT at, ok FROM location_controls WHERE location_id = ? AND at < ? ORDER BY at DESC LIMIT 1').get(location.id, range.start) as { at: number; ok: number } | undefined;
  const inside = prepared(db, 'SELECT at, ok FROM location_controls WHERE location_id = ? AND at >= ? AND at < ? ORDER BY at').all(location.id, range.start, range.end) as { at: number; ok: number }[];
  const after = prepared(db, 'SELECT at, ok FROM location_controls WHERE location_id = ? AND at >= ? AND ok = 1 ORDER BY at LIMIT 1').get(location.id, range.end) as { at: number; ok: number } | undefined;
  return controlFailures([...(before ? [before] : []), ...inside, ...(after ? [after] : [])].map((s) => ({ at: s.at, ok: s.ok === 1 })), now);
}

/**
 * A located monitor's downtime, unmonitored and reduced-quorum time over `range`, or null
 * for a monitor checked from the local probe alone. One location (an agent alone) follows
 * the single-location rule exactly.
 */
export function loadLocatedFigures(db: Db, monitor: { id: number; settings?: MonitorSettingsOverTime }, range: Interval, now: number): LocatedFigures | null {
  // One computation (a page, a month's figures) asks for the same monitor several times at one
  // `now`; its settings are part of the key, so a change at the same instant is seen.
  const settings = monitor.settings ?? settingsOverTime(db, monitor.id);
  const key = `${monitor.id}:${range.start}:${range.end}:${JSON.stringify(settings.spans)}`;
  const memo = memoAt(db, now);
  if (memo.figures.has(key)) return memo.figures.get(key)!;
  const figures = computeLocatedFigures(db, monitor.id, settings, range, now);
  if (memo.figures.size < 100_000) memo.figures.set(key, figures);
  return figures;
}

interface Memo { now: number; figures: Map<string, LocatedFigures | null>; controls: Map<string, Interval[]> }
const memos = new WeakMap<Db, Memo>();

function memoAt(db: Db, now: number): Memo {
  let memo = memos.get(db);
  if (!memo || memo.now !== now) memos.set(db, (memo = { now, figures: new Map(), controls: new Map() }));
  return memo;
}

function computeLocatedFigures(db: Db, monitorId: number, settings: MonitorSettingsOverTime, range: Interval, now: number): LocatedFigures | null {
  const eras = locationEras(db, monitorId);
  if (!eras.some((e) => isLocated(e.locations))) return null;
  // What each location says, read once however many stretches it was assigned in.
  const byId = new Map<number, EraLocation>();
  for (const e of eras) for (const l of e.locations) byId.set(l.id, l);
  const views = new Map([...byId.values()].map((l) => [l.id, {
    location: l.slug,
    outages: monitorOutages(locationRuns(db, l, monitorId, range), settings.confirm, now),
    gaps: locationUnmonitored(db, l, monitorId, settings.intervalMs, range, now),
    controls: locationControlFailures(db, l, range, now),
  }]));
  // Before the range's start the figures are not asked for; outages crossing it keep their true start.
  const earliest = Math.min(range.start, ...[...views.values()].flatMap((v) => v.outages.map((o) => o.start)));
  const span = { start: Math.max(0, earliest), end: Math.max(range.end, now) };
  const down: LocatedOutage[] = [];
  const unmonitored: Interval[] = [];
  const reducedQuorum: Interval[] = [];
  // Each stretch is judged by the locations assigned then, with the quorum set then.
  for (const era of eras) {
    const part = { start: Math.max(span.start, era.start), end: Math.min(span.end, era.end) };
    if (part.end <= part.start) continue;
    const here = era.locations.map((l) => views.get(l.id)!);
    if (here.length === 1) {
      // One location (the local probe or an agent alone) follows the single-location rule exactly.
      const only = here[0]!;
      down.push(...clip(only.outages, part).map((d) => ({ ...d, locations: [only.location], located: only.location !== LOCAL })));
      unmonitored.push(...clip(only.gaps, part));
      continue;
    }
    const figures = quorumOutages(here.map((v) => ({ location: v.location, outages: v.outages, silent: [...v.gaps, ...v.controls] })), era.quorum, part);
    down.push(...figures.down.map((d) => ({ ...d, located: true })));
    unmonitored.push(...figures.unmonitored);
    reducedQuorum.push(...figures.reducedQuorum);
  }
  return { down: joinOutages(down), unmonitored: union(unmonitored), reducedQuorum: union(reducedQuorum) };
}

/** Pieces of downtime from adjacent stretches as one outage each, naming every location that saw it. */
function joinOutages(pieces: LocatedOutage[]): LocatedOutage[] {
  const out: LocatedOutage[] = [];
  for (const p of [...pieces].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && p.start <= last.end) {
      last.end = Math.max(last.end, p.end);
      last.locations = [...new Set([...last.locations, ...p.locations])].sort();
      last.located ||= p.located;
    } else out.push({ ...p, locations: [...p.locations] });
  }
  return out;
}

export interface LocationLatest {
  slug: string;
  at: number | null;
  status: 'up' | 'degraded' | 'down' | null;
  error: string | null;
  /** Checks in the latest run when it is down (a confirmed failure once it reaches `confirm`). */
  downRun: number;
}

/** Each location's latest check of a monitor, for admins (one location's failures are never public). */
export function latestByLocation(db: Db, monitorId: number): LocationLatest[] {
  let locations = monitorLocationList(db, monitorId);
  if (locations.length === 0) locations = prepared(db, "SELECT id, slug, label_ja AS labelJa, label_en AS labelEn FROM probe_locations WHERE slug = 'local'").all() as MonitorLocation[];
  const names = ['up', 'degraded', 'down'] as const;
  return locations.map((l) => {
    const local = l.slug === LOCAL;
    const run = (local
      ? prepared(db, 'SELECT last_at AS lastAt, status, count FROM check_runs WHERE monitor_id = ? ORDER BY first_at DESC LIMIT 1').get(monitorId)
      : prepared(db, 'SELECT last_at AS lastAt, status, count FROM location_check_runs WHERE location_id = ? AND monitor_id = ? ORDER BY first_at DESC LIMIT 1').get(l.id, monitorId)) as { lastAt: number; status: number; count: number } | undefined;
    if (!run) return { slug: l.slug, at: null, status: null, error: null, downRun: 0 };
    const error = (local
      ? prepared(db, 'SELECT error FROM checks WHERE monitor_id = ? AND at = ?').pluck().get(monitorId, run.lastAt)
      : prepared(db, 'SELECT error FROM location_checks WHERE location_id = ? AND monitor_id = ? AND at = ?').pluck().get(l.id, monitorId, run.lastAt)) as string | null | undefined;
    return { slug: l.slug, at: run.lastAt, status: names[run.status] ?? 'down', error: error ?? null, downRun: run.status === 2 ? run.count : 0 };
  });
}
