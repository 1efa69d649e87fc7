import type { SlaContext, ServiceRow, ServiceInputs } from '../sla/figures';
import { listServices, loadRecordInputs, availabilityFor } from '../sla/figures';
import { keptServiceInputs, clearKeptInputs, locatedAt, type KeptInputs } from './kept-inputs';
import type { Interval } from '../intervals';
import type { Db } from '../db';
import { lastDays, type Period } from '../time';
import { holdsSampleData } from '../settings';
import { readLease } from '../lease';
import { PROBE_LEASE } from '../probe/probe';
import { probeBeating } from '../health';
import { incidentsTouching } from './history';
import { serviceState, type MonitorLatest, type ServiceState } from './state';
import { SharedComputation } from './cache';

/**
 * What the public page and the status API show now. Component states and indicators use
 * the Statuspage vocabulary so the API can speak it unchanged.
 */
export const componentStatuses = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] as const;
export type ComponentStatus = (typeof componentStatuses)[number];
export type Indicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';

const severityRank: Record<ComponentStatus, number> = {
  operational: 0, under_maintenance: 1, degraded_performance: 2, partial_outage: 3, major_outage: 4,
};

export interface DayBar {
  day: Period;
  /** null when the day had no monitoring data at all. */
  ratio: number | null;
  pct: string;
  downtimeMs: number;
  excludedMs: number;
  noData: boolean;
  /** Downtime of the day, after planned stops and force majeure are taken out. */
  outages: Array<{ start: number; end: number }>;
  /** Published incidents of the service that touched the day. */
  incidents: Array<{ key: string; titleJa: string; titleEn: string | null }>;
}

export interface Uptime {
  ratio: number | null;
  pct: string;
}

export interface ServiceStatus {
  service: ServiceRow;
  status: ComponentStatus;
  /** The public state of the service (state.ts): what set it, and whether monitoring is interrupted. */
  state: ServiceState;
  days: DayBar[];
  uptime90: Uptime;
  uptime30: Uptime;
  uptime24h: Uptime;
  /** How many probe locations watch it (the local probe and agents). */
  locations: number;
}

export interface StatusSummary {
  generatedAt: number;
  sample: boolean;
  probeAlive: boolean;
  probeHeartbeatAt: number | null;
  indicator: Indicator;
  overall: ComponentStatus;
  services: ServiceStatus[];
}

interface LatestRun {
  id: number;
  status: number;
  runCount: number;
  lastAt: number;
}

/** The checks' stored code for down. */
const DOWN = 2;

type Statements = ReturnType<typeof prepareStatements>;
const statements = new WeakMap<Db, Statements>();

function prepareStatements(db: Db) {
  const c = db.$client;
  return {
    // The latest run of each monitor (a seek each).
    latest: c.prepare(`SELECT j.value AS id, r.status, r.count AS runCount, r.last_at AS lastAt FROM json_each(?) j
      JOIN check_runs r ON r.monitor_id = j.value AND r.first_at = (SELECT max(first_at) FROM check_runs WHERE monitor_id = j.value)`),
    impacts: c.prepare(`SELECT s.impact FROM incidents i JOIN incident_services s ON s.incident_id = i.id
    WHERE s.service_id = ? AND i.draft = 0 AND i.recovered_at IS NULL AND i.started_at <= ?`),
    inMaintenance: c.prepare(`SELECT 1 FROM maintenances m JOIN maintenance_services s ON s.maintenance_id = m.id
      WHERE s.service_id = ? AND (m.status = 'in_progress' OR (m.status = 'scheduled' AND m.scheduled_start <= ? AND m.scheduled_end > ?)) LIMIT 1`),
  };
}

function statementsOf(db: Db): Statements {
  let st = statements.get(db);
  if (!st) {
    st = prepareStatements(db);
    statements.set(db, st);
  }
  return st;
}

