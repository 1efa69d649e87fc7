import { statement, type Db } from '../db';
import { type Interval, union } from '../intervals';
import { changesSince } from '../checks/changes';
import { combinePieces, countingMonitorIds, monitorPiece, type MonitorInputs, type MonitorPiece, type SlaContext } from '../sla/figures';
import { loadLocatedFigures, type LocatedFigures } from '../sla/locations';
import { monitorSource, type MonitorSource } from '../sla/source';
import { LOCAL, overTime, type EraLocation } from '../monitors/history';

/**
 * The status page's monitor inputs, kept between rebuilds monitor by monitor, so a rebuild
 * at 10,000 monitors reads and judges only the few whose records changed.
 *
 * A monitor's piece of today is judged as at the end of today, with each location that
 * checks on time taken as checking on, and each rebuild cuts it at its own now. Every rule
 * is causal (what it says up to an instant rests only on the records up to it), so the cut
 * piece is what judging at now gives; an open outage or pause simply runs on. A piece thus
 * rests on the records alone and is loaded again only when
 * - the database listed the monitor in `series_changes` since the last rebuild (its
 *   triggers: a new run or gap, a run cut back, a down run extended up to its confirmation,
 *   its settings, life, pauses, locations, false positives; a failed control check lists
 *   every monitor);
 * - a location taken as checking on time has not (now passed its allowance), or a silent
 *   one checked again without a gap (an agent's spool): one seek a location, made only when
 *   now passes `validUntil` or while a location is silent, tells (`revalidate`);
 * - the day changes.
 * The days before today are kept the same way, judged at the start of today, and loaded
 * again for a monitor only when a change touches a time before today (an agent's late
 * results, a correction). tests/integration/page-kept-inputs.test.ts holds the kept figures
 * to a fresh computation step by step.
 */

/** What the page keeps of one monitor for today. */
export interface TodayEntry {
  piece: MonitorPiece;
  /** Its figures from several locations (null: the local probe alone), judged like the piece. */
  located: LocatedFigures | null;
  /** Its latest check from any of its locations, when it was loaded. */
  lastAt: number | null;
  /** Its locations' checks as loaded (or last made sure of), and its interval over time. */
  series: Series[];
  intervalMs: (at: number) => number;
  /** Made sure of again once now passes this; also every rebuild while a location is silent. */
  validUntil: number;
  /** The latest end in the piece (cut at now only when it reaches past now). */
  maxEnd: number;
}

interface ClosedKeep {
  pieces: Map<number, MonitorPiece>;
  generation: number;
  /** Each monitor's closed and today's pieces joined, with the two they were joined from. */
  joined: Map<number, { closed: MonitorPiece; today: MonitorPiece; piece: MonitorPiece; maxEnd: number }>;
}

/** A monitor of the service now, not paused, with what its present state needs. */
export interface MonitorNow {
  id: number;
  confirm: number;
  intervalS: number;
  countsForAvailability: boolean;
  /** Checked from agents (its state is the quorum's). */
  located: boolean;
}

interface ServiceKeep {
  /** The service's monitors now and those that belonged to it once. */
  ids: number[] | null;
  /** Its monitors now, not paused, and how many locations check them. */
  current: { monitors: MonitorNow[]; locations: number } | null;
  /** Those that counted toward it at some time, in id order (their figures count). */
  counting: number[] | null;
  today: Map<number, TodayEntry>;
  /** The days before today, by the start of the range asked for (the page's 90, the API's…). */
  closed: Map<number, ClosedKeep>;
  /** On the first rebuild of a new day: the days before yesterday and yesterday's clean entries, to carry over. */
  yesterday: { closed: Map<number, ClosedKeep>; today: Map<number, TodayEntry> } | null;
}

interface Keep {
  today: Interval;
  /** The last `series_changes` row read. */
  seq: number;
  /** The now of the last refresh (the changes are read once per now). */
  readAt: number;
  services: Map<number, ServiceKeep>;
}

let keeps = new WeakMap<Db, Keep>();
/** How long into a new day yesterday's keep is held, to carry the days before today over. */
const YESTERDAY_FOR_MS = 5 * 60_000;
let generations = 0;

