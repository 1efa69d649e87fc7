import { type Interval, union, subtract, clip, totalMs, intersect } from '../intervals';
import { DOWN } from '../checks/status';

/**
 * The availability rules of SLA.md, as pure functions over intervals. Loading from the
 * database is elsewhere (./figures.ts); everything that shows an availability calls these.
 */

/** Consecutive checks of one status (see the check_runs table). */
export interface CheckRun {
  firstAt: number;
  lastAt: number;
  status: number;
  count: number;
}

/**
 * Outages of one monitor: a down run of at least `confirm` checks is down from its first
 * check until the first check of the next (non-down) run; with none yet, until `now`.
 * Runs must be sorted by firstAt. Runs alternate status, so a down run is never followed by
 * another down run: the state holds across gaps in the data.
 */
export function monitorOutages(runs: readonly CheckRun[], confirm: number, now: number): Interval[] {
  const out: Interval[] = [];
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    if (run.status !== DOWN || run.count < confirm) continue;
    const next = runs[i + 1];
    out.push({ start: run.firstAt, end: next ? next.firstAt : Math.max(now, run.lastAt) });
  }
  return out;
}

/**
 * Unmonitored time of one monitor: the stored gaps (no check for longer than twice the
 * interval), the time before its first check, and the time since its last check once that
 * is older than twice the interval.
 */
export function monitorUnmonitored(
  gaps: readonly Interval[],
  firstCheckAt: number | null,
  lastCheckAt: number | null,
  intervalMs: number,
  now: number,
): Interval[] {
  if (firstCheckAt === null || lastCheckAt === null) return [{ start: 0, end: now }];
  const list: Interval[] = [...gaps, { start: 0, end: firstCheckAt }];
  const staleFrom = lastCheckAt + 2 * intervalMs;
  if (staleFrom < now) list.push({ start: staleFrom, end: now });
  return union(list);
}

export interface AvailabilityInputs {
  /** Outages of each counting monitor, false positives already removed. */
  monitorOutages: readonly Interval[][];
  /** Unmonitored time of each counting monitor. */
  monitorUnmonitored: readonly Interval[][];
  /** Incidents that mark the service major_outage. */
  incidentOutages: readonly Interval[];
  /** Planned stops that qualify for exclusion (their part inside the scheduled window). */
  plannedExclusions: readonly Interval[];
  /** Force-majeure incidents affecting the service. */
  forceMajeure: readonly Interval[];
}

export interface Availability {
  periodMs: number;
  excludedMs: number;
  plannedExcludedMs: number;
  forceMajeureMs: number;
  downtimeMs: number;
  unmonitoredMs: number;
  /** (|P| − |E| − |D|) / (|P| − |E|), or null when |P| − |E| is 0. */
  ratio: number | null;
  /** Truncated to three decimals, never rounded up; "–" when undefined. */
  pct: string;
  met: boolean | null;
  /** Downtime still allowed in the period before the target is missed (negative once missed). */
  allowedLeftMs: number | null;
  /** Downtime intervals, after exclusion, clipped to the period and to now. */
  downtime: Interval[];
  excluded: Interval[];
  unmonitored: Interval[];
}

/** Target percent as parts per million (99.9 → 999000), so comparisons are exact integers. */
export function targetPpm(targetPct: number): bigint {
  return BigInt(Math.round(targetPct * 10_000));
}

/** A ratio num/den as a percentage with three decimals, truncated: 99.89996 % → "99.899". */
export function truncatedPct(num: number, den: number): string {
  if (den <= 0) return '–';
  const milli = (BigInt(Math.round(num)) * 100_000n) / BigInt(Math.round(den));
  const whole = milli / 1000n;
  const frac = (milli % 1000n).toString().padStart(3, '0');
  return `${whole}.${frac}`;
}

export function computeAvailability(period: Interval, now: number, targetPct: number, inputs: AvailabilityInputs): Availability {
  const observed: Interval = { start: period.start, end: Math.min(period.end, Math.max(now, period.start)) };
  const planned = clip(union(inputs.plannedExclusions), period);
  const forceMajeure = clip(union(inputs.forceMajeure), period);
  const excluded = union(planned, forceMajeure);
  const outages = union(...inputs.monitorOutages, inputs.incidentOutages);
  const downtime = subtract(clip(outages, observed), excluded);
  const monitoredSpan = subtract([observed], excluded);
  const unmonitored = intersect(union(...inputs.monitorUnmonitored), monitoredSpan);

  const periodMs = period.end - period.start;
  const excludedMs = totalMs(excluded);
  const downtimeMs = totalMs(downtime);
  const serviceMs = periodMs - excludedMs;
  const ratio = serviceMs > 0 ? (serviceMs - downtimeMs) / serviceMs : null;
  const ppm = targetPpm(targetPct);
  const met = serviceMs > 0 ? BigInt(serviceMs - downtimeMs) * 1_000_000n >= ppm * BigInt(serviceMs) : null;
  const allowedLeftMs = serviceMs > 0 ? Math.floor((serviceMs * Number(1_000_000n - ppm)) / 1_000_000) - downtimeMs : null;
  return {
    periodMs,
    excludedMs,
    plannedExcludedMs: totalMs(planned),
    forceMajeureMs: totalMs(forceMajeure),
    downtimeMs,
    unmonitoredMs: totalMs(unmonitored),
    ratio,
    pct: truncatedPct(serviceMs - downtimeMs, serviceMs),
    met,
    allowedLeftMs,
    downtime,
    excluded,
    unmonitored,
  };
}