/** The service's state now: a monitor checked from agents by its quorum as kept, the others by their latest run. */
function currentState(ctx: SlaContext, serviceId: number, kept: KeptInputs): ServiceState {
  const st = statementsOf(ctx.db);
  const monitors: MonitorLatest[] = [];
  const local = kept.current.monitors.filter((m) => !m.located);
  if (local.length > 0) {
    const latest = new Map((st.latest.all(JSON.stringify(local.map((m) => m.id))) as LatestRun[]).map((r) => [r.id, r]));
    for (const m of local) {
      const r = latest.get(m.id);
      if (r) monitors.push({ countsForAvailability: m.countsForAvailability, status: r.status, runCount: r.runCount, confirm: m.confirm, lastAt: r.lastAt, intervalS: m.intervalS });
    }
  }
  // Down when the quorum's downtime reaches now; its latest check is the freshest of its locations.
  for (const m of kept.current.monitors) {
    if (!m.located) continue;
    const entry = kept.today.get(m.id);
    if (!entry?.located || entry.lastAt === null) continue;
    const down = locatedAt(entry.located, ctx.now).down;
    const last = down[down.length - 1];
    const isDown = last !== undefined && last.end >= ctx.now;
    monitors.push({ countsForAvailability: m.countsForAvailability, status: isDown ? DOWN : 0, runCount: isDown ? m.confirm : 1, confirm: m.confirm, lastAt: entry.lastAt, intervalS: m.intervalS });
  }
  const publishedImpacts = (st.impacts.all(serviceId, ctx.now) as { impact: ComponentStatus }[]).map((i) => i.impact);
  const inPlannedStop = st.inMaintenance.get(serviceId, ctx.now, ctx.now) !== undefined;
  return serviceState({ monitors, publishedImpacts, inPlannedStop, now: ctx.now });
}

export function indicatorOf(overall: ComponentStatus): Indicator {
  switch (overall) {
    case 'operational': return 'none';
    case 'under_maintenance': return 'maintenance';
    case 'degraded_performance': return 'minor';
    case 'partial_outage': return 'major';
    case 'major_outage': return 'critical';
  }
}

/** The inputs restricted to what touches `window` (the rules only look inside the period). */
function inputsWithin(inputs: ServiceInputs, window: Interval): ServiceInputs {
  const within = (list: readonly Interval[]): Interval[] => {
    const out: Interval[] = [];
    for (const i of list) if (i.start < window.end && i.end > window.start) out.push({ start: Math.max(i.start, window.start), end: Math.min(i.end, window.end) });
    return out;
  };
  return {
    monitorOutages: inputs.monitorOutages.map(within),
    monitorUnmonitored: inputs.monitorUnmonitored.map(within),
    monitorPaused: (inputs.monitorPaused ?? []).map(within),
    incidentOutages: within(inputs.incidentOutages),
    plannedExclusions: within(inputs.plannedExclusions),
    forceMajeure: within(inputs.forceMajeure),
    probeOutages: within(inputs.probeOutages),
    locatedOutages: inputs.locatedOutages.filter((o) => o.start < window.end && o.end > window.start),
    reducedQuorum: within(inputs.reducedQuorum),
  };
}

type DayFigures = Omit<DayBar, 'incidents'>;

/**
 * The figures of finished days, by service, length and day: a finished day's bar depends only on the
 * target and the inputs inside the day, so it is computed again only when those changed.
 */
const finishedDays = new Map<string, Map<number, { signature: string; figures: DayFigures; generation: number }>>();

export function clearSummaryMemo(): void {
  finishedDays.clear();
  shared.clear();
  clearKeptInputs();
  daysMemo = null;
}

let daysMemo: { key: string; days: Period[] } | null = null;

/** The last `count` days in the zone (computed again only when the day changes). */
function daysUntil(count: number, now: number, zone: string): Period[] {
  if (daysMemo && daysMemo.days.length === count && now >= daysMemo.days[count - 1]!.start && now < daysMemo.days[count - 1]!.end && daysMemo.key === zone) return daysMemo.days;
  const days = lastDays(count, now, zone);
  daysMemo = { key: zone, days };
  return days;
}

function dayFigures(ctx: SlaContext, service: ServiceRow, day: Period, inputs: ServiceInputs): DayFigures {
  // A day is judged on the time that has passed, not on the hours still ahead.
  const period = { start: day.start, end: Math.min(day.end, Math.max(ctx.now, day.start + 1)) };
  const a = availabilityFor(ctx, service.slaTargetPct, period, inputsWithin(inputs, day));
  const observedMs = a.periodMs - a.excludedMs;
  const noData = a.downtimeMs === 0 && observedMs > 0 && a.unmonitoredMs >= observedMs;
  return {
    day, ratio: noData ? null : a.ratio, pct: noData ? '–' : a.pct, downtimeMs: a.downtimeMs, excludedMs: a.excludedMs, noData,
    outages: a.downtime.map((d) => ({ start: d.start, end: d.end })),
  };
}

