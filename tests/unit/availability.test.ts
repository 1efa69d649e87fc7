import { describe, expect, it } from 'vitest';
import { computeAvailability, monitorOutages, monitorUnmonitored, truncatedPct, type CheckRun } from '../../src/lib/sla/availability';
import { excludedInterval, type PlannedStop } from '../../src/lib/sla/planned-stops';
import { monthPeriod } from '../../src/lib/time';

const MIN = 60_000;
const UP = 0;
const DOWN = 2;
const run = (firstAt: number, lastAt: number, status: number, count: number): CheckRun => ({ firstAt, lastAt, status, count });
const none = { incidentOutages: [], plannedExclusions: [], forceMajeure: [] };

describe('monitor outages (confirmation)', () => {
  it('a single failed check is not an outage when two are needed', () => {
    const runs = [run(0, 10 * MIN, UP, 11), run(11 * MIN, 11 * MIN, DOWN, 1), run(12 * MIN, 20 * MIN, UP, 9)];
    expect(monitorOutages(runs, 2, 30 * MIN)).toEqual([]);
  });

  it('two failed checks are down from the first failure to the first success after', () => {
    const runs = [run(0, 10 * MIN, UP, 11), run(11 * MIN, 12 * MIN, DOWN, 2), run(13 * MIN, 20 * MIN, UP, 8)];
    expect(monitorOutages(runs, 2, 30 * MIN)).toEqual([{ start: 11 * MIN, end: 13 * MIN }]);
  });

  it('the state holds across a gap: the outage ends only at an observed success', () => {
    const runs = [run(0, 10 * MIN, UP, 11), run(11 * MIN, 12 * MIN, DOWN, 2), run(60 * MIN, 70 * MIN, UP, 11)];
    expect(monitorOutages(runs, 2, 80 * MIN)).toEqual([{ start: 11 * MIN, end: 60 * MIN }]);
  });

  it('an outage still open runs to now', () => {
    const runs = [run(0, 10 * MIN, UP, 11), run(11 * MIN, 15 * MIN, DOWN, 5)];
    expect(monitorOutages(runs, 2, 20 * MIN)).toEqual([{ start: 11 * MIN, end: 20 * MIN }]);
  });

  it('a degraded check counts as up', () => {
    const runs = [run(0, 1 * MIN, DOWN, 2), run(2 * MIN, 5 * MIN, 1, 4)];
    expect(monitorOutages(runs, 2, 10 * MIN)).toEqual([{ start: 0, end: 2 * MIN }]);
  });
});

describe('unmonitored time', () => {
  it('counts the time before the first check and after the last check goes stale', () => {
    expect(monitorUnmonitored([], 10 * MIN, 20 * MIN, MIN, 30 * MIN)).toEqual([{ start: 0, end: 10 * MIN }, { start: 22 * MIN, end: 30 * MIN }]);
  });

  it('a monitor that never checked is unmonitored throughout', () => {
    expect(monitorUnmonitored([], null, null, MIN, 30 * MIN)).toEqual([{ start: 0, end: 30 * MIN }]);
  });
});

describe('availability across the JST month edge', () => {
  const october = monthPeriod('2026-10');
  const november = monthPeriod('2026-11');
  // Down from 23:50 JST on 31 October to 00:20 JST on 1 November.
  const outage = { start: october.end - 10 * MIN, end: october.end + 20 * MIN };
  const now = november.end + MIN;
  const inputs = { ...none, monitorOutages: [[outage]], monitorUnmonitored: [[]] };

  it('splits the downtime at midnight JST, in exact seconds', () => {
    expect(computeAvailability(october, now, 99.9, inputs).downtimeMs / 1000).toBe(600);
    expect(computeAvailability(november, now, 99.9, inputs).downtimeMs / 1000).toBe(1200);
  });

  it('shows the percentage truncated, never rounded up', () => {
    const a = computeAvailability(october, now, 99.9, inputs);
    expect(a.periodMs / 1000).toBe(2_678_400);
    expect(a.ratio).toBeCloseTo((2_678_400 - 600) / 2_678_400, 12);
    expect(a.pct).toBe('99.977');
    expect(a.met).toBe(true);
  });

  it('judges the target on the exact ratio: 43 min 12 s in 30 days is exactly 99.9 %', () => {
    const month = november;
    const exact = computeAvailability(month, now, 99.9, { ...none, monitorOutages: [[{ start: month.start, end: month.start + 2592_000 }]], monitorUnmonitored: [[]] });
    expect(exact.pct).toBe('99.900');
    expect(exact.met).toBe(true);
    expect(exact.allowedLeftMs).toBe(0);
    const over = computeAvailability(month, now, 99.9, { ...none, monitorOutages: [[{ start: month.start, end: month.start + 2592_001 }]], monitorUnmonitored: [[]] });
    expect(over.pct).toBe('99.899');
    expect(over.met).toBe(false);
  });

  it('excluded time leaves the denominator, and downtime inside it does not count', () => {
    const stop = { start: october.start + 60 * MIN, end: october.start + 180 * MIN };
    const a = computeAvailability(october, now, 99.9, {
      ...none,
      monitorOutages: [[{ start: october.start + 90 * MIN, end: october.start + 200 * MIN }]],
      monitorUnmonitored: [[]],
      plannedExclusions: [stop],
    });
    expect(a.excludedMs / 1000).toBe(7200);
    expect(a.downtimeMs / 1000).toBe(20 * 60);
  });

  it('is undefined when the whole period is excluded', () => {
    const a = computeAvailability(october, now, 99.9, { ...none, monitorOutages: [[]], monitorUnmonitored: [[]], forceMajeure: [october] });
    expect(a.ratio).toBeNull();
    expect(a.pct).toBe('–');
    expect(a.met).toBeNull();
  });

  it('two monitors down at overlapping times count the union once', () => {
    const a = computeAvailability(october, now, 99.9, {
      ...none,
      monitorOutages: [[{ start: october.start, end: october.start + 10 * MIN }], [{ start: october.start + 5 * MIN, end: october.start + 15 * MIN }]],
      monitorUnmonitored: [[], []],
    });
    expect(a.downtimeMs / 1000).toBe(900);
  });
});

