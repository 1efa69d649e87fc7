import { type Interval, union, subtract, intersect } from '../intervals';
import { valueAt, type AtInstant } from './availability';

/**
 * Coverage over a monitor's life (SLA.md, Coverage): a monitor is watched from the moment
 * it was added (for imported history, its first check if that is earlier) until it was
 * removed. Time outside its life is not its unmonitored time; time it was paused is
 * unmonitored (labelled as paused); an instant at which no counting monitor of a service
 * was alive is unmonitored for that service. Pure functions; loading is in ./figures.ts.
 */
export interface MonitorLife {
  /** When an admin added it; null for monitors older than the record (their first check counts). */
  addedAt: number | null;
  removedAt: number | null;
  firstCheckAt: number | null;
  /** Pauses, an open one ending at now. */
  pauses: readonly Interval[];
}

/** Stands for "no end yet" in a life that is still going. */
const OPEN_END = Number.MAX_SAFE_INTEGER;

/** The span in which the monitor watched, or null when it never did. */
export function lifeSpan(life: MonitorLife): Interval | null {
  const starts = [life.addedAt, life.firstCheckAt].filter((t): t is number => t !== null);
  if (starts.length === 0) return null;
  const start = Math.min(...starts);
  const end = life.removedAt ?? OPEN_END;
  return end > start ? { start, end } : null;
}

/** The part of `list` inside the monitor's life. */
export function withinLife(list: readonly Interval[], life: MonitorLife): Interval[] {
  const span = lifeSpan(life);
  return span ? intersect(union(list), [span]) : [];
}

/**
 * A monitor's unmonitored time over its life: its gaps in checking and its pauses. At the
 * start of its life and after each pause, the time before its first check is unmonitored
 * only beyond twice its interval (in force then), as a gap between two checks is.
 */
export function unmonitoredInLife(gaps: readonly Interval[], life: MonitorLife, intervalMs: AtInstant): Interval[] {
  const span = lifeSpan(life);
  const starts = [...(span ? [span.start] : []), ...life.pauses.map((p) => p.end)];
  const allowed = starts.map((t) => ({ start: t, end: t + 2 * valueAt(intervalMs, t) }));
  return withinLife(union(subtract(gaps, allowed), life.pauses), life);
}

/** A monitor's paused time over its life. */
export function pausedInLife(life: MonitorLife): Interval[] {
  return withinLife(life.pauses, life);
}

/** When a monitor watched for a service: alive, and counting toward it then (`counting`, when given). */
export function watchedSpans(life: MonitorLife, counting?: readonly Interval[]): Interval[] {
  const span = lifeSpan(life);
  if (!span) return [];
  return counting ? intersect([span], union(counting)) : [span];
}

/** The part of `range` in which no monitor watched the service (`watched`: each monitor's watchedSpans). */
export function unwatched(watched: readonly (readonly Interval[])[], range: Interval): Interval[] {
  return range.end > range.start ? subtract([range], union(...watched)) : [];
}
