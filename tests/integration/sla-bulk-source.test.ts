import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { checkSeries, type Span } from '../helpers/check-series';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { parseConfig } from '../../src/lib/config';
import { parseInstant, monthPeriod } from '../../src/lib/time';
import { CheckStore, type CheckResult } from '../../src/lib/checks/store';
import { LocationCheckStore } from '../../src/lib/agents/store';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { removeMonitor, setMonitorPaused } from '../../src/lib/monitors/verbs';
import { recordSettings } from '../../src/lib/monitors/history';
import { systemActor } from '../../src/lib/audit';
import { listServices, serviceAvailability, type SlaContext } from '../../src/lib/sla/figures';
import { monthFigures } from '../../src/lib/sla/month';
import { statusPageData } from '../../src/lib/status/page-data';
import { clearSummaryMemo } from '../../src/lib/status/summary';
import { withPerMonitorQueries } from '../../src/lib/sla/source';
import type { Db } from '../../src/lib/db';

/**
 * The figures read through records loaded in bulk (a service's monitors over a range at once)
 * are the figures read one monitor at a time, for monitors of every kind.
 */
const config = parseConfig({});
const ms = (s: string) => parseInstant(s)!;
const admin = systemActor('test');
const NOW = ms('2026-12-02T10:30:00+09:00');
const END = '2026-12-02T10:30:00+09:00';
const web = { type: 'http' as const, target: 'http://127.0.0.1:9/', interval_s: 600, confirm: 2, counts_for_availability: true };

const id = (db: Db, slug: string) => db.$client.prepare('SELECT id FROM monitors WHERE slug = ?').pluck().get(slug) as number;
const at = (db: Db, locationId: number, results: CheckResult[]) => db.$client.transaction(() => new LocationCheckStore(db).record(locationId, results))();
const series = (monitorId: number, from: string, to: string, opts: { downs?: Span[]; gaps?: Span[]; offsetS?: number } = {}) => checkSeries(monitorId, from, to, opts);

/** Everything the site, the API and the report show from the monitors' records. */
function allFigures(db: Db) {
  const ctx: SlaContext = { db, config, now: NOW };
  clearSummaryMemo();
  const nov = monthPeriod('2026-11', config.zone);
  const dec = monthPeriod('2026-12', config.zone);
  return {
    page: statusPageData(ctx),
    availability: listServices(db).map((s) => [serviceAvailability(ctx, s, nov), serviceAvailability(ctx, s, dec)]),
    october: monthFigures(ctx, '2026-10'),
    november: monthFigures(ctx, '2026-11'),
    december: monthFigures(ctx, '2026-12'),
  };
}

