import { statement, type Db } from '../db';
import type { Interval } from '../intervals';
import type { CheckRun } from './availability';
import type { MonitorLife } from './coverage';
import {
  LOCAL, SETTING_COLUMNS, SETTING_ROW_COLUMNS, currentSettings, erasOf, localLocation, locationSpanRows, settingRows, settingsOf, spansOfRows,
  type EraLocation, type LocationEra, type MonitorSettings, type SettingRow, type SettingSpan, type SpanRow,
} from '../monitors/history';

/**
 * Where the SLA rules read a monitor's records from: its settings and locations over time,
 * its runs of checks, gaps, first and last checks, life and false positives. Two ways answer
 * the same: one monitor at a time (`perMonitorSource`), or a list of monitors over one range
 * loaded in a few set-based statements (`prefetchedSource`), which asks the first way for
 * anything outside what it loaded. A source serves one computation at one `now` and is then
 * dropped: nothing it holds outlives a write.
 */
export interface MonitorSource {
  settingSpans(monitorId: number): SettingSpan[];
  /** The monitor's locations and quorum over time ([]: the local probe alone all its life). */
  locationEras(monitorId: number): LocationEra[];
  /** The runs of checks from `location` (the local probe's own table for `local`): the last before `range`, those inside, the first after. */
  runs(monitorId: number, location: EraLocation, range: Interval): CheckRun[];
  /** The stored gaps from `location` that touch `range`. */
  gaps(monitorId: number, location: EraLocation, range: Interval): Interval[];
  /** The first and last check from `location`, ever. */
  runSpan(monitorId: number, location: EraLocation): { first: number | null; last: number | null };
  /** Added, removed, first check from any location, pauses (an open one ends at `now`). */
  life(monitorId: number, now: number): MonitorLife;
  /** The starts of the monitor's outages marked false positives. */
  falseStarts(monitorId: number): Set<number>;
  /** A value computed once per source (the same question asked twice in one computation). */
  once<T>(key: string, compute: () => T): T;
}

const RUNS = 'first_at AS firstAt, last_at AS lastAt, status, count';

/** A condition on agents' runs of one monitor at every location: SQLite then uses their key, which leads with the location. */
export const AT_ANY_LOCATION = 'location_id IN (SELECT id FROM probe_locations)';

/** The tables and condition for one monitor at one location: the local probe has tables of its own. */
function tablesOf(location: EraLocation, monitorId: number) {
  return location.slug === LOCAL
    ? { runs: 'check_runs', gaps: 'check_gaps', where: 'monitor_id = ?', args: [monitorId] }
    : { runs: 'location_check_runs', gaps: 'location_check_gaps', where: 'location_id = ? AND monitor_id = ?', args: [location.id, monitorId] };
}

type LifeRow = { addedAt: number | null; removedAt: number | null; firstCheckAt: number | null; firstLocatedAt: number | null };
type Pause = { start: number; end: number | null };

function lifeOf(row: LifeRow | undefined, pauses: readonly Pause[], now: number): MonitorLife {
  const firsts = [row?.firstCheckAt, row?.firstLocatedAt].filter((t): t is number => t != null);
  return {
    addedAt: row?.addedAt ?? null, removedAt: row?.removedAt ?? null, firstCheckAt: firsts.length ? Math.min(...firsts) : null,
    pauses: pauses.map((p) => ({ start: p.start, end: p.end ?? Math.max(now, p.start) })),
  };
}

/** Life columns of `monitors` (aliased m): the first check from any location, since a monitor checked only by agents has no local runs. */
const LIFE_COLUMNS = `m.added_at AS addedAt, m.removed_at AS removedAt,
  (SELECT min(first_at) FROM check_runs WHERE monitor_id = m.id) AS firstCheckAt,
  (SELECT min(first_at) FROM location_check_runs WHERE ${AT_ANY_LOCATION} AND monitor_id = m.id) AS firstLocatedAt`;

