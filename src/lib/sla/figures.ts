import { statement, type Db } from '../db';
import type { Config } from '../config';
import { type Interval, union, intersect, subtract, totalMs } from '../intervals';
import { computeAvailability, monitorOutages, monitorUnmonitored, type Availability, type AvailabilityInputs } from './availability';
import { excludedInterval, type PlannedStop } from './planned-stops';
import { loadLocatedFigures, LOCAL } from './locations';
import { monitorSource, perMonitorSource, type MonitorSource } from './source';
import { type MonitorLife, withinLife, unmonitoredInLife, pausedInLife, unwatched, watchedSpans } from './coverage';
import { countingOf, overTime, type MonitorSettingsOverTime } from '../monitors/history';

/** The local probe's own runs and gaps (a monitor never assigned elsewhere). */
const LOCAL_PROBE = { id: 0, slug: LOCAL };

/**
 * Loads what the availability rules need from the database. Every figure of the site, the
 * API, the CLI and the PDF goes through here and ./availability.ts.
 */
export interface SlaContext {
  db: Db;
  config: Config;
  now: number;
}

export interface ServiceRow {
  id: number;
  slug: string;
  nameJa: string;
  nameEn: string | null;
  slaTargetPct: number;
  sortOrder: number;
}

export interface OutageRecord extends Interval {
  /** `probe` (a monitor's confirmed failures), `incident` (an admin's major_outage), or both. */
  source: 'probe' | 'incident' | 'probe+incident';
  /** The probe locations whose confirmed failures made it (when the probe saw it). */
  locations?: string[];
}

export interface ServiceInputs extends AvailabilityInputs {
  probeOutages: Interval[];
  /** Each counting monitor's outages with the locations that saw them. */
  locatedOutages: Array<Interval & { locations: string[]; located: boolean }>;
  /** Time a counting monitor had fewer voting locations than its quorum (SLA.md rule 1). */
  reducedQuorum: Interval[];
}

/** A monitor, by id: its confirmation count and interval are read as they were at each instant (monitors/history.ts). */
export interface MonitorMeta {
  id: number;
}

export function listServices(db: Db): ServiceRow[] {
  return db.$client.prepare(
    'SELECT id, slug, name_ja AS nameJa, name_en AS nameEn, sla_target_pct AS slaTargetPct, sort_order AS sortOrder FROM services ORDER BY sort_order, id',
  ).all() as ServiceRow[];
}

/**
 * A monitor's outages that touch `range`, with false positives removed. Each loader reads
 * through `source` (./source.ts): by default one monitor's own queries; a computation over
 * many monitors passes one source loaded for all of them.
 */
export function loadMonitorOutages(db: Db, monitor: MonitorMeta, range: Interval, now: number, source: MonitorSource = perMonitorSource(db)): Interval[] {
  const falseStarts = source.falseStarts(monitor.id);
  return loadMonitorOutagesRaw(db, monitor, range, now, source).filter((o) => !falseStarts.has(o.start));
}

/** A monitor's confirmed outages that touch `range`, false positives included. */
export function loadMonitorOutagesRaw(db: Db, monitor: MonitorMeta, range: Interval, now: number, source: MonitorSource = perMonitorSource(db)): Interval[] {
  const located = loadLocatedFigures(db, monitor, range, now, source);
  if (located) return located.down;
  return monitorOutages(source.runs(monitor.id, LOCAL_PROBE, range), overTime(source.settingSpans(monitor.id)).confirm, now);
}

export function loadMonitorUnmonitored(db: Db, monitor: MonitorMeta, range: Interval, now: number, source: MonitorSource = perMonitorSource(db)): Interval[] {
  const located = loadLocatedFigures(db, monitor, range, now, source);
  if (located) return located.unmonitored;
  const span = source.runSpan(monitor.id, LOCAL_PROBE);
  return monitorUnmonitored(source.gaps(monitor.id, LOCAL_PROBE, range), span.first, span.last, overTime(source.settingSpans(monitor.id)).intervalMs, now);
}

/** A monitor's life (SLA.md, Coverage): added, paused, removed; an open pause runs to now. */
export function loadMonitorLife(db: Db, monitorId: number, now: number, source: MonitorSource = perMonitorSource(db)): MonitorLife {
  return source.life(monitorId, now);
}

/** A monitor's unmonitored and paused time over its life. */
export function loadMonitorCoverage(db: Db, monitor: MonitorMeta, range: Interval, now: number, source: MonitorSource = perMonitorSource(db)): { life: MonitorLife; unmonitored: Interval[]; paused: Interval[] } {
  const life = loadMonitorLife(db, monitor.id, now, source);
  return { life, unmonitored: unmonitoredInLife(loadMonitorUnmonitored(db, monitor, range, now, source), life, overTime(source.settingSpans(monitor.id)).intervalMs), paused: pausedInLife(life) };
}

