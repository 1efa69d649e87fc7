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