export function clearKeptInputs(): void {
  keeps = new WeakMap();
}

/** The keep of `db` for `today`, brought up to date with the changes listed since it was read. */
function refresh(ctx: SlaContext, today: Interval): Keep {
  let keep = keeps.get(ctx.db);
  if (keep && keep.readAt === ctx.now) return keep;
  const { seq, changes } = changesSince(ctx.db, keep?.seq ?? 0);
  if (!keep || changes === null || changes.some((c) => c.monitorId === null) || (keep.today.start !== today.start && keep.today.end !== today.start)) {
    keep = { today, seq, readAt: ctx.now, services: new Map() };
    keeps.set(ctx.db, keep);
    return keep;
  }
  // The changes first, as of the day they were listed in.
  for (const c of changes) {
    const id = c.monitorId!;
    const beforeToday = c.at < keep.today.start;
    for (const s of keep.services.values()) {
      s.today.delete(id);
      if (beforeToday) for (const closed of s.closed.values()) closed.pieces.delete(id);
      if (s.yesterday && c.at < today.start) {
        s.yesterday.today.delete(id);
        for (const closed of s.yesterday.closed.values()) closed.pieces.delete(id);
      }
      // A setting, a life or a location: the lists of monitors may have changed too.
      if (c.at === 0) s.ids = s.counting = s.current = null;
    }
  }
  if (keep.today.start !== today.start) keeps.set(ctx.db, (keep = nextDay(keep, today)));
  // Every standing answer has been rebuilt on the new day by then: yesterday's keep is let go.
  else if (ctx.now - today.start > YESTERDAY_FOR_MS) for (const s of keep.services.values()) s.yesterday = null;
  keep.seq = seq;
  keep.readAt = ctx.now;
  return keep;
}

/**
 * The keep carried into the next day. A monitor whose yesterday ended clean (every location
 * on time through midnight, nothing open then: no outage, pause or silence reaching it)
 * keeps its entry, which says nothing of the new day but what a fresh one would, and its
 * days before today are the days before yesterday joined with yesterday; the others are
 * loaded again. A new day thus costs what changed, not every monitor's 90 days.
 */
function nextDay(keep: Keep, today: Interval): Keep {
  const clean = (e: TodayEntry) => e.validUntil >= today.start && e.maxEnd < today.start && e.series.every((x) => x.onTime)
    && (e.located === null || [...e.located.down, ...e.located.unmonitored, ...e.located.reducedQuorum].every((i) => i.end < today.start));
  const services = new Map<number, ServiceKeep>();
  for (const [id, s] of keep.services) {
    const carried = new Map([...s.today].filter(([, e]) => clean(e)));
    services.set(id, { ids: s.ids, counting: s.counting, current: s.current, today: new Map(carried), closed: new Map(), yesterday: { closed: s.closed, today: carried } });
  }
  return { today, seq: keep.seq, readAt: keep.readAt, services };
}

/** The latest instant the piece's lists reach (−∞ for none). */
function maxEndOf(piece: MonitorPiece): number {
  let end = -Infinity;
  for (const list of [piece.outages, piece.unmonitored, piece.paused, piece.reducedQuorum, piece.locatedOutages]) for (const i of list) if (i.end > end) end = i.end;
  return end;
}

/** The part of `list` before `now`. */
function before<T extends Interval>(list: readonly T[], now: number): T[] {
  const out: T[] = [];
  for (const i of list) if (i.start < now) out.push(i.end > now ? { ...i, end: now } : i);
  return out;
}

function cutAt(piece: MonitorPiece, now: number): MonitorPiece {
  return {
    ...piece,
    outages: before(piece.outages, now), locatedOutages: before(piece.locatedOutages, now), unmonitored: before(piece.unmonitored, now),
    paused: before(piece.paused, now), reducedQuorum: before(piece.reducedQuorum, now),
  };
}

