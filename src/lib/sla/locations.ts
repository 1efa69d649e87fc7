import { statement, type Db } from '../db';
import { type Interval, clip, union } from '../intervals';
import { monitorOutages, monitorUnmonitored } from './availability';
import { AT_ANY_LOCATION, perMonitorSource, type MonitorSource } from './source';
import { quorumOutages, controlFailures, type QuorumOutage } from './quorum';
import { overTime, LOCAL, type EraLocation } from '../monitors/history';

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

export { AT_ANY_LOCATION };

function locationUnmonitored(source: MonitorSource, location: EraLocation, monitorId: number, intervalMs: (at: number) => number, range: Interval, now: number): Interval[] {
  const span = source.runSpan(monitorId, location);
  return monitorUnmonitored(source.gaps(monitorId, location, range), span.first, span.last, intervalMs, now);
}

/** The same for every monitor the location checks: its samples read once per computation, whatever the now each is judged at. */
function locationControlFailures(db: Db, source: MonitorSource, location: EraLocation, range: Interval, now: number): Interval[] {
  if (location.slug === LOCAL) return [];
  return controlFailures(source.once(`controls:${location.id}:${range.start}:${range.end}`, () => readControlSamples(db, location, range)), now);
}

function readControlSamples(db: Db, location: EraLocation, range: Interval): Array<{ at: number; ok: boolean }> {
  const before = prepared(db, 'SELECT at, ok FROM location_controls WHERE location_id = ? AND at < ? ORDER BY at DESC LIMIT 1').get(location.id, range.start) as { at: number; ok: number } | undefined;
  const inside = prepared(db, 'SELECT at, ok FROM location_controls WHERE location_id = ? AND at >= ? AND at < ? ORDER BY at').all(location.id, range.start, range.end) as { at: number; ok: number }[];
  const after = prepared(db, 'SELECT at, ok FROM location_controls WHERE location_id = ? AND at >= ? AND ok = 1 ORDER BY at LIMIT 1').get(location.id, range.end) as { at: number; ok: number } | undefined;
  return [...(before ? [before] : []), ...inside, ...(after ? [after] : [])].map((s) => ({ at: s.at, ok: s.ok === 1 }));
}

/**
 * A located monitor's downtime, unmonitored and reduced-quorum time over `range`, or null
 * for a monitor checked from the local probe alone. One location (an agent alone) follows
 * the single-location rule exactly. Computed once per source (a page asks for it several times).
 */
export function loadLocatedFigures(db: Db, monitor: { id: number }, range: Interval, now: number, source: MonitorSource = perMonitorSource(db)): LocatedFigures | null {
  return source.once(`located:${monitor.id}:${range.start}:${range.end}:${now}`, () => computeLocatedFigures(db, source, monitor, range, now));
}

function computeLocatedFigures(db: Db, source: MonitorSource, monitor: { id: number }, range: Interval, now: number): LocatedFigures | null {
  const eras = source.locationEras(monitor.id);
  if (!eras.some((e) => isLocated(e.locations))) return null;
  // What each location says, read once however many stretches it was assigned in.
  const byId = new Map<number, EraLocation>();
  for (const e of eras) for (const l of e.locations) byId.set(l.id, l);
  const settings = overTime(source.settingSpans(monitor.id));
  const views = new Map([...byId.values()].map((l) => [l.id, {
    location: l.slug,
    outages: monitorOutages(source.runs(monitor.id, l, range), settings.confirm, now),
    gaps: locationUnmonitored(source, l, monitor.id, settings.intervalMs, range, now),
    controls: locationControlFailures(db, source, l, range, now),
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