function memoOf(): <T>(key: string, compute: () => T) => T {
  const values = new Map<string, unknown>();
  return <T>(key: string, compute: () => T): T => {
    if (values.has(key)) return values.get(key) as T;
    const value = compute();
    values.set(key, value);
    return value;
  };
}

/** The records of one monitor at a time, each answer one or a few indexed statements. */
export function perMonitorSource(db: Db): MonitorSource {
  const once = memoOf();
  const source: MonitorSource = {
    settingSpans: (id) => once(`settings:${id}`, () => {
      const rows = settingRows(db, id);
      return spansOfRows(rows, rows.length === 0 ? currentSettings(db, id) : null);
    }),
    locationEras: (id) => once(`eras:${id}`, () => {
      const spans = locationSpanRows(db, id);
      return spans.length === 0 ? [] : erasOf(spans, source.settingSpans(id), localLocation(db));
    }),
    runs(id, location, range) {
      const t = tablesOf(location, id);
      const before = statement(db, `SELECT ${RUNS} FROM ${t.runs} WHERE ${t.where} AND first_at < ? ORDER BY first_at DESC LIMIT 1`).get(...t.args, range.start) as CheckRun | undefined;
      const inside = statement(db, `SELECT ${RUNS} FROM ${t.runs} WHERE ${t.where} AND first_at >= ? AND first_at < ? ORDER BY first_at`).all(...t.args, range.start, range.end) as CheckRun[];
      const after = statement(db, `SELECT ${RUNS} FROM ${t.runs} WHERE ${t.where} AND first_at >= ? ORDER BY first_at LIMIT 1`).get(...t.args, range.end) as CheckRun | undefined;
      return [...(before ? [before] : []), ...inside, ...(after ? [after] : [])];
    },
    gaps(id, location, range) {
      const t = tablesOf(location, id);
      return statement(db, `SELECT start, "end" FROM ${t.gaps} WHERE ${t.where} AND start < ? AND "end" > ? ORDER BY start`).all(...t.args, range.end, range.start) as Interval[];
    },
    runSpan(id, location) {
      const t = tablesOf(location, id);
      return statement(db, `SELECT min(first_at) AS first, max(last_at) AS last FROM ${t.runs} WHERE ${t.where}`).get(...t.args) as { first: number | null; last: number | null };
    },
    life(id, now) {
      const row = statement(db, `SELECT ${LIFE_COLUMNS} FROM monitors m WHERE m.id = ?`).get(id) as LifeRow | undefined;
      const pauses = statement(db, 'SELECT start, "end" FROM monitor_pauses WHERE monitor_id = ? ORDER BY start').all(id) as Pause[];
      return lifeOf(row, pauses, now);
    },
    falseStarts: (id) => new Set(statement(db, 'SELECT start FROM false_positives WHERE monitor_id = ?').pluck().all(id) as number[]),
    once,
  };
  return source;
}

/** Rows of a statement grouped by their `id` column, in order (the rows keep it: readers take the fields they need). */
function groupById<T extends { id: number }>(rows: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const row of rows) {
    const list = out.get(row.id);
    if (list) list.push(row);
    else out.set(row.id, [row]);
  }
  return out;
}

const IDS = 'SELECT value FROM json_each(?)';

/**
 * The records of `monitorIds` over `range`, each kind loaded for all of them at once: the
 * runs before, inside and after the range and the gaps at every location ever assigned,
 * the settings and location spans, first and last checks, lives and false positives. The
 * seeks per monitor ("the last run before the start") stay inside one statement. A question
 * about another monitor or another range goes to the per-monitor queries.
 */