/** A monitor's located figures as they stand at `now`. */
export function locatedAt(located: LocatedFigures, now: number): LocatedFigures {
  return { down: before(located.down, now), unmonitored: before(located.unmonitored, now), reducedQuorum: before(located.reducedQuorum, now) };
}

/** The locations whose checks the monitor's figures rest on: the local probe and every location it was ever assigned. */
function locationsOf(source: MonitorSource, id: number): EraLocation[] {
  const byId = new Map<number, EraLocation>([[0, { id: 0, slug: LOCAL }]]);
  for (const era of source.locationEras(id)) for (const l of era.locations) byId.set(l.slug === LOCAL ? 0 : l.id, l.slug === LOCAL ? { id: 0, slug: LOCAL } : l);
  return [...byId.values()];
}

/** One location's checks of a monitor, as a today entry saw them. */
interface Series {
  location: EraLocation;
  /** Its latest check then (null: none yet; the first is a new run, which is listed). */
  last: number | null;
  /** Whether that check was within its allowance then (twice the interval in force at it). */
  onTime: boolean;
}

/**
 * The monitor's records with every location that checks on time taken as checking on until
 * the end of today: its figures then show no silence that has not begun. Each rebuild makes
 * sure those locations still check on time (`revalidate`).
 */
function onTimeUntil(source: MonitorSource, id: number, onTime: ReadonlySet<number>, end: number): MonitorSource {
  if (onTime.size === 0) return source;
  return {
    ...source,
    runSpan(monitorId, location) {
      const span = source.runSpan(monitorId, location);
      // The local probe is 0 in `series` (./locationsOf), whatever its row's id in the eras asked about.
      return monitorId === id && onTime.has(location.slug === LOCAL ? 0 : location.id) ? { first: span.first, last: end } : span;
    },
  };
}

function loadToday(ctx: SlaContext, serviceId: number, id: number, today: Interval, source: MonitorSource): TodayEntry {
  const settings = overTime(source.settingSpans(id));
  const series = locationsOf(source, id).map((location): Series => {
    const last = source.runSpan(id, location).last;
    return { location, last, onTime: last !== null && last + 2 * settings.intervalMs(last) >= ctx.now };
  });
  const judged = onTimeUntil(source, id, new Set(series.filter((x) => x.onTime).map((x) => x.location.id)), today.end);
  // Judged at the end of today: an open outage or pause runs to it, and each rebuild cuts it at its own now.
  const piece = monitorPiece(ctx.db, serviceId, id, today, today.end, judged);
  return {
    piece,
    maxEnd: maxEndOf(piece),
    located: loadLocatedFigures(ctx.db, { id }, today, today.end, judged),
    lastAt: latestOf(series),
    series,
    intervalMs: settings.intervalMs,
    validUntil: validUntil(series, settings.intervalMs),
  };
}

/** The latest check from any location (null: none yet). */
function latestOf(series: readonly Series[]): number | null {
  let latest: number | null = null;
  for (const x of series) if (x.last !== null && (latest === null || x.last > latest)) latest = x.last;
  return latest;
}

/** The first moment a location that checks on time could fall silent. */
function validUntil(series: readonly Series[], intervalMs: (at: number) => number): number {
  let until = Infinity;
  for (const x of series) if (x.onTime && x.last !== null) until = Math.min(until, x.last + 2 * intervalMs(x.last));
  return until;
}

/**
 * The latest check of the locations of `entries`' monitors that need it, read in one
 * statement a location (a seek each): an entry stands when its locations that checked on
 * time still do and those that did not are still silent; it is then valid until the next
 * deadline. Returns the ids to load again.
 */