export function statusSummary(ctx: SlaContext, dayCount = 90): StatusSummary {
  const zone = ctx.config.zone;
  const days = daysUntil(dayCount, ctx.now, zone);
  const range = { start: days[0]!.start, end: days[days.length - 1]!.end };
  const today = { start: days[days.length - 1]!.start, end: range.end };
  const touching = incidentsTouching(ctx.db, range.start, range.end, ctx.now);
  const services = listServices(ctx.db).map((service): ServiceStatus => {
    // The monitors' inputs as kept between rebuilds (./kept-inputs.ts), the records' read now.
    const kept = keptServiceInputs(ctx, service.id, range, today);
    const { monitorIds: _, ...monitors } = kept.monitors;
    const inputs: ServiceInputs = { ...monitors, ...loadRecordInputs(ctx, service.id, range) };
    const generation = kept.generation;
    const own = touching.filter((i) => i.serviceId === service.id);
    // By service and length: the API's one day never drops the page's 90.
    const memoKey = `${service.id}:${dayCount}`;
    let memo = finishedDays.get(memoKey);
    if (!memo) finishedDays.set(memoKey, (memo = new Map()));
    for (const start of memo.keys()) if (start < range.start) memo.delete(start);
    const bars = days.map((day): DayBar => {
      let figures: DayFigures;
      const known = memo.get(day.start);
      if (day.end <= ctx.now && known?.generation === generation && known.figures.day.end === day.end) figures = known.figures;
      else if (day.end <= ctx.now) {
        const signature = JSON.stringify([service.slaTargetPct, inputsWithin(inputs, day)]);
        if (known && known.signature === signature) figures = known.figures;
        else figures = dayFigures(ctx, service, day, inputs);
        memo.set(day.start, { signature, figures, generation });
      } else figures = dayFigures(ctx, service, day, inputs);
      const incidents = own.filter((i) => i.startedAt < day.end && i.endedAt > day.start).map((i) => ({ key: i.key, titleJa: i.titleJa, titleEn: i.titleEn }));
      return { ...figures, incidents };
    });
    const uptime = (start: number): Uptime => {
      const a = availabilityFor(ctx, service.slaTargetPct, { start: Math.max(start, range.start), end: Math.min(range.end, ctx.now) }, inputs);
      return { ratio: a.ratio, pct: a.pct };
    };
    const state = currentState(ctx, service.id, kept);
    return {
      service, status: state.status, state, days: bars, locations: kept.current.locations,
      uptime90: uptime(range.start), uptime30: uptime(ctx.now - 30 * 86_400_000), uptime24h: uptime(ctx.now - 86_400_000),
    };
  });
  const overall = services.reduce<ComponentStatus>((worst, s) => (severityRank[s.status] > severityRank[worst] ? s.status : worst), 'operational');
  const lease = readLease(ctx.db, PROBE_LEASE);
  // Judged by the heartbeat counter moving, never by the worker's clock against this one.
  const probeAlive = probeBeating(ctx.db, ctx.config);
  return {
    generatedAt: ctx.now,
    sample: holdsSampleData(ctx.db),
    probeAlive,
    probeHeartbeatAt: lease?.renewedAt ?? null,
    indicator: indicatorOf(overall),
    overall,
    services,
  };
}

/**
 * One summary of `dayCount` days for all the answers rendered together (the v2 API in two
 * languages, the badges), never older than the renderer's bound (./renderer.ts, 2 s); at
 * once after a change made through the site.
 */
const SHARED_FOR_MS = 2_000;
const shared = new Map<number, SharedComputation<StatusSummary>>();

export function sharedSummary(ctx: SlaContext, dayCount: number): StatusSummary {
  let memo = shared.get(dayCount);
  if (!memo) shared.set(dayCount, (memo = new SharedComputation(SHARED_FOR_MS, SHARED_FOR_MS)));
  return memo.get(ctx, () => statusSummary(ctx, dayCount));
}
