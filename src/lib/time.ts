import { DateTime } from 'luxon';
import type { Interval } from './intervals';
import { AppError } from './errors';

/**
 * Periods in the configured zone (Asia/Tokyo by default). Instants are stored in UTC; only
 * period boundaries and what people read are in the zone.
 */
export const DEFAULT_ZONE = 'Asia/Tokyo';

export interface Period extends Interval {
  /** `YYYY-MM` for a month, `YYYY-MM-DD` for a day. */
  label: string;
}

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function parseMonth(month: string): { year: number; month: number } {
  const m = MONTH_RE.exec(month);
  if (!m) throw new AppError('VALIDATION', `month must look like YYYY-MM, got "${month}"`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

/** [first day 00:00, first day of next month 00:00) in the zone. */
export function monthPeriod(month: string, zone = DEFAULT_ZONE): Period {
  const { year, month: mm } = parseMonth(month);
  const start = DateTime.fromObject({ year, month: mm, day: 1 }, { zone });
  return { label: month, start: start.toMillis(), end: start.plus({ months: 1 }).toMillis() };
}

/** The month (in the zone) that contains an instant. */
export function monthOf(at: number, zone = DEFAULT_ZONE): string {
  return DateTime.fromMillis(at, { zone }).toFormat('yyyy-LL');
}

export function previousMonth(month: string): string {
  const { year, month: mm } = parseMonth(month);
  return DateTime.fromObject({ year, month: mm, day: 1 }, { zone: 'UTC' }).minus({ months: 1 }).toFormat('yyyy-LL');
}

/**
 * The fiscal year (年度) to date: from the first day of the fiscal year that contains the
 * month, up to the end of that month.
 */
export function fiscalYearToDate(month: string, zone = DEFAULT_ZONE, fiscalStartMonth = 4): Period {
  const { year, month: mm } = parseMonth(month);
  const fyYear = mm >= fiscalStartMonth ? year : year - 1;
  const start = DateTime.fromObject({ year: fyYear, month: fiscalStartMonth, day: 1 }, { zone });
  return { label: `FY${fyYear}`, start: start.toMillis(), end: monthPeriod(month, zone).end };
}

/** The calendar days in the zone that overlap [from, to), each as its own period. */
export function daysBetween(from: number, to: number, zone = DEFAULT_ZONE): Period[] {
  const days: Period[] = [];
  let day = DateTime.fromMillis(from, { zone }).startOf('day');
  while (day.toMillis() < to) {
    const next = day.plus({ days: 1 });
    days.push({ label: day.toFormat('yyyy-LL-dd'), start: day.toMillis(), end: next.toMillis() });
    day = next;
  }
  return days;
}

/** The last `count` days in the zone, ending with the day that contains `now`. */
export function lastDays(count: number, now: number, zone = DEFAULT_ZONE): Period[] {
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  return daysBetween(today.minus({ days: count - 1 }).toMillis(), today.plus({ days: 1 }).toMillis(), zone);
}

/** An instant as people in the zone read it: `2026-10-01 09:00`. */
export function formatInZone(at: number, zone = DEFAULT_ZONE, pattern = 'yyyy-LL-dd HH:mm'): string {
  return DateTime.fromMillis(at, { zone }).toFormat(pattern);
}

const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses ISO 8601 that carries an offset (or Z), strictly: 2026-02-30 or a missing offset is
 * refused (null). Hand-written because it runs for every check of an import.
 */
export function parseInstant(text: string): number | null {
  const m = INSTANT_RE.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] ? Number(m[6]) : 0;
  const millis = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  let offsetMin = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMin * 60_000;
}

export function toIso(at: number): string {
  return new Date(at).toISOString();
}