function revalidate(db: Db, entries: ReadonlyMap<number, TodayEntry>, ids: readonly number[], now: number): number[] {
  const byLocation = new Map<number, { location: EraLocation; ids: number[] }>();
  for (const id of ids) for (const x of entries.get(id)!.series) {
    // A location on time is read once now passes the entry's deadline; a silent one every time.
    if (x.onTime && now <= entries.get(id)!.validUntil) continue;
    let at = byLocation.get(x.location.id);
    if (!at) byLocation.set(x.location.id, (at = { location: x.location, ids: [] }));
    at.ids.push(id);
  }
  const latest = new Map<string, number | null>();
  for (const { location, ids: list } of byLocation.values()) {
    const local = location.slug === LOCAL;
    const rows = statement(db, `SELECT j.value AS id, (SELECT last_at FROM ${local ? 'check_runs' : 'location_check_runs'}
        WHERE ${local ? '' : 'location_id = ? AND '}monitor_id = j.value ORDER BY first_at DESC LIMIT 1) AS last FROM json_each(?) j`)
      .all(...(local ? [] : [location.id]), JSON.stringify(list)) as Array<{ id: number; last: number | null }>;
    for (const r of rows) latest.set(`${r.id}:${location.id}`, r.last);
  }
  const reload: number[] = [];
  for (const id of ids) {
    const e = entries.get(id)!;
    const series = e.series.map((x): Series => {
      const key = `${id}:${x.location.id}`;
      return latest.has(key) ? { ...x, last: latest.get(key) ?? null } : x;
    });
    const stands = series.every((x, i) => {
      const was = e.series[i]!;
      if (!was.onTime) return x.last === was.last;
      return x.last !== null && x.last + 2 * e.intervalMs(x.last) >= now;
    });
    if (!stands) {
      reload.push(id);
      continue;
    }
    e.series = series;
    e.validUntil = validUntil(series, e.intervalMs);
    e.lastAt = latestOf(series);
  }
  return reload;
}

function joinPieces(a: MonitorPiece, b: MonitorPiece): MonitorPiece {
  return {
    id: b.id, life: b.life, counting: b.counting, watched: b.watched,
    outages: union(a.outages, b.outages),
    // Only read for which locations saw an outage: the same outage twice names the same places.
    locatedOutages: [...a.locatedOutages, ...b.locatedOutages],
    unmonitored: union(a.unmonitored, b.unmonitored),
    paused: union(a.paused, b.paused),
    reducedQuorum: union(a.reducedQuorum, b.reducedQuorum),
  };
}

/**
 * The days before today from yesterday's keep of the range that started a day earlier (the
 * latest start not after `rangeStart`): each clean monitor's days before yesterday joined with
 * its yesterday, cut at midnight, without what ended before the range.
 */
function carryDays(closed: ClosedKeep, yesterday: NonNullable<ServiceKeep['yesterday']>, counting: readonly number[], rangeStart: number, todayStart: number): void {
  const starts = [...yesterday.closed.keys()].filter((start) => start <= rangeStart);
  if (starts.length === 0) return;
  const before = yesterday.closed.get(Math.max(...starts))!;
  const from = <T extends Interval>(list: readonly T[]) => list.filter((i) => i.end > rangeStart);
  for (const id of counting) {
    const days = before.pieces.get(id);
    const last = yesterday.today.get(id);
    if (!days || !last) continue;
    const p = cutAt(joinPieces(days, last.piece), todayStart);
    closed.pieces.set(id, {
      ...p, outages: from(p.outages), locatedOutages: from(p.locatedOutages), unmonitored: from(p.unmonitored), paused: from(p.paused), reducedQuorum: from(p.reducedQuorum),
    });
  }
}

export interface KeptInputs {
  monitors: MonitorInputs;
  /** Changes whenever the days before today were loaded again: while it stands, their bars stand too. */
  generation: number;
  /** Today's entries of the service's monitors (counting or not), by id. */
  today: Map<number, TodayEntry>;
  /** Its monitors now, not paused, and how many locations check them. */
  current: { monitors: MonitorNow[]; locations: number };
}

