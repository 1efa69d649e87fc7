import { DateTime } from 'luxon';
import { durationWords } from '../duration-words';

/** How figures are written for people, in Japanese and English. Durations are whole seconds, truncated. */
export function wholeSeconds(ms: number): number {
  return Math.trunc(ms / 1000);
}

/**
 * 2612 s → `43分32秒` / `43 min 32 s`; hours when there are any: `8時間45分36秒`. Zero parts
 * after a larger one are left out: a 31-day month is `744時間`, not `744時間0分0秒`.
 */
export function formatDuration(ms: number, lang: 'ja' | 'en' = 'ja'): string {
  return (ms < 0 ? '−' : '') + durationWords(wholeSeconds(Math.abs(ms)), lang, { units: ['h', 'min', 's'], zeros: 'none' });
}

/** Minutes with one decimal, truncated: for the daily calendar. */
export function formatMinutes(ms: number): string {
  const tenths = Math.trunc(ms / 6000);
  return `${Math.trunc(tenths / 10)}.${Math.abs(tenths % 10)}`;
}

export function formatInstant(at: number | null, zone: string, pattern = 'yyyy-LL-dd HH:mm'): string {
  return at === null ? '–' : DateTime.fromMillis(at, { zone }).toFormat(pattern);
}

/** A percentage given as a ratio, three decimals truncated: 0.9999 → `99.990`. */
export function pctOf(ratio: number | null): string {
  if (ratio === null) return '–';
  const milli = Math.trunc(Math.round(ratio * 1e9) / 10_000);
  return `${Math.trunc(milli / 1000)}.${String(milli % 1000).padStart(3, '0')}`;
}

/** Hours with up to two decimals, for limits such as `12 h` or `0.25 h`. */
export function formatHours(h: number): string {
  return Number.isInteger(h) ? String(h) : String(Math.round(h * 100) / 100);
}
