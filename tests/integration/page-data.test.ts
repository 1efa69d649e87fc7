import { describe, it, expect, afterAll } from 'vitest';
import { tempDb } from '../helpers/temp';
import { importInterchange } from '../../src/lib/interchange/import';
import { CheckStore } from '../../src/lib/checks/store';
import { parseConfig } from '../../src/lib/config';
import { lastDays } from '../../src/lib/time';
import { listServices, loadServiceInputs, availabilityFor } from '../../src/lib/sla/figures';
import { markFalsePositive } from '../../src/lib/incidents/verbs';
import { systemActor } from '../../src/lib/audit';
import { statusSummary, clearSummaryMemo } from '../../src/lib/status/summary';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { LocationCheckStore } from '../../src/lib/agents/store';
import { recordSettings } from '../../src/lib/monitors/history';

/**
 * The 90-day bars keep finished days between rebuilds; they must always equal what the SLA
 * module gives for the day from the whole range's inputs, and follow a change of a past day.
 */
const MIN = 60_000;
const DAY = 86_400_000;

describe('the status summary of 90 days', () => {
  const t = tempDb();
  afterAll(() => t.close());
  const config = parseConfig({});
  const now = Date.now();

  importInterchange(t.db, {
    version: 1,
    services: [{ slug: 'lms', name: { ja: 'eラーニング', en: 'E-learning' }, sla_target_pct: 99.9 }],
    monitors: [
      { slug: 'a', service: 'lms', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 600, confirm: 2, counts_for_availability: true, paused: true },
      { slug: 'b', service: 'lms', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 600, confirm: 2, counts_for_availability: true, paused: true },
    ],
    incidents: [{
      key: 'fm', kind: 'failure', severity: 'major', title: { ja: '停電', en: 'Power cut' }, services: [{ service: 'lms', impact: 'major_outage' }],
      started_at: new Date(now - 8 * DAY).toISOString(), recovered_at: new Date(now - 8 * DAY + 3 * 3_600_000).toISOString(), force_majeure: true,
    }],
    maintenances: [{
      key: 'stop', category: 'inspection', title: { ja: '点検', en: 'Inspection' }, services: ['lms'], announced_at: new Date(now - 40 * DAY).toISOString(),
      scheduled_start: new Date(now - 5 * DAY).toISOString(), scheduled_end: new Date(now - 5 * DAY + 2 * 3_600_000).toISOString(), status: 'completed',
      actual_start: new Date(now - 5 * DAY).toISOString(), actual_end: new Date(now - 5 * DAY + 3_600_000).toISOString(),
    }],
  });
  const [a, b] = t.db.$client.prepare('SELECT id FROM monitors ORDER BY id').pluck().all() as number[];
  const store = new CheckStore(t.db);
  const outageAt = Math.floor((now - 3 * DAY) / (10 * MIN)) * 10 * MIN;
  for (let at = Math.floor((now - 12 * DAY) / (10 * MIN)) * 10 * MIN; at < now; at += 10 * MIN) {
    const down = at >= outageAt && at < outageAt + 50 * MIN;
    const gap = at >= now - 10 * DAY && at < now - 10 * DAY + 6 * 3_600_000; // no data for six hours
    if (!gap) store.record([{ monitorId: a!, at, status: down ? 'down' : 'up', latencyMs: down ? null : 120, error: down ? 'refused' : null }]);
    store.record([{ monitorId: b!, at, status: 'up', latencyMs: 130, error: null }]);
  }

  /** What the SLA module says of each of the 90 days, straight from the whole range's inputs. */
  const expected = (at: number) => {
    const ctx = { db: t.db, config, now: at };
    const days = lastDays(90, at, config.zone);
    const service = listServices(t.db)[0]!;
    const inputs = loadServiceInputs(ctx, service.id, { start: days[0]!.start, end: days[89]!.end });
    return days.map((day) => {
      const f = availabilityFor(ctx, service.slaTargetPct, { start: day.start, end: Math.min(day.end, Math.max(at, day.start + 1)) }, inputs);
      return { downtimeMs: f.downtimeMs, excludedMs: f.excludedMs, pct: f.pct, outages: f.downtime };
    });
  };
  const shown = (at: number) => statusSummary({ db: t.db, config, now: at }).services[0]!.days.map((d) => ({ downtimeMs: d.downtimeMs, excludedMs: d.excludedMs, pct: d.pct, outages: d.outages, noData: d.noData }));

  it('gives every day the SLA module figures, on a first build and on the next ones', () => {
    clearSummaryMemo();
    const want = expected(now);
    for (const at of [now, now + 1000, now + 2000]) {
      const got = shown(at);
      // A day without monitoring data shows "–" instead of a percentage.
      expect(got.map(({ noData: _, ...d }) => d)).toEqual(want.map((d, i) => ({ ...d, pct: got[i]!.noData ? '–' : d.pct })));
    }
    const got = shown(now);
    expect(got.reduce((sum, d) => sum + d.downtimeMs, 0)).toBe(50 * MIN); // from the first failed check to the next good one
    expect(got.some((d) => d.excludedMs > 0)).toBe(true); // the planned stop and the force majeure
    expect(got.filter((d) => d.noData).length).toBeGreaterThan(70); // the days before the first check
  });

  it('follows a change of a finished day (an outage marked a false positive)', () => {
    clearSummaryMemo();
    const before = shown(now);
    const day = before.findIndex((d) => d.downtimeMs > 0);
    expect(day).toBeGreaterThanOrEqual(0);
    markFalsePositive(t.db, systemActor('test'), a!, outageAt, 'the target was moved');
    const after = shown(now + 1000);
    expect(after[day]!.downtimeMs).toBe(0);
    expect(after[day]!.pct).toBe('100.000');
    const want = expected(now + 1000);
    expect(after.map((d) => d.downtimeMs)).toEqual(want.map((d) => d.downtimeMs));
  });
});

