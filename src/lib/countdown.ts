/**
 * A timer's time left as an operator reads it at a glance: 「残り14分52秒（07:26まで）」, never a
 * bare "14:52" that reads as a clock time. Shared by the server's first render and the admin
 * pages' browser code that ticks it every second, so both say the same thing. No luxon: it
 * runs in the browser too.
 */
import { durationWords } from './duration-words';

export type CountdownLang = 'ja' | 'en';

/** `1時間0分5秒`: the seconds always, as they tick. */
function duration(ms: number, lang: CountdownLang): string {
  return durationWords(Math.floor(Math.abs(ms) / 1000), lang, { units: ['h', 'min', 's'], zeros: 'inner' });
}

/** The deadline's clock time in the zone, with its date when it is not today there. */
function clock(deadline: number, now: number, lang: CountdownLang, zone: string): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(deadline);
  if (day.format(deadline) === day.format(now)) return time;
  const [, mo, d] = day.format(deadline).split('-');
  return lang === 'en' ? `${mo}/${d} ${time}` : `${Number(mo)}/${Number(d)} ${time}`;
}

export function countdownText(deadline: number, now: number, lang: CountdownLang, zone: string): string {
  const left = deadline - now;
  const at = clock(deadline, now, lang, zone);
  if (left >= 0) return lang === 'en' ? `${duration(left, lang)} left (until ${at})` : `残り${duration(left, lang)}（${at}まで）`;
  return lang === 'en' ? `${duration(left, lang)} overdue (due ${at})` : `${duration(left, lang)}超過（期限 ${at}）`;
}
