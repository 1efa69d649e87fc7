import { describe, it, expect } from 'vitest';
import { durationWords } from '../../src/lib/duration-words';
import { formatDuration as slaDuration } from '../../src/lib/sla/format';
import { formatDuration as adminDuration, } from '../../src/lib/i18n-admin';
import { durationText } from '../../src/lib/i18n';
import { countdownText } from '../../src/lib/countdown';
import { hoursText } from '../../src/lib/support/rows';

const H = 3_600_000;
const MIN = 60_000;

/** One module writes durations; each place keeps its own way of showing zero parts. */
describe('durations in words', () => {
  it('leaves out zero parts (figures), keeps the smallest (admin), or keeps the inner ones (countdowns)', () => {
    const hms = ['h', 'min', 's'] as const;
    expect(durationWords(2 * 3600, 'ja', { units: hms, zeros: 'none' })).toBe('2時間');
    expect(durationWords(0, 'en', { units: hms, zeros: 'none' })).toBe('0 s');
    expect(durationWords(3605, 'ja', { units: hms, zeros: 'inner' })).toBe('1時間0分5秒');
    expect(durationWords(5, 'en', { units: hms, zeros: 'inner' })).toBe('5 s');
    expect(durationWords(1440, 'ja', { units: ['d', 'h', 'min'], zeros: 'smallest' })).toBe('1日0分');
    expect(durationWords(1440 + 61, 'en', { units: ['d', 'h', 'min'], zeros: 'smallest' })).toBe('1 d 1 h 1 min');
  });

  it('reads as before in each place that writes one', () => {
    expect(slaDuration(-90_000)).toBe('−1分30秒');
    expect(slaDuration(744 * H, 'en')).toBe('744 h');
    expect(adminDuration(26 * H + 5 * MIN, 'ja')).toBe('1日2時間5分');
    expect(adminDuration(-(2 * MIN), 'en')).toBe('2 min');
    expect(adminDuration(24 * H, 'en')).toBe('1 d 0 min');
    expect(durationText(2 * H + 29_999, 'ja')).toBe('2時間');
    expect(durationText(2 * H + 5 * MIN, 'en')).toBe('2 h 5 min');
    expect(durationText(-5, 'ja')).toBe('0分');
    expect(hoursText(330)).toEqual({ ja: '5時間30分', en: '5 h 30 min' });
    expect(hoursText(0)).toEqual({ ja: '0分', en: '0 min' });
    const now = Date.UTC(2026, 0, 5, 3, 0, 0);
    expect(countdownText(now + H + 5000, now, 'ja', 'Asia/Tokyo')).toBe('残り1時間0分5秒（13:00まで）');
    expect(countdownText(now + 65_000, now, 'en', 'Asia/Tokyo')).toBe('1 min 5 s left (until 12:01)');
  });
});
