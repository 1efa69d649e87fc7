import type { ComponentStatus } from './summary';

/**
 * The one public state model: the banner, the service rows and the incident list of the
 * public page are all read from here, so they can never tell two stories.
 *
 * The public sees the confirmed state (SLA.md: a failed run shorter than `confirm` is not an
 * outage; a failed check is down, never slow), in fixed words per state: never a probe's
 * reason or a push's text. Drafts and unpublished updates never reach these inputs.
 */

/** The latest run of one monitor of the service (paused monitors are not watched, so not here). */
export interface MonitorLatest {
  countsForAvailability: boolean;
  /** 0 up, 1 degraded, 2 down (the checks' stored code). */
  status: number;
  /** Consecutive checks of that status so far. */
  runCount: number;
  confirm: number;
  /** The latest check of the monitor. */
  lastAt: number;
  intervalS: number;
}

export interface ServiceStateInputs {
  monitors: MonitorLatest[];
  /** Impacts of the published, open incidents naming the service. */
  publishedImpacts: ComponentStatus[];
  /** A planned stop of the service is in progress now. */
  inPlannedStop: boolean;
  now: number;
}

/** What set a service's state. */
export type StateCause = 'none' | 'probe' | 'incident' | 'planned_stop';

export interface ServiceState {
  /** In the Statuspage vocabulary, as the API speaks it. */
  status: ComponentStatus;
  cause: StateCause;
  /** A counting monitor has had no check for longer than twice its interval. */
  interrupted: boolean;
  /** The row's words: the status, or "monitoring interrupted" when nothing else is known. */
  row: RowState;
}

export type RowState = ComponentStatus | 'monitoring_interrupted';
export type BannerState = ComponentStatus | 'monitoring_interrupted' | 'incident_notice';

export const statusRank: Record<ComponentStatus, number> = {
  operational: 0, under_maintenance: 1, degraded_performance: 2, partial_outage: 3, major_outage: 4,
};

const DOWN = 2;

/** The state the probe has confirmed for a service (a single failed check is not an outage). */
export function probeStatus(monitors: readonly MonitorLatest[]): ComponentStatus {
  let worst: ComponentStatus = 'operational';
  for (const m of monitors) {
    let s: ComponentStatus = 'operational';
    if (m.status === DOWN) s = m.runCount >= m.confirm ? (m.countsForAvailability ? 'major_outage' : 'partial_outage') : 'operational';
    else if (m.status !== 0) s = 'degraded_performance';
    if (statusRank[s] > statusRank[worst]) worst = s;
  }
  return worst;
}

/** Whether a counting monitor has been silent for longer than twice its interval. */
export function monitoringInterrupted(monitors: readonly MonitorLatest[], now: number): boolean {
  return monitors.some((m) => m.countsForAvailability && now - m.lastAt > 2 * m.intervalS * 1000);
}

export function serviceState(input: ServiceStateInputs): ServiceState {
  const interrupted = monitoringInterrupted(input.monitors, input.now);
  let incident: ComponentStatus = 'operational';
  for (const i of input.publishedImpacts) if (statusRank[i] > statusRank[incident]) incident = i;
  // During a planned stop the probe is expected to fail: the stop, not the probe, tells the public.
  const probe = input.inPlannedStop ? 'operational' : probeStatus(input.monitors);
  let status: ComponentStatus = 'operational';
  let cause: StateCause = 'none';
  if (incident !== 'operational' && statusRank[incident] >= statusRank[probe]) {
    status = incident;
    cause = 'incident';
  } else if (probe !== 'operational') {
    status = probe;
    cause = 'probe';
  } else if (input.inPlannedStop) {
    status = 'under_maintenance';
    cause = 'planned_stop';
  }
  const row: RowState = status === 'operational' && interrupted ? 'monitoring_interrupted' : status;
  return { status, cause, interrupted, row };
}

/** A state the probe found on a service that no published incident explains yet. */
export interface DetectedNotice {
  serviceId: number;
  status: Exclude<ComponentStatus, 'operational' | 'under_maintenance'>;
}

export interface PageState {
  overall: ComponentStatus;
  banner: BannerState;
  /** Probe-found states shown in the incident list beside the published incidents. */
  detected: DetectedNotice[];
  /** "No incidents right now" may be said (nothing is wrong and nothing is unknown). */
  quiet: boolean;
}

/** The page's state from its services' states and the count of published open incidents. */
export function pageState(services: ReadonlyArray<{ serviceId: number; state: ServiceState }>, openIncidents: number): PageState {
  let overall: ComponentStatus = 'operational';
  for (const s of services) if (statusRank[s.state.status] > statusRank[overall]) overall = s.state.status;
  const detected: DetectedNotice[] = [];
  for (const s of services) {
    const st = s.state.status;
    if (s.state.cause === 'probe' && st !== 'operational' && st !== 'under_maintenance') detected.push({ serviceId: s.serviceId, status: st });
  }
  const interrupted = services.some((s) => s.state.interrupted);
  let banner: BannerState = overall;
  if (overall === 'operational' && openIncidents > 0) banner = 'incident_notice';
  else if (overall === 'operational' && interrupted) banner = 'monitoring_interrupted';
  const quiet = openIncidents === 0 && detected.length === 0 && !interrupted && (overall === 'operational' || overall === 'under_maintenance');
  return { overall, banner, detected, quiet };
}