export function prefetchedSource(db: Db, monitorIds: readonly number[], range: Interval): MonitorSource {
  const single = perMonitorSource(db);
  const ids = JSON.stringify([...new Set(monitorIds)]);
  const loaded = new Set(monitorIds);
  const inRange = (r: Interval) => r.start === range.start && r.end === range.end;

  const settingRowsOf = groupById(statement(db, `SELECT h.monitor_id AS id, ${SETTING_ROW_COLUMNS}
    FROM monitor_setting_history h JOIN monitors m ON m.id = h.monitor_id WHERE h.monitor_id IN (${IDS}) ORDER BY h.monitor_id, h."from"`).all(ids) as Array<SettingRow & { id: number }>);
  const current = new Map((statement(db, `SELECT id, ${SETTING_COLUMNS} FROM monitors WHERE id IN (${IDS})`).all(ids) as Array<Omit<SettingRow, 'from'> & { id: number }>)
    .map((r): [number, MonitorSettings] => [r.id, settingsOf(r)]));
  // Sorted here as locationSpanRows sorts them (start, then slug): SQLite need not join and sort.
  const slugs = new Map((statement(db, 'SELECT id, slug FROM probe_locations').all() as EraLocation[]).map((l) => [l.id, l.slug]));
  const spanRowsOf = groupById((statement(db, `SELECT monitor_id AS id, location_id AS locationId, start, "end" FROM monitor_location_spans
    WHERE monitor_id IN (${IDS})`).all(ids) as Array<{ id: number; locationId: number; start: number; end: number | null }>)
    .filter((r) => slugs.has(r.locationId)).map((r) => ({ ...r, slug: slugs.get(r.locationId)! })));
  for (const rows of spanRowsOf.values()) rows.sort((a, b) => a.start - b.start || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  const local = spanRowsOf.size > 0 ? localLocation(db) : null;

  // Every location each monitor was ever assigned, by location: its runs and gaps are read for those monitors.
  const monitorsAt = new Map<number, { location: EraLocation; ids: number[]; has: Set<number> }>();
  for (const [id, rows] of spanRowsOf) for (const r of rows) {
    if (r.slug === LOCAL) continue;
    let at = monitorsAt.get(r.locationId);
    if (!at) monitorsAt.set(r.locationId, (at = { location: { id: r.locationId, slug: r.slug }, ids: [], has: new Set() }));
    if (!at.has.has(id)) at.ids.push(id), at.has.add(id);
  }
  const atLocal = readAt(db, { id: 0, slug: LOCAL }, ids, range);
  const atAgents = new Map([...monitorsAt].map(([locationId, at]) => [locationId, readAt(db, at.location, JSON.stringify(at.ids), range)]));
  const readOf = (id: number, location: EraLocation): AtLocation | undefined => {
    if (!loaded.has(id)) return undefined;
    if (location.slug === LOCAL) return atLocal;
    const at = monitorsAt.get(location.id);
    return at?.has.has(id) ? atAgents.get(location.id) : undefined;
  };
  const lives = new Map((statement(db, `SELECT m.id, ${LIFE_COLUMNS} FROM monitors m WHERE m.id IN (${IDS})`).all(ids) as Array<LifeRow & { id: number }>).map((r) => [r.id, r]));
  const pauses = groupById(statement(db, `SELECT monitor_id AS id, start, "end" FROM monitor_pauses WHERE monitor_id IN (${IDS}) ORDER BY monitor_id, start`).all(ids) as Array<Pause & { id: number }>);
  const falseStarts = groupById(statement(db, `SELECT monitor_id AS id, start FROM false_positives WHERE monitor_id IN (${IDS})`).all(ids) as Array<{ id: number; start: number }>);

  const once = memoOf();
  const source: MonitorSource = {
    settingSpans: (id) => once(`settings:${id}`, () => loaded.has(id) ? spansOfRows(settingRowsOf.get(id) ?? [], settingRowsOf.has(id) ? null : current.get(id) ?? null) : single.settingSpans(id)),
    locationEras: (id) => once(`eras:${id}`, () => {
      if (!loaded.has(id)) return single.locationEras(id);
      const rows = spanRowsOf.get(id);
      return rows ? erasOf(rows.map((r): SpanRow => ({ id: r.locationId, slug: r.slug, start: r.start, end: r.end })), source.settingSpans(id), local!) : [];
    }),
    runs(id, location, r) {
      const at = inRange(r) ? readOf(id, location) : undefined;
      return at ? at.runs.get(id) ?? [] : single.runs(id, location, r);
    },
    gaps(id, location, r) {
      const at = inRange(r) ? readOf(id, location) : undefined;
      return at ? at.gaps.get(id) ?? [] : single.gaps(id, location, r);
    },
    runSpan: (id, location) => readOf(id, location)?.spans.get(id) ?? single.runSpan(id, location),
    life: (id, now) => loaded.has(id) ? lifeOf(lives.get(id), pauses.get(id) ?? [], now) : single.life(id, now),
    falseStarts: (id) => loaded.has(id) ? new Set((falseStarts.get(id) ?? []).map((f) => f.start)) : single.falseStarts(id),
    once,
  };
  return source;
}

/** What one location said about a list of monitors over a range: runs (with the one before and after), gaps, first and last checks. */
interface AtLocation {
  runs: Map<number, CheckRun[]>;
  gaps: Map<number, Interval[]>;
  spans: Map<number, { first: number | null; last: number | null }>;
}

function readAt(db: Db, location: EraLocation, ids: string, range: Interval): AtLocation {
  const local = location.slug === LOCAL;
  const [runs, gaps] = local ? ['check_runs', 'check_gaps'] : ['location_check_runs', 'location_check_gaps'];
  // The location's condition on a table (aliased or not), and its argument.
  const at = (alias: string) => (local ? '' : `${alias}location_id = ? AND `);
  const arg: number[] = local ? [] : [location.id];
  // The last run before the range and the first after it (one seek each per monitor), and those inside, in order.
  const edge = (pick: 'max' | 'min', op: '<' | '>=') => `SELECT j.value AS id, r.first_at AS firstAt, r.last_at AS lastAt, r.status, r.count
    FROM json_each(?) j CROSS JOIN ${runs} r ON ${at('r.')}r.monitor_id = j.value
      AND r.first_at = (SELECT ${pick}(first_at) FROM ${runs} WHERE ${at('')}monitor_id = j.value AND first_at ${op} ?)`;
  const runsOf = groupById(statement(db, `${edge('max', '<')}
    UNION ALL SELECT monitor_id AS id, ${RUNS} FROM ${runs} WHERE ${at('')}monitor_id IN (${IDS}) AND first_at >= ? AND first_at < ?
    UNION ALL ${edge('min', '>=')}
    ORDER BY id, firstAt`).all(ids, ...arg, ...arg, range.start, ...arg, ids, range.start, range.end, ids, ...arg, ...arg, range.end) as Array<CheckRun & { id: number }>);
  const gapsOf = groupById(statement(db, `SELECT monitor_id AS id, start, "end" FROM ${gaps} WHERE ${at('')}monitor_id IN (${IDS}) AND start < ? AND "end" > ?
    ORDER BY monitor_id, start`).all(...arg, ids, range.end, range.start) as Array<Interval & { id: number }>);
  const spans = new Map((statement(db, `SELECT j.value AS id,
      (SELECT min(first_at) FROM ${runs} WHERE ${at('')}monitor_id = j.value) AS first,
      (SELECT max(last_at) FROM ${runs} WHERE ${at('')}monitor_id = j.value) AS last
    FROM json_each(?) j`).all(...arg, ...arg, ids) as Array<{ id: number; first: number | null; last: number | null }>).map((r) => [r.id, { first: r.first, last: r.last }]));
  return { runs: runsOf, gaps: gapsOf, spans };
}

let prefetching = true;

/** The source for a computation over `monitorIds` and `range`: loaded in bulk (see `withPerMonitorQueries`). */
export function monitorSource(db: Db, monitorIds: readonly number[], range: Interval): MonitorSource {
  return prefetching ? prefetchedSource(db, monitorIds, range) : perMonitorSource(db);
}

/** Runs `compute` with every computation reading one monitor at a time: both ways must give the same figures. */
export function withPerMonitorQueries<T>(compute: () => T): T {
  const was = prefetching;
  prefetching = false;
  try {
    return compute();
  } finally {
    prefetching = was;
  }
}
