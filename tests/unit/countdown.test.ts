import { describe, expect, it } from 'vitest';
import { countdownText } from '../../src/lib/countdown';

/** A timer's time left reads as time left, with its deadline's clock time in the site's zone, whatever the server's zone. */
describe('countdown text', () => {
  // 2026-12-05 07:26:00 JST is 2026-12-04 22:26 UTC.
  const deadline = Date.UTC(2026, 11, 4, 22, 26, 0);
  it('says how long is left and until when, never a bare mm:ss', () => {
    expect(countdownText(deadline, deadline - (14 * 60 + 52) * 1000, 'ja', 'Asia/Tokyo')).toBe('残り14分52秒（07:26まで）');
    expect(countdownText(deadline, deadline - (14 * 60 + 52) * 1000, 'en', 'Asia/Tokyo')).toBe('14 min 52 s left (until 07:26)');
    expect(countdownText(deadline, deadline - (3 * 3600 + 5) * 1000, 'ja', 'Asia/Tokyo')).toBe('残り3時間0分5秒（07:26まで）');
    expect(countdownText(deadline, deadline - 42_000, 'ja', 'Asia/Tokyo')).toBe('残り42秒（07:26まで）');
  });
  it('names the date of a deadline on another day, and says when one is overdue', () => {
    expect(countdownText(deadline, deadline - 10 * 3600_000, 'ja', 'Asia/Tokyo')).toBe('残り10時間0分0秒（12/5 07:26まで）');
    expect(countdownText(deadline, deadline + 61_000, 'ja', 'Asia/Tokyo')).toBe('1分1秒超過（期限 07:26）');
    expect(countdownText(deadline, deadline + 61_000, 'en', 'Asia/Tokyo')).toBe('1 min 1 s overdue (due 07:26)');
  });
});
