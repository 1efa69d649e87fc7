import type { Interval } from '../intervals';

/** The planned-stop rules of SLA.md. */
export interface PlannedStop {
  announcedAt: number;
  scheduledStart: number;
  scheduledEnd: number;
  actualStart: number | null;
  actualEnd: number | null;
  clientApprovedAt: number | null;
  status: 'scheduled' | 'in_progress' | 'completed' | 'cancelled';
}

export const DEFAULT_NOTICE_DAYS = 14;
const DAY_MS = 86_400_000;

/** Announced at least `noticeDays` before its scheduled start. */
export function noticeMet(stop: PlannedStop, noticeDays = DEFAULT_NOTICE_DAYS): boolean {
  return stop.scheduledStart - stop.announcedAt >= noticeDays * DAY_MS;
}

/** Whole days of notice given (floor), for reports. */
export function noticeDaysGiven(stop: PlannedStop): number {
  return Math.floor((stop.scheduledStart - stop.announcedAt) / DAY_MS);
}

/**
 * The time a stop removes from the service time: the part of its actual window inside its
 * scheduled window, if the notice rule holds or the client approved it. A stop not yet
 * started on record excludes its scheduled window once that has begun.
 */
export function excludedInterval(stop: PlannedStop, now: number, noticeDays = DEFAULT_NOTICE_DAYS): Interval | null {
  if (stop.status === 'cancelled') return null;
  if (!noticeMet(stop, noticeDays) && stop.clientApprovedAt === null) return null;
  let start: number;
  let end: number;
  if (stop.actualStart !== null) {
    start = Math.max(stop.actualStart, stop.scheduledStart);
    end = Math.min(stop.actualEnd ?? Math.max(now, stop.actualStart), stop.scheduledEnd);
  } else {
    const begun = now >= stop.scheduledStart || stop.status === 'in_progress' || stop.status === 'completed';
    if (!begun) return null;
    start = stop.scheduledStart;
    end = stop.scheduledEnd;
  }
  return end > start ? { start, end } : null;
}