/**
 * The page keeps the monitors' inputs of the days before today and loads only today's on
 * each rebuild (src/lib/status/summary.ts). Joined, they must give exactly what one load of
 * the whole 90 days gives: an outage crossing midnight, new checks, a gap and a monitor that
 * appear later, a correction of a past day.
 */
describe('the days before today kept between rebuilds, today loaded anew', () => {
  const t = tempDb();
  afterAll(() => t.close());
  const config = parseConfig({});
  const today = lastDays(1, Date.now(), config.zone)[0]!;
  const midnight = today.start;
  // A moment of its own, three hours into the day, whatever the hour the test runs at.
  const T = midnight + 3 * 3_600_000;
  importInterchange(t.db, {
    version: 1,
    services: [{ slug: 'lms', name: { ja: 'eラーニング', en: 'E-learning' }, sla_target_pct: 99.9 }],
    monitors: [
      { slug: 'a', service: 'lms', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 600, confirm: 2, counts_for_availability: true, paused: true },
      { slug: 'b', service: 'lms', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 600, confirm: 2, counts_for_availability: true, paused: true },
    ],
  });
  const [a, b] = t.db.$client.prepare('SELECT id FROM monitors ORDER BY id').pluck().all() as number[];
  const store = new CheckStore(t.db);
  const STEP = 10 * MIN;
  const crossing = { from: midnight - 40 * MIN, to: midnight + 20 * MIN };
  const record = (from: number, to: number) => {
    for (let at = from; at < to; at += STEP) {
      const down = (at >= crossing.from && at < crossing.to) || at >= T - 30 * MIN; // and one still going on at T
      store.record([{ monitorId: a!, at, status: down ? 'down' : 'up', latencyMs: down ? null : 120, error: down ? 'refused' : null }]);
      store.record([{ monitorId: b!, at, status: 'up', latencyMs: 130, error: null }]);
    }
  };
  record(midnight - 5 * DAY, T);

  /** Each day and the three uptimes, as the SLA module gives them from one load of the whole range. */
  const expected = (at: number) => {
    const ctx = { db: t.db, config, now: at };
    const days = lastDays(90, at, config.zone);
    const range = { start: days[0]!.start, end: days[89]!.end };
    const service = listServices(t.db)[0]!;
    const inputs = loadServiceInputs(ctx, service.id, range);
    const figure = (start: number, end: number) => availabilityFor(ctx, service.slaTargetPct, { start, end }, inputs);
    return {
      days: days.map((day) => {
        const f = figure(day.start, Math.min(day.end, Math.max(at, day.start + 1)));
        const observed = f.periodMs - f.excludedMs;
        const noData = f.downtimeMs === 0 && observed > 0 && f.unmonitoredMs >= observed;
        return { downtimeMs: f.downtimeMs, excludedMs: f.excludedMs, noData, outages: f.downtime.map((d) => ({ start: d.start, end: d.end })) };
      }),
      uptimes: [range.start, at - 30 * DAY, at - DAY].map((start) => figure(Math.max(start, range.start), Math.min(range.end, at)).pct),
    };
  };
  const shown = (at: number) => {
    const s = statusSummary({ db: t.db, config, now: at }).services[0]!;
    return {
      days: s.days.map((d) => ({ downtimeMs: d.downtimeMs, excludedMs: d.excludedMs, noData: d.noData, outages: d.outages })),
      uptimes: [s.uptime90.pct, s.uptime30.pct, s.uptime24h.pct],
    };
  };

  it('joins an outage that crosses midnight into one, and follows new checks, a gap, a monitor and a correction', () => {
    clearSummaryMemo();
    expect(shown(T)).toEqual(expected(T));
    // Shown in yesterday's bar up to midnight and in today's from midnight: one outage, 60 minutes in all.
    const bars = shown(T).days;
    expect(bars[88]!.outages).toEqual([{ start: crossing.from, end: midnight }]);
    expect(bars[89]!.outages[0]).toEqual({ start: midnight, end: crossing.to });

    // New checks, the outage of today still going on: only today is loaded again.
    record(T, T + 30 * MIN);
    expect(shown(T + 30 * MIN)).toEqual(expected(T + 30 * MIN));

    // Gaps of a past day written later (a worker that was stopped all day): that day has no data.
    const gapDay = lastDays(3, T, config.zone)[0]!;
    for (const m of [a!, b!]) t.db.$client.prepare('INSERT INTO check_gaps (monitor_id, start, "end") VALUES (?, ?, ?)').run(m, gapDay.start, gapDay.end);
    const withGap = shown(T + 31 * MIN);
    expect(withGap).toEqual(expected(T + 31 * MIN));
    expect(withGap.days[87]!.noData).toBe(true);

    // A monitor added today.
    t.db.$client.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options, paused, added_at)
      VALUES ('c', (SELECT id FROM services WHERE slug = 'lms'), 'http', 'http://127.0.0.1:9/', 600, 10, 2, 1, '{}', 0, ?)`).run(T + 32 * MIN);
    expect(shown(T + 33 * MIN)).toEqual(expected(T + 33 * MIN));

    // The outage that crossed midnight was a false positive (an audited correction).
    markFalsePositive(t.db, systemActor('test'), a!, crossing.from, 'the target was moved');
    const corrected = shown(T + 34 * MIN);
    expect(corrected).toEqual(expected(T + 34 * MIN));
    expect(corrected.days.flatMap((d) => d.outages).some((o) => o.start === crossing.from)).toBe(false);

    // From now on a is also checked from an agent, and b no longer counts: each instant is judged by what was in force then.
    const osaka = addAgent(t.db, systemActor('test'), { name: 'osaka', labelJa: '大阪' }).location;
    setMonitorLocations(t.db, systemActor('test'), a!, ['local', 'osaka'], null, T + 35 * MIN);
    new LocationCheckStore(t.db).record(osaka.id, [{ monitorId: a!, at: T + 36 * MIN, status: 'up', latencyMs: 90, error: null }]);
    t.db.$client.transaction(() => recordSettings(t.db, b!, { quorum: null, countsForAvailability: false }, T + 37 * MIN))();
    const relocated = shown(T + 38 * MIN);
    expect(relocated).toEqual(expected(T + 38 * MIN));
    expect(relocated.days.slice(0, 89)).toEqual(corrected.days.slice(0, 89));
  });
});
