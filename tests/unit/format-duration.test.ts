import { describe, it, expect } from 'vitest';
import { formatDuration } from '../../src/lib/sla/format';

/** Durations read as people write them: no "0分0秒" tails. */
describe('formatDuration', () => {
  it('leaves out zero parts after a larger one', () => {
    expect(formatDuration(744 * 3_600_000)).toBe('744時間');
    expect(formatDuration(744 * 3_600_000, 'en')).toBe('744 h');
    expect(formatDuration((8 * 3600 + 45 * 60 + 36) * 1000)).toBe('8時間45分36秒');
    expect(formatDuration((2 * 3600 + 5 * 60) * 1000)).toBe('2時間5分');
    expect(formatDuration(2612_000)).toBe('43分32秒');
    expect(formatDuration(30 * 60_000)).toBe('30分');
    expect(formatDuration(0)).toBe('0秒');
    expect(formatDuration(59_999)).toBe('59秒');
    expect(formatDuration(-90_000)).toBe('−1分30秒');
  });
});