describe('records loaded per service in bulk give the figures of per-monitor queries (SLA.md, every rule)', () => {
  const t = tempDb();
  beforeAll(() => {
    const from = '2026-10-01T00:00:00+09:00';
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [
        { slug: 'portal', name: { ja: 'ポータル' }, sla_target_pct: 99.9 },
        { slug: 'mail', name: { ja: 'メール' }, sla_target_pct: 99.5 },
      ],
      monitors: ['local-only', 'located', 'moved', 'settings', 'paused', 'removed', 'agent-only', 'mail-web'].map((slug) => ({
        slug, service: slug === 'mail-web' ? 'mail' : 'portal', ...web, added_at: from,
      })),
    }), ms(from));
    const db = t.db;
    const osaka = addAgent(db, admin, { name: 'osaka', labelJa: '大阪' }, ms(from)).location.id;
    const tokyo = addAgent(db, admin, { name: 'tokyo', labelJa: '東京' }, ms(from)).location.id;
    const store = new CheckStore(db);

    // Local alone: an outage across the October/November edge, one in November marked a false positive, a gap.
    const local = id(db, 'local-only');
    store.record(series(local, from, END, {
      downs: [['2026-10-31T23:30:00+09:00', '2026-11-01T00:40:00+09:00'], ['2026-11-05T03:00:00+09:00', '2026-11-05T03:30:00+09:00']],
      gaps: [['2026-11-12T00:00:00+09:00', '2026-11-12T02:00:00+09:00']],
    }));
    db.$client.prepare('INSERT INTO false_positives (monitor_id, start, reason, created_at) VALUES (?, ?, ?, ?)').run(local, ms('2026-11-05T03:00:00+09:00'), 'maintenance window test', NOW);

    // Three locations from the start, quorum 2: both agents down together (an outage), both agents silent at once (reduced quorum), a down across the month's end.
    const located = id(db, 'located');
    setMonitorLocations(db, admin, located, ['local', 'osaka', 'tokyo'], 2, ms(from));
    store.record(series(located, from, END, { downs: [['2026-11-30T23:40:00+09:00', '2026-12-01T00:20:00+09:00']] }));
    at(db, osaka, series(located, from, END, {
      offsetS: 7, downs: [['2026-11-08T10:00:00+09:00', '2026-11-08T11:00:00+09:00'], ['2026-11-30T23:40:00+09:00', '2026-12-01T00:20:00+09:00']],
      gaps: [['2026-11-20T01:00:00+09:00', '2026-11-20T03:00:00+09:00']],
    }));
    at(db, tokyo, series(located, from, END, { offsetS: 9, downs: [['2026-11-08T10:00:00+09:00', '2026-11-08T10:40:00+09:00']], gaps: [['2026-11-20T00:00:00+09:00', '2026-11-20T06:00:00+09:00']] }));

    // Local alone until 15 November, then with osaka (majority), osaka removed again on 25 November.
    const moved = id(db, 'moved');
    store.record(series(moved, from, END, { downs: [['2026-11-16T08:00:00+09:00', '2026-11-16T08:30:00+09:00']] }));
    setMonitorLocations(db, admin, moved, ['local', 'osaka'], null, ms('2026-11-15T12:00:00+09:00'));
    at(db, osaka, series(moved, '2026-11-15T12:00:00+09:00', '2026-11-25T12:00:00+09:00', { offsetS: 5, downs: [['2026-11-16T08:00:00+09:00', '2026-11-16T09:00:00+09:00']] }));
    setMonitorLocations(db, admin, moved, ['local'], null, ms('2026-11-25T12:00:00+09:00'));

    // Settings over time: confirm 2 → 3, interval 600 → 1200 s, stops counting, then moves to the mail service.
    const settings = id(db, 'settings');
    store.record(series(settings, from, END, {
      downs: [['2026-11-03T01:00:00+09:00', '2026-11-03T01:20:00+09:00'], ['2026-11-13T01:00:00+09:00', '2026-11-13T01:20:00+09:00']],
      gaps: [['2026-11-22T00:00:00+09:00', '2026-11-22T00:35:00+09:00']],
    }));
    recordSettings(db, settings, { confirm: 3 }, ms('2026-11-10T00:00:00+09:00'));
    recordSettings(db, settings, { intervalS: 1200 }, ms('2026-11-18T00:00:00+09:00'));
    recordSettings(db, settings, { countsForAvailability: false }, ms('2026-11-24T00:00:00+09:00'));
    recordSettings(db, settings, { countsForAvailability: true, serviceId: listServices(db).find((s) => s.slug === 'mail')!.id }, ms('2026-11-26T00:00:00+09:00'));

    // Paused for two days, removed on 18 November, checked by osaka alone.
    const paused = id(db, 'paused');
    store.record(series(paused, from, END, { gaps: [['2026-11-10T00:00:00+09:00', '2026-11-12T00:00:00+09:00']] }));
    setMonitorPaused(db, admin, paused, true, ms('2026-11-10T00:00:00+09:00'));
    setMonitorPaused(db, admin, paused, false, ms('2026-11-12T00:00:00+09:00'));
    const removed = id(db, 'removed');
    store.record(series(removed, from, '2026-11-18T00:00:00+09:00', { downs: [['2026-11-17T23:30:00+09:00', '2026-11-18T00:00:00+09:00']] }));
    removeMonitor(db, admin, removed, ms('2026-11-18T00:00:00+09:00'));
    const agentOnly = id(db, 'agent-only');
    setMonitorLocations(db, admin, agentOnly, ['osaka'], null, ms(from));
    at(db, osaka, series(agentOnly, from, END, { offsetS: 3, downs: [['2026-11-21T05:00:00+09:00', '2026-11-21T06:00:00+09:00']] }));
    store.record(series(id(db, 'mail-web'), from, END, { downs: [['2026-12-02T10:00:00+09:00', END]] }));
  });
  afterAll(() => t.close());

  it('the page, each service\'s availability for November and December so far, and the monthly reports are identical', () => {
    const bulk = allFigures(t.db);
    const single = withPerMonitorQueries(() => allFigures(t.db));
    expect(bulk).toEqual(single);
  });

  it('the scenario reaches every rule: downtime, false positive, reduced quorum, paused and unmonitored time, a monitor still down now', () => {
    const bulk = allFigures(t.db);
    const [portalNov, mailNov] = bulk.availability.map((a) => a[0]!);
    expect(portalNov!.downtimeMs).toBeGreaterThan(0);
    expect(portalNov!.reducedQuorumMs).toBeGreaterThan(0);
    expect(portalNov!.pausedMs).toBeGreaterThan(0);
    expect(portalNov!.unmonitoredMs).toBeGreaterThan(portalNov!.pausedMs);
    expect(portalNov!.outages.some((o) => o.locations?.includes('osaka'))).toBe(true);
    expect(mailNov!.periodMs).toBeGreaterThan(0);
    // The false positive of 5 November is not downtime.
    expect(portalNov!.downtime.some((d) => d.start === ms('2026-11-05T03:00:00+09:00'))).toBe(false);
    expect(bulk.page.summary.services.find((s) => s.service.slug === 'mail')!.status).toBe('major_outage');
  });
});
