import { DateTime } from 'luxon';

/** The latest instant at or before `now` whose local time in `zone` is `time` (HH:MM). */
export function lastSlot(time: string, zone: string, now: number): number {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  let slot = DateTime.fromMillis(now, { zone }).set({ hour, minute, second: 0, millisecond: 0 });
  if (slot.toMillis() > now) slot = slot.minus({ days: 1 }).set({ hour, minute });
  return slot.toMillis();
}

/** A nightly task starts within this many minutes of its time when it has never run before. */
const FIRST_RUN_WINDOW_MS = 10 * 60_000;

/**
 * Whether a nightly task is due: it has not run since its latest slot, and either the slot
 * is just now, or the task ran on an earlier night (so a night missed while the worker was
 * down is caught up as soon as it is back). A new installation waits for the first slot.
 */
export function nightlyDue(time: string, zone: string, now: number, lastRunAt: number | null): boolean {
  const slot = lastSlot(time, zone, now);
  if (lastRunAt !== null && lastRunAt >= slot) return false;
  return now - slot < FIRST_RUN_WINDOW_MS || lastRunAt !== null;
}
