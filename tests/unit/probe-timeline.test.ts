import { describe, it, expect } from 'vitest';
import { Timeline, SLEW_RATE } from '../../src/lib/probe/timeline';

/** A wall clock and a monotonic clock the test moves by hand. */
function clocks(wallStart: number) {
  const c = { wall: wallStart, mono: 0 };
  return { c, tick: (ms: number) => { c.wall += ms; c.mono += ms; }, wall: () => c.wall, mono: () => c.mono };
}

describe('the worker time line', () => {
  it('follows the wall clock while it runs evenly', () => {
    const k = clocks(1_000_000);
    const t = new Timeline(0, k.wall, k.mono);
    k.tick(5000);
    expect(t.now()).toBe(1_005_000);
    expect(t.offsetMs()).toBe(0);
  });

  it('does not jump when the clock steps back an hour: it keeps rising, slewing by at most 10 % until it meets the clock', () => {
    const k = clocks(10_000_000);
    const t = new Timeline(0, k.wall, k.mono);
    let last = t.now();
    k.c.wall -= 3_600_000; // the step
    for (let i = 0; i < 10; i++) {
      k.tick(5000);
      const now = t.now();
      expect(now - last).toBe(5000 * (1 - SLEW_RATE)); // 4.5 s for 5 s: order kept, durations nearly true
      last = now;
    }
    expect(t.offsetMs()).toBeLessThan(-3_500_000);
    k.tick(3_600_000 / SLEW_RATE); // long enough to catch up
    expect(t.now()).toBe(k.c.wall);
  });

  it('slews forward after a step ahead, and never starts below the newest stored check', () => {
    const k = clocks(10_000_000);
    const t = new Timeline(0, k.wall, k.mono);
    t.now();
    k.c.wall += 60_000;
    k.tick(10_000);
    expect(t.now()).toBe(10_000_000 + 11_000);
    const floorTimeline = new Timeline(20_000_000, k.wall, k.mono);
    expect(floorTimeline.now()).toBe(20_000_000);
  });
});