/** The part of a service's inputs that its monitors give (checks, gaps, life, locations), with the monitors' ids in order. */
export type MonitorInputs = Pick<ServiceInputs, 'monitorOutages' | 'monitorUnmonitored' | 'monitorPaused' | 'probeOutages' | 'locatedOutages' | 'reducedQuorum'> & { monitorIds: number[] };

/** The part of a service's inputs that the records give: incidents and planned stops. */
export type RecordInputs = Pick<ServiceInputs, 'incidentOutages' | 'plannedExclusions' | 'forceMajeure'>;

/** Everything the rules need for one service over `range` (any sub-period of it can then be computed). */
export function loadServiceInputs(ctx: SlaContext, serviceId: number, range: Interval): ServiceInputs {
  const { monitorIds: _, ...monitors } = loadMonitorInputs(ctx, serviceId, range);
  return { ...monitors, ...loadRecordInputs(ctx, serviceId, range) };
}

/**
 * The monitors that count toward the service's availability at some time. Removed monitors
 * stay: their history inside their life still counts. So does a monitor that counted toward
 * availability for the service once: whether it counts, and for which service, have a life of their own.
 */
export function countingMonitorIds(db: Db, serviceId: number): number[] {
  return statement(db, `SELECT id FROM monitors WHERE (service_id = ? AND counts_for_availability = 1)
      OR EXISTS (SELECT 1 FROM monitor_setting_history h WHERE h.monitor_id = monitors.id AND coalesce(h.service_id, monitors.service_id) = ? AND h.counts_for_availability = 1)
    ORDER BY id`).pluck().all(serviceId, serviceId) as number[];
}

/** The counting monitors (./countingMonitorIds) with their settings' life (whether each counted, and for which service, at an instant is in it). */
export function countedMonitors(db: Db, serviceId: number): Array<MonitorMeta & { settings: MonitorSettingsOverTime }> {
  const source = perMonitorSource(db);
  return countingMonitorIds(db, serviceId).map((id) => ({ id, settings: overTime(source.settingSpans(id)) }));
}

/**
 * What one counting monitor gives its service over a range: everything inside its life and
 * while it counted toward the service. A service's monitor inputs are its monitors' pieces
 * put together (`combinePieces`): the SLA rules load them all at once, the status page keeps
 * them between rebuilds and loads again only those whose records changed.
 */
export interface MonitorPiece {
  id: number;
  life: MonitorLife;
  /** When it counted toward the service. */
  counting: Interval[];
  /** When it watched for the service: alive and counting (./coverage.ts). */
  watched: Interval[];
  outages: Interval[];
  locatedOutages: ServiceInputs['locatedOutages'];
  unmonitored: Interval[];
  paused: Interval[];
  reducedQuorum: Interval[];
}

/** One monitor's piece over `range`, judged at `now`, its records read through `source`. */
export function monitorPiece(db: Db, serviceId: number, id: number, range: Interval, now: number, source: MonitorSource): MonitorPiece {
  const monitor: MonitorMeta = { id };
  const counting = countingOf(source.settingSpans(id), serviceId);
  const coverage = loadMonitorCoverage(db, monitor, range, now, source);
  const counted = (list: readonly Interval[]) => intersect(withinLife(list, coverage.life), counting);
  const outages = counted(loadMonitorOutages(db, monitor, range, now, source));
  const located = loadLocatedFigures(db, monitor, range, now, source);
  return {
    id,
    life: coverage.life,
    counting,
    watched: watchedSpans(coverage.life, counting),
    outages,
    locatedOutages: outages.map((o) => {
      const seen = located?.down.find((d) => d.start <= o.start && o.start < d.end);
      return { ...o, locations: seen?.locations ?? [LOCAL], located: seen?.located ?? false };
    }),
    unmonitored: counted(coverage.unmonitored),
    paused: counted(coverage.paused),
    // Paused time is paused, never reduced quorum.
    reducedQuorum: subtract(counted(located?.reducedQuorum ?? []), coverage.paused),
  };
}