describe('truncatedPct', () => {
  it('truncates 99.89996 % to 99.899', () => {
    expect(truncatedPct(9_989_996, 10_000_000)).toBe('99.899');
    expect(truncatedPct(1, 1)).toBe('100.000');
  });
});

describe('planned stops', () => {
  const DAY = 86_400_000;
  const base: PlannedStop = {
    announcedAt: 0, scheduledStart: 20 * DAY, scheduledEnd: 20 * DAY + 120 * MIN,
    actualStart: 20 * DAY + 10 * MIN, actualEnd: 20 * DAY + 150 * MIN, clientApprovedAt: null, status: 'completed',
  };

  it('excludes the actual window inside the scheduled one, not the overrun', () => {
    expect(excludedInterval(base, 30 * DAY)).toEqual({ start: 20 * DAY + 10 * MIN, end: 20 * DAY + 120 * MIN });
  });

  it('a stop announced late excludes nothing unless the client approved it', () => {
    const late = { ...base, announcedAt: 10 * DAY };
    expect(excludedInterval(late, 30 * DAY)).toBeNull();
    expect(excludedInterval({ ...late, clientApprovedAt: 11 * DAY }, 30 * DAY)).not.toBeNull();
  });

  it('a cancelled stop excludes nothing; a future one nothing yet', () => {
    expect(excludedInterval({ ...base, status: 'cancelled' }, 30 * DAY)).toBeNull();
    expect(excludedInterval({ ...base, actualStart: null, actualEnd: null, status: 'scheduled' }, 19 * DAY)).toBeNull();
    expect(excludedInterval({ ...base, actualStart: null, actualEnd: null, status: 'scheduled' }, 21 * DAY)).toEqual({ start: 20 * DAY, end: 20 * DAY + 120 * MIN });
  });
});

describe('a running month is judged as far as it can be (SLA.md)', () => {
  // December 2026 (31 days) at 99.9 %: the whole month allows 44 min 38.4 s of downtime.
  const december = monthPeriod('2026-12', 'Asia/Tokyo');
  const down = (minutes: number) => ({ ...none, monitorOutages: [[{ start: december.start + 60 * MIN, end: december.start + 60 * MIN + minutes * MIN }]], monitorUnmonitored: [[]] });
  const fourDaysIn = december.start + 4 * 24 * 60 * MIN;

  it('is on track (見込み), not missed, while allowance is left, though the ratio so far is below the target', () => {
    const a = computeAvailability(december, fourDaysIn, 99.9, down(20));
    expect(Number(a.pct)).toBeLessThan(99.9); // 20 min of 4 days is 99.652 %
    expect(a.allowedLeftMs).toBeGreaterThan(0);
    expect(a).toMatchObject({ met: null, onTrack: true });
  });

  it('is missed once the downtime so far exceeds the whole month\'s allowance', () => {
    expect(computeAvailability(december, fourDaysIn, 99.9, down(45))).toMatchObject({ met: false, onTrack: false });
  });

  it('once ended, is judged as is', () => {
    const after = december.end + MIN;
    expect(computeAvailability(december, after, 99.9, down(20))).toMatchObject({ met: true, onTrack: false });
    expect(computeAvailability(december, after, 99.9, down(45))).toMatchObject({ met: false, onTrack: false });
  });
});
