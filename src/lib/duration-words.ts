/**
 * Durations in words, in Japanese (`3時間12分`) and English (`3 h 12 min`): the one place that
 * splits a duration into days, hours, minutes and seconds and names them. Pure and without
 * luxon, as the admin pages' browser code uses it too (countdowns).
 */
export type DurationLang = 'ja' | 'en';
export type DurationUnit = 'd' | 'h' | 'min' | 's';

const UNIT_S: Record<DurationUnit, number> = { d: 86_400, h: 3_600, min: 60, s: 1 };
const NAMES: Record<DurationLang, Record<DurationUnit, string>> = {
  ja: { d: '日', h: '時間', min: '分', s: '秒' },
  en: { d: 'd', h: 'h', min: 'min', s: 's' },
};

export interface DurationStyle {
  /** The units written, largest first; the last is the smallest. */
  units: readonly DurationUnit[];
  /**
   * Which zero parts are written: `none` (only the smallest, and only when all are zero:
   * `2時間`, `0秒`), `smallest` (the smallest always: `1日0分`), or `inner` (all after the
   * first non-zero part, the smallest always: `1時間0分5秒`).
   */
  zeros: 'none' | 'smallest' | 'inner';
}

/** `count` whole smallest units (a non-negative integer) in words. */
export function durationWords(count: number, lang: DurationLang, style: DurationStyle): string {
  const smallest = style.units[style.units.length - 1]!;
  let left = count * UNIT_S[smallest];
  const parts: Array<[DurationUnit, number]> = style.units.map((u) => {
    const n = Math.floor(left / UNIT_S[u]);
    left -= n * UNIT_S[u];
    return [u, n];
  });
  const firstNonZero = parts.findIndex(([, n]) => n > 0);
  const shown = parts.filter(([u, n], i) => {
    if (n > 0) return true;
    if (u === smallest) return style.zeros !== 'none' || firstNonZero === -1;
    return style.zeros === 'inner' && firstNonZero !== -1 && i > firstNonZero;
  });
  return lang === 'ja' ? shown.map(([u, n]) => `${n}${NAMES.ja[u]}`).join('') : shown.map(([u, n]) => `${n} ${NAMES.en[u]}`).join(' ');
}