function currentMonitors(db: Db, serviceId: number): { monitors: MonitorNow[]; locations: number } {
  const rows = statement(db, `SELECT m.id, m.confirm, m.interval_s AS intervalS, m.counts_for_availability AS counts,
      EXISTS (SELECT 1 FROM monitor_locations x JOIN probe_locations l ON l.id = x.location_id WHERE x.monitor_id = m.id AND l.slug <> '${LOCAL}') AS located
    FROM monitors m WHERE m.service_id = ? AND m.paused = 0 ORDER BY m.id`).all(serviceId) as Array<{ id: number; confirm: number; intervalS: number; counts: number; located: number }>;
  // A monitor with no locations of its own is checked by the local probe.
  const locations = statement(db, `SELECT count(DISTINCT coalesce(x.location_id, (SELECT id FROM probe_locations WHERE slug = '${LOCAL}')))
    FROM monitors m LEFT JOIN monitor_locations x ON x.monitor_id = m.id WHERE m.service_id = ? AND m.paused = 0`).pluck().get(serviceId) as number;
  return {
    monitors: rows.map((r) => ({ id: r.id, confirm: r.confirm, intervalS: r.intervalS, countsForAvailability: r.counts === 1, located: r.located === 1 })),
    locations,
  };
}

/**
 * The service's monitor inputs over `range` (which ends with `today`), cut at now: the days
 * before today and today as kept, each monitor loaded again only as described above.
 */
export function keptServiceInputs(ctx: SlaContext, serviceId: number, range: Interval, today: Interval): KeptInputs {
  const keep = refresh(ctx, today);
  let s = keep.services.get(serviceId);
  if (!s) keep.services.set(serviceId, (s = { ids: null, counting: null, current: null, today: new Map(), closed: new Map(), yesterday: null }));
  s.ids ??= statement(ctx.db, `SELECT id FROM monitors WHERE service_id = ?
      OR EXISTS (SELECT 1 FROM monitor_setting_history h WHERE h.monitor_id = monitors.id AND coalesce(h.service_id, monitors.service_id) = ?)`).pluck().all(serviceId, serviceId) as number[];
  s.counting ??= countingMonitorIds(ctx.db, serviceId);
  s.current ??= currentMonitors(ctx.db, serviceId);

  const missing: number[] = [];
  const due: number[] = [];
  for (const id of s.ids) {
    const e = s.today.get(id);
    if (!e) missing.push(id);
    else if (ctx.now > e.validUntil || e.series.some((x) => !x.onTime && x.last !== null)) due.push(id);
  }
  const stale = due.length > 0 ? [...missing, ...revalidate(ctx.db, s.today, due, ctx.now)] : missing;
  if (stale.length > 0) {
    const source = monitorSource(ctx.db, stale, today);
    for (const id of stale) s.today.set(id, loadToday(ctx, serviceId, id, today, source));
  }

  let generation = 0;
  let closed: ClosedKeep | undefined;
  if (range.start < today.start) {
    closed = s.closed.get(range.start);
    if (!closed) s.closed.set(range.start, (closed = { pieces: new Map(), generation: ++generations, joined: new Map() }));
    if (closed.pieces.size === 0 && s.yesterday) carryDays(closed, s.yesterday, s.counting, range.start, today.start);
    const missing = s.counting.filter((id) => !closed!.pieces.has(id));
    if (missing.length > 0) {
      const before = { start: range.start, end: today.start };
      const source = monitorSource(ctx.db, missing, before);
      // Judged as at the start of today and cut there: what lies after is today's piece's (an
      // outage just after midnight would otherwise stay in the closed piece as it was when loaded).
      for (const id of missing) closed.pieces.set(id, cutAt(monitorPiece(ctx.db, serviceId, id, before, today.start, source), today.start));
      closed.generation = ++generations;
    }
    generation = closed.generation;
  } else generation = ++generations;

  const pieces = s.counting.map((id): MonitorPiece => {
    const entry = s.today.get(id)!;
    const t = entry.piece;
    const c = closed?.pieces.get(id);
    if (!closed || !c) return entry.maxEnd > ctx.now ? cutAt(t, ctx.now) : t;
    let j = closed.joined.get(id);
    if (!j || j.today !== t || j.closed !== c) {
      const piece = joinPieces(c, t);
      closed.joined.set(id, (j = { closed: c, today: t, piece, maxEnd: maxEndOf(piece) }));
    }
    return j.maxEnd > ctx.now ? cutAt(j.piece, ctx.now) : j.piece;
  });
  return { monitors: combinePieces(pieces, range, ctx.now), generation, today: s.today, current: s.current };
}