/** The service's monitor inputs from its counting monitors' pieces (in id order), over `range`. */
export function combinePieces(pieces: readonly MonitorPiece[], range: Interval, now: number): MonitorInputs {
  const monitorOutages = pieces.map((p) => p.outages);
  return {
    monitorIds: pieces.map((p) => p.id),
    monitorOutages,
    // Each monitor's own gaps, and the times when no counting monitor was alive at all.
    monitorUnmonitored: [
      ...pieces.map((p) => p.unmonitored),
      unwatched(pieces.map((p) => p.watched), { start: range.start, end: Math.max(range.end, now) }),
    ],
    monitorPaused: pieces.map((p) => p.paused),
    probeOutages: union(...monitorOutages),
    locatedOutages: pieces.flatMap((p) => p.locatedOutages),
    reducedQuorum: union(...pieces.map((p) => p.reducedQuorum)),
  };
}

/**
 * What the service's counting monitors give over `range` (an outage or gap crossing its edges is whole).
 * `source`: the records, loaded for these monitors and `range` unless the caller already has them.
 */
export function loadMonitorInputs(ctx: SlaContext, serviceId: number, range: Interval, given?: MonitorSource): MonitorInputs {
  const ids = countingMonitorIds(ctx.db, serviceId);
  const source = given ?? monitorSource(ctx.db, ids, range);
  return combinePieces(ids.map((id) => monitorPiece(ctx.db, serviceId, id, range, ctx.now, source)), range, ctx.now);
}

/** Incidents marking the service down or force majeure, and planned stops that qualify, over `range`. */
export function loadRecordInputs(ctx: SlaContext, serviceId: number, range: Interval): RecordInputs {
  const incidents = statement(ctx.db, `SELECT i.started_at AS startedAt, i.recovered_at AS recoveredAt, i.force_majeure AS forceMajeure, s.impact
    FROM incidents i JOIN incident_services s ON s.incident_id = i.id
    WHERE s.service_id = ? AND i.draft = 0 AND i.started_at < ? AND (i.recovered_at IS NULL OR i.recovered_at > ?)`)
    .all(serviceId, range.end, range.start) as { startedAt: number; recoveredAt: number | null; forceMajeure: number; impact: string }[];
  const toInterval = (i: { startedAt: number; recoveredAt: number | null }) => ({ start: i.startedAt, end: i.recoveredAt ?? Math.max(ctx.now, i.startedAt) });
  const stops = statement(ctx.db, `SELECT m.announced_at AS announcedAt, m.scheduled_start AS scheduledStart, m.scheduled_end AS scheduledEnd,
    m.actual_start AS actualStart, m.actual_end AS actualEnd, m.client_approved_at AS clientApprovedAt, m.status
    FROM maintenances m JOIN maintenance_services s ON s.maintenance_id = m.id
    WHERE s.service_id = ? AND m.scheduled_start < ? AND m.scheduled_end > ?`).all(serviceId, range.end, range.start) as PlannedStop[];
  return {
    incidentOutages: incidents.filter((i) => i.impact === 'major_outage').map(toInterval),
    plannedExclusions: stops.map((s) => excludedInterval(s, ctx.now, ctx.config.sla.notice_days)).filter((i): i is Interval => i !== null),
    forceMajeure: incidents.filter((i) => i.forceMajeure === 1).map(toInterval),
  };
}

export interface ServiceAvailability extends Availability {
  outages: OutageRecord[];
  /** Service time (after exclusions, up to now) in which a monitor voted with a reduced quorum. */
  reducedQuorumMs: number;
}

/** Availability of a service for a period, with its downtime attributed to its sources. */
export function availabilityFor(ctx: SlaContext, targetPct: number, period: Interval, inputs: ServiceInputs): ServiceAvailability {
  const figures = computeAvailability(period, ctx.now, targetPct, inputs);
  const incidents = union(inputs.incidentOutages);
  const outages = figures.downtime.map((d): OutageRecord => {
    const byProbe = totalMs(intersect([d], inputs.probeOutages)) > 0;
    const byIncident = totalMs(intersect([d], incidents)) > 0;
    const record: OutageRecord = { ...d, source: byProbe && byIncident ? 'probe+incident' : byIncident ? 'incident' : 'probe' };
    // Named only when some location besides the local probe saw it: a single-location site's records stay as they were.
    const seen = inputs.locatedOutages.filter((o) => intersect([d], [o]).length > 0);
    if (byProbe && seen.some((o) => o.located)) record.locations = [...new Set(seen.flatMap((o) => o.locations))];
    return record;
  });
  const observed = { start: period.start, end: Math.min(period.end, Math.max(ctx.now, period.start)) };
  const reducedQuorumMs = totalMs(intersect(inputs.reducedQuorum, subtract([observed], figures.excluded)));
  return { ...figures, outages, reducedQuorumMs };
}

export function serviceAvailability(ctx: SlaContext, service: ServiceRow, period: Interval): ServiceAvailability {
  return availabilityFor(ctx, service.slaTargetPct, period, loadServiceInputs(ctx, service.id, period));
}
