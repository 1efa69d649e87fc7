import { DateTime } from 'luxon';
import holidayJp from '@holiday-jp/holiday_jp';
import { type Interval, union, subtract } from '../intervals';

/** The planned-stop rules of SLA.md. */
export interface PlannedStop {
  /** When the client's notice was sent; null while not yet announced. */
  announcedAt: number | null;
  scheduledStart: number;
  scheduledEnd: number;
  actualStart: number | null;
  actualEnd: number | null;
  clientApprovedAt: number | null;
  status: 'scheduled' | 'in_progress' | 'completed' | 'cancelled';
}

export const DEFAULT_NOTICE_DAYS = 14;
const DAY_MS = 86_400_000;

/** The client's notice was sent at least `noticeDays` before its scheduled start (a stop not announced has given none). */
export function noticeMet(stop: Pick<PlannedStop, 'announcedAt' | 'scheduledStart'>, noticeDays = DEFAULT_NOTICE_DAYS): boolean {
  return stop.announcedAt !== null && stop.scheduledStart - stop.announcedAt >= noticeDays * DAY_MS;
}

/** Whole days of notice given (floor), for reports; null while not announced. */
export function noticeDaysGiven(stop: Pick<PlannedStop, 'announcedAt' | 'scheduledStart'>): number | null {
  return stop.announcedAt === null ? null : Math.floor((stop.scheduledStart - stop.announcedAt) / DAY_MS);
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

/** inspection and preventive maintenance are regular stops (定期計画停止); the rest are ad hoc (臨時). */
export const regularCategories = ['inspection', 'preventive'] as const;

export function isRegular(category: string): boolean {
  return (regularCategories as readonly string[]).includes(category);
}

export interface WindowRule {
  zone: string;
  /** Hour (0–23) the window opens on a weekday, 18 by default. */
  fromHour: number;
  /** Hour (0–23) it closes the next morning, 8 by default. */
  untilHour: number;
  /** Japanese public holidays are not weekdays (@holiday-jp/holiday_jp). */
  holidays: boolean;
}

export const defaultWindowRule: WindowRule = { zone: 'Asia/Tokyo', fromHour: 18, untilHour: 8, holidays: true };

/** Whether a calendar day (`YYYY-MM-DD` in the zone) is a weekday under the rule. */
export function isWeekday(day: DateTime, rule: WindowRule): boolean {
  if (day.weekday > 5) return false;
  return !(rule.holidays && isJapaneseHoliday(day.toFormat('yyyy-LL-dd')));
}

export function isJapaneseHoliday(isoDay: string): boolean {
  return Object.prototype.hasOwnProperty.call(holidayJp.holidays, isoDay);
}

/**
 * The allowed maintenance windows that overlap [from, to): each weekday's fromHour to the
 * next day's untilHour (so Friday 18:00 runs to Saturday 08:00), in the rule's zone.
 */
export function allowedWindows(from: number, to: number, rule: WindowRule = defaultWindowRule): Interval[] {
  const out: Interval[] = [];
  let day = DateTime.fromMillis(from, { zone: rule.zone }).startOf('day').minus({ days: 1 });
  const last = DateTime.fromMillis(to, { zone: rule.zone }).startOf('day');
  while (day <= last) {
    if (isWeekday(day, rule)) {
      const start = day.set({ hour: rule.fromHour }).toMillis();
      const end = day.plus({ days: rule.untilHour <= rule.fromHour ? 1 : 0 }).set({ hour: rule.untilHour }).toMillis();
      if (end > from && start < to) out.push({ start, end });
    }
    day = day.plus({ days: 1 });
  }
  return union(out);
}

/** The part of a stop's scheduled window outside the allowed windows (empty when the rule holds). */
export function outsideWindow(stop: Pick<PlannedStop, 'scheduledStart' | 'scheduledEnd'>, rule: WindowRule = defaultWindowRule): Interval[] {
  const scheduled = [{ start: stop.scheduledStart, end: stop.scheduledEnd }];
  return subtract(scheduled, allowedWindows(stop.scheduledStart, stop.scheduledEnd, rule));
}

/** Every minute of the scheduled window lies inside the allowed windows. */
export function windowMet(stop: Pick<PlannedStop, 'scheduledStart' | 'scheduledEnd'>, rule: WindowRule = defaultWindowRule): boolean {
  return outsideWindow(stop, rule).length === 0;
}

/** How far the actual window ran past the scheduled end (0 when it did not, or has not ended). */
export function overrunMs(stop: PlannedStop, now: number): number {
  if (stop.actualStart === null) return 0;
  const end = stop.actualEnd ?? Math.max(now, stop.actualStart);
  return Math.max(0, end - stop.scheduledEnd);
}

/** How much earlier than scheduled the stop actually began. */
export function earlyStartMs(stop: PlannedStop): number {
  return stop.actualStart === null ? 0 : Math.max(0, stop.scheduledStart - stop.actualStart);
}
