import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/lib/time';
import { windowMet, outsideWindow, defaultWindowRule, isRegular } from '../../src/lib/sla/planned-stops';

const ms = (s: string) => parseInstant(s)!;
const stop = (a: string, b: string) => ({ scheduledStart: ms(a), scheduledEnd: ms(b) });

describe('maintenance window: weekdays 18:00 to 08:00 next day (JST)', () => {
  it('a Tuesday night stop is inside', () => {
    expect(windowMet(stop('2026-10-13T22:00:00+09:00', '2026-10-14T02:00:00+09:00'))).toBe(true);
  });
  it('Friday 18:00 may run to Saturday 08:00, but not later', () => {
    expect(windowMet(stop('2026-10-16T18:00:00+09:00', '2026-10-17T08:00:00+09:00'))).toBe(true);
    expect(outsideWindow(stop('2026-10-16T18:00:00+09:00', '2026-10-17T08:30:00+09:00'))).toEqual([{ start: ms('2026-10-17T08:00:00+09:00'), end: ms('2026-10-17T08:30:00+09:00') }]);
  });
  it('Saturday and Sunday nights are outside; Sunday night into Monday morning too', () => {
    expect(windowMet(stop('2026-10-17T20:00:00+09:00', '2026-10-17T22:00:00+09:00'))).toBe(false);
    expect(windowMet(stop('2026-10-19T02:00:00+09:00', '2026-10-19T04:00:00+09:00'))).toBe(false);
  });
  it('daytime on a weekday is outside', () => {
    expect(windowMet(stop('2026-10-14T07:30:00+09:00', '2026-10-14T09:00:00+09:00'))).toBe(false);
  });
  it('a Japanese public holiday is not a weekday when the calendar is on (Sports Day, Monday 12 October 2026)', () => {
    const s = stop('2026-10-12T19:00:00+09:00', '2026-10-12T20:00:00+09:00');
    expect(windowMet(s)).toBe(false);
    expect(windowMet(s, { ...defaultWindowRule, holidays: false })).toBe(true);
  });
  it('inspection and preventive maintenance are the regular stops', () => {
    expect(['inspection', 'preventive', 'security', 'functional', 'external'].map(isRegular)).toEqual([true, true, false, false, false]);
  });
});
