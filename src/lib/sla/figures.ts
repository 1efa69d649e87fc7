import type { Db } from '../db';
import type { Config } from '../config';
import { type Interval, union, intersect, totalMs } from '../intervals';
import { computeAvailability, monitorOutages, monitorUnmonitored, type Availability, type AvailabilityInputs, type CheckRun } from './availability';
import { excludedInterval, type PlannedStop } from './planned-stops';
import { type MonitorLife, withinLife, unmonitoredInLife, pausedInLife, unwatched } from './coverage';

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
}

export interface ServiceInputs extends AvailabilityInputs {
  probeOutages: Interval[];
}

export interface MonitorMeta {
  id: number;
  confirm: number;
  intervalS: number;
}

const RUN_COLUMNS = 'first_at AS firstAt, last_at AS lastAt, status, count';

export function listServices(db: Db): ServiceRow[] {
  return db.$client.prepare(
    'SELECT id, slug, name_ja AS nameJa, name_en AS nameEn, sla_target_pct AS slaTargetPct, sort_order AS sortOrder FROM services ORDER BY sort_order, id',
  ).all() as ServiceRow[];
}

/** A monitor's outages that touch `range`, with false positives removed. */
export function loadMonitorOutages(db: Db, monitor: MonitorMeta, range: Interval, now: number): Interval[] {
  const falseStarts = new Set((db.$client.prepare('SELECT start FROM false_positives WHERE monitor_id = ?').all(monitor.id) as { start: number }[]).map((r) => r.start));
  return loadMonitorOutagesRaw(db, monitor, range, now).filter((o) => !falseStarts.has(o.start));
}

/** A monitor's confirmed outages that touch `range`, false positives included. */
export function loadMonitorOutagesRaw(db: Db, monitor: MonitorMeta, range: Interval, now: number): Interval[] {
  const c = db.$client;
  const before = c.prepare(`SELECT ${RUN_COLUMNS} FROM check_runs WHERE monitor_id = ? AND first_at < ? ORDER BY first_at DESC LIMIT 1`).get(monitor.id, range.start) as CheckRun | undefined;
  const inside = c.prepare(`SELECT ${RUN_COLUMNS} FROM check_runs WHERE monitor_id = ? AND first_at >= ? AND first_at < ? ORDER BY first_at`).all(monitor.id, range.start, range.end) as CheckRun[];
  const after = c.prepare(`SELECT ${RUN_COLUMNS} FROM check_runs WHERE monitor_id = ? AND first_at >= ? ORDER BY first_at LIMIT 1`).get(monitor.id, range.end) as CheckRun | undefined;
  const runs = [...(before ? [before] : []), ...inside, ...(after ? [after] : [])];
  return monitorOutages(runs, monitor.confirm, now);
}

export function loadMonitorUnmonitored(db: Db, monitor: MonitorMeta, range: Interval, now: number): Interval[] {
  const c = db.$client;
  const gaps = c.prepare('SELECT start, "end" FROM check_gaps WHERE monitor_id = ? AND start < ? AND "end" > ?').all(monitor.id, range.end, range.start) as Interval[];
  const span = c.prepare('SELECT min(first_at) AS first, max(last_at) AS last FROM check_runs WHERE monitor_id = ?').get(monitor.id) as { first: number | null; last: number | null };
  return monitorUnmonitored(gaps, span.first, span.last, monitor.intervalS * 1000, now);
}

/** A monitor's life (SLA.md, Coverage): added, paused, removed; an open pause runs to now. */
export function loadMonitorLife(db: Db, monitorId: number, now: number): MonitorLife {
  const c = db.$client;
  const row = c.prepare('SELECT added_at AS addedAt, removed_at AS removedAt, (SELECT min(first_at) FROM check_runs WHERE monitor_id = monitors.id) AS firstCheckAt FROM monitors WHERE id = ?')
    .get(monitorId) as { addedAt: number | null; removedAt: number | null; firstCheckAt: number | null } | undefined;
  const pauses = (c.prepare('SELECT start, "end" FROM monitor_pauses WHERE monitor_id = ? ORDER BY start').all(monitorId) as { start: number; end: number | null }[])
    .map((p) => ({ start: p.start, end: p.end ?? Math.max(now, p.start) }));
  return { addedAt: row?.addedAt ?? null, removedAt: row?.removedAt ?? null, firstCheckAt: row?.firstCheckAt ?? null, pauses };
}

