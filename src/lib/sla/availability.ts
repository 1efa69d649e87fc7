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

/** A setting as it was at an instant (a monitor's settings have a life), or one value throughout. */
export type AtInstant = number | ((at: number) => number);

export function valueAt(setting: AtInstant, at: number): number {
  return typeof setting === 'number' ? setting : setting(at);
}

/**
 * Outages of one monitor: a down run of at least `confirm` checks is down from its first
 * check until the first check of the next (non-down) run; with none yet, until `now`.
 * A run is judged by the `confirm` in force at its first check. Runs must be sorted by
 * firstAt. Runs alternate status, so a down run is never followed by another down run: the
 * state holds across gaps in the data.
 */
export function monitorOutages(runs: readonly CheckRun[], confirm: AtInstant, now: number): Interval[] {
  const out: Interval[] = [];
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    if (run.status !== DOWN || run.count < valueAt(confirm, run.firstAt)) continue;
    const next = runs[i + 1];
    out.push({ start: run.firstAt, end: next ? next.firstAt : Math.max(now, run.lastAt) });
  }
  return out;
}

/**
 * Unmonitored time of one monitor: the stored gaps (no check for longer than twice the
 * interval), the time before its first check, and the time since its last check once that
 * is older than twice the interval (in force at that check).
 */
export function monitorUnmonitored(
  gaps: readonly Interval[],
  firstCheckAt: number | null,
  lastCheckAt: number | null,
  intervalMs: AtInstant,
  now: number,
): Interval[] {
  if (firstCheckAt === null || lastCheckAt === null) return [{ start: 0, end: now }];
  const list: Interval[] = [...gaps, { start: 0, end: firstCheckAt }];
  const staleFrom = lastCheckAt + 2 * valueAt(intervalMs, lastCheckAt);
  if (staleFrom < now) list.push({ start: staleFrom, end: now });
  return union(list);
}

export interface AvailabilityInputs {
  /** Outages of each counting monitor, false positives already removed. */
  monitorOutages: readonly Interval[][];
  /** Unmonitored time of each counting monitor (within its life), and when none was alive. */
  monitorUnmonitored: readonly Interval[][];
  /** The part of it each monitor was paused by an admin (shown as paused). */
  monitorPaused?: readonly Interval[][];
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
  /** The part of the unmonitored time in which a monitor was paused by an admin. */
  pausedMs: number;
  /** (|P| − |E| − |D|) / (|P| − |E|), or null when |P| − |E| is 0. */
  ratio: number | null;
  /** Truncated to three decimals, never rounded up; "–" when undefined. */
  pct: string;
  /**
   * Whether the target is met. A period still running is judged as far as it can be
   * (SLA.md): false only once the whole period's allowance is spent, otherwise null
   * with `onTrack` (見込み); an ended period is judged as is.
   */
  met: boolean | null;
  onTrack: boolean;
  /** Downtime still allowed in the period before the target is missed (negative once missed). */
  allowedLeftMs: number | null;
  /** Downtime intervals, after exclusion, clipped to the period and to now. */
  downtime: Interval[];
  excluded: Interval[];
  unmonitored: Interval[];
}

/**
 * A percentage as written, as an exact fraction `num / den` (99.99995 → 9999995 / 10^7):
 * targets are judged on the decimal the admin wrote, never on a rounded copy (SLA.md).
 * The shortest decimal that reads back as the same double is what was written.
 */
export function exactFraction(pct: number): { num: bigint; den: bigint } {
  if (!Number.isFinite(pct)) throw new RangeError(`not a finite percentage: ${pct}`);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(String(pct));
  if (!m) throw new RangeError(`unreadable percentage: ${pct}`);
  const [, sign, whole, frac = '', exp = '0'] = m;
  let digits = BigInt(`${whole}${frac}`);
  let scale = frac.length - Number(exp) + 2; // + 2: percent to ratio
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { num: sign === '-' ? -digits : digits, den: 10n ** BigInt(scale) };
}

/** Whether part / whole (integers, whole > 0) reaches the percentage as written, exactly. */
export function meetsPercent(part: number, whole: number, pct: number): boolean {
  const { num, den } = exactFraction(pct);
  return BigInt(Math.round(part)) * den >= num * BigInt(Math.round(whole));
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
  // SLA.md "Now": nothing that has not happened yet is counted. A period still running is
  // measured up to now (a stop in progress excludes only its part so far).
  const observed: Interval = { start: period.start, end: Math.min(period.end, Math.max(now, period.start)) };
  const planned = clip(union(inputs.plannedExclusions), observed);
  const forceMajeure = clip(union(inputs.forceMajeure), observed);
  const excluded = union(planned, forceMajeure);
  const outages = union(...inputs.monitorOutages, inputs.incidentOutages);
  const downtime = subtract(clip(outages, observed), excluded);
  const monitoredSpan = subtract([observed], excluded);
  const unmonitored = intersect(union(...inputs.monitorUnmonitored), monitoredSpan);
  const paused = intersect(union(...(inputs.monitorPaused ?? [])), unmonitored);

  const periodMs = observed.end - observed.start;
  const excludedMs = totalMs(excluded);
  const downtimeMs = totalMs(downtime);
  const serviceMs = periodMs - excludedMs;
  const ratio = serviceMs > 0 ? (serviceMs - downtimeMs) / serviceMs : null;
  // What may still be down before the target is missed, over the whole period (the hours
  // still ahead included, as they will be once they have passed).
  const target = exactFraction(targetPct);
  const wholeServiceMs = period.end - period.start - excludedMs;
  const allowedLeftMs = serviceMs > 0 ? Number((BigInt(wholeServiceMs) * (target.den - target.num)) / target.den) - downtimeMs : null;
  const running = now < period.end;
  const met = serviceMs <= 0 ? null
    : running ? (allowedLeftMs! < 0 ? false : null)
    : meetsPercent(serviceMs - downtimeMs, serviceMs, targetPct);
  const onTrack = running && serviceMs > 0 && met === null;
  return {
    periodMs,
    excludedMs,
    plannedExcludedMs: totalMs(planned),
    forceMajeureMs: totalMs(forceMajeure),
    downtimeMs,
    unmonitoredMs: totalMs(unmonitored),
    pausedMs: totalMs(paused),
    ratio,
    pct: truncatedPct(serviceMs - downtimeMs, serviceMs),
    met,
    onTrack,
    allowedLeftMs,
    downtime,
    excluded,
    unmonitored,
  };
}