/** A monitor's unmonitored and paused time over its life. */
export function loadMonitorCoverage(db: Db, monitor: MonitorMeta, range: Interval, now: number): { life: MonitorLife; unmonitored: Interval[]; paused: Interval[] } {
  const life = loadMonitorLife(db, monitor.id, now);
  return { life, unmonitored: unmonitoredInLife(loadMonitorUnmonitored(db, monitor, range, now), life), paused: pausedInLife(life) };
}

/** Everything the rules need for one service over `range` (any sub-period of it can then be computed). */
export function loadServiceInputs(ctx: SlaContext, serviceId: number, range: Interval): ServiceInputs {
  const c = ctx.db.$client;
  // Removed monitors stay: their history inside their life still counts.
  const monitors = c.prepare('SELECT id, confirm, interval_s AS intervalS FROM monitors WHERE service_id = ? AND counts_for_availability = 1').all(serviceId) as MonitorMeta[];
  const coverage = monitors.map((m) => loadMonitorCoverage(ctx.db, m, range, ctx.now));
  const perMonitorOutages = monitors.map((m, i) => withinLife(loadMonitorOutages(ctx.db, m, range, ctx.now), coverage[i]!.life));
  // Each monitor's own gaps, and the times when no counting monitor was alive at all.
  const perMonitorUnmonitored = [
    ...coverage.map((m) => m.unmonitored),
    unwatched(coverage.map((m) => m.life), { start: range.start, end: Math.max(range.end, ctx.now) }),
  ];

  const incidents = c.prepare(`SELECT i.started_at AS startedAt, i.recovered_at AS recoveredAt, i.force_majeure AS forceMajeure, s.impact
    FROM incidents i JOIN incident_services s ON s.incident_id = i.id
    WHERE s.service_id = ? AND i.draft = 0 AND i.started_at < ? AND (i.recovered_at IS NULL OR i.recovered_at > ?)`)
    .all(serviceId, range.end, range.start) as { startedAt: number; recoveredAt: number | null; forceMajeure: number; impact: string }[];
  const toInterval = (i: { startedAt: number; recoveredAt: number | null }) => ({ start: i.startedAt, end: i.recoveredAt ?? Math.max(ctx.now, i.startedAt) });
  const incidentOutages = incidents.filter((i) => i.impact === 'major_outage').map(toInterval);
  const forceMajeure = incidents.filter((i) => i.forceMajeure === 1).map(toInterval);

  const stops = c.prepare(`SELECT m.announced_at AS announcedAt, m.scheduled_start AS scheduledStart, m.scheduled_end AS scheduledEnd,
    m.actual_start AS actualStart, m.actual_end AS actualEnd, m.client_approved_at AS clientApprovedAt, m.status
    FROM maintenances m JOIN maintenance_services s ON s.maintenance_id = m.id
    WHERE s.service_id = ? AND m.scheduled_start < ? AND m.scheduled_end > ?`).all(serviceId, range.end, range.start) as PlannedStop[];
  const plannedExclusions = stops.map((s) => excludedInterval(s, ctx.now, ctx.config.sla.notice_days)).filter((i): i is Interval => i !== null);

  return {
    monitorOutages: perMonitorOutages,
    monitorUnmonitored: perMonitorUnmonitored,
    monitorPaused: coverage.map((m) => m.paused),
    incidentOutages,
    plannedExclusions,
    forceMajeure,
    probeOutages: union(...perMonitorOutages),
  };
}

export interface ServiceAvailability extends Availability {
  outages: OutageRecord[];
}

/** Availability of a service for a period, with its downtime attributed to its sources. */
export function availabilityFor(ctx: SlaContext, targetPct: number, period: Interval, inputs: ServiceInputs): ServiceAvailability {
  const figures = computeAvailability(period, ctx.now, targetPct, inputs);
  const incidents = union(inputs.incidentOutages);
  const outages = figures.downtime.map((d): OutageRecord => {
    const byProbe = totalMs(intersect([d], inputs.probeOutages)) > 0;
    const byIncident = totalMs(intersect([d], incidents)) > 0;
    return { ...d, source: byProbe && byIncident ? 'probe+incident' : byIncident ? 'incident' : 'probe' };
  });
  return { ...figures, outages };
}

export function serviceAvailability(ctx: SlaContext, service: ServiceRow, period: Interval): ServiceAvailability {
  return availabilityFor(ctx, service.slaTargetPct, period, loadServiceInputs(ctx, service.id, period));
}
