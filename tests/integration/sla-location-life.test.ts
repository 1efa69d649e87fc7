import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { exportInterchange } from '../../src/lib/interchange/export';
import { parseConfig } from '../../src/lib/config';
import { monthFigures } from '../../src/lib/sla/month';
import { slaJson, type SlaJson } from '../../src/lib/sla/contract';
import { parseInstant } from '../../src/lib/time';
import { CheckStore, rebuildDerived, type CheckResult } from '../../src/lib/checks/store';
import { checkSeries, type Span } from '../helpers/check-series';
import { pdfFirstPage } from '../helpers/pdf-text';
import { LocationCheckStore } from '../../src/lib/agents/store';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { ingestBatch, AgentApiError } from '../../src/lib/agents/api';
import { issueReport } from '../../src/lib/report/issue';
import { systemActor } from '../../src/lib/audit';
import { openDatabase, type Db } from '../../src/lib/db';
import { startAdminSite, signInCookie, ADMIN } from './admin-fixture';
import type { RunningSite } from '../helpers/site';

/**
 * SLA.md rule 1 and 6 with locations that have a life (Figures over time). Checks every
 * 10 minutes; every expected figure is computed by hand in the comments.
 */
const config = parseConfig({});
const ms = (s: string) => parseInstant(s)!;
const STEP = 600_000;
const admin = systemActor('test');

/** Checks of one monitor every 10 min over [from, to) shifted by `offsetS`; down inside `downs`, none inside `gaps`. */
const series = (monitorId: number, from: string, to: string, opts: { downs?: Span[]; gaps?: Span[]; offsetS?: number } = {}) => checkSeries(monitorId, from, to, opts);

function monitor(db: Db, slug: string): number {
  return db.$client.prepare('SELECT id FROM monitors WHERE slug = ?').pluck().get(slug) as number;
}

function agentChecks(db: Db, locationId: number, results: CheckResult[]): void {
  db.$client.transaction(() => new LocationCheckStore(db).record(locationId, results))();
}

function exported(db: Db): string {
  let text = '';
  exportInterchange(db, (chunk) => (text += chunk));
  return text;
}

const firstPage = pdfFirstPage;

const web = { type: 'http' as const, target: 'http://127.0.0.1:9/', interval_s: 600, confirm: 2, counts_for_availability: true };

describe('adding a probe location in December leaves October as it was (SLA.md, locations have a life)', () => {
  const t = tempDb();
  const OCT_NOW = ms('2026-11-02T09:00:00+09:00');
  const added = ms('2026-12-02T10:00:00+09:00');
  const DEC_NOW = ms('2026-12-02T10:30:00+09:00');
  let before: SlaJson;
  let osakaId = 0;
  beforeAll(async () => {
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'portal', name: { ja: 'ポータル' }, sla_target_pct: 99.9 }],
      monitors: [{ slug: 'portal-web', service: 'portal', ...web, added_at: '2026-10-01T00:00:00+09:00' }],
    }), OCT_NOW);
    const id = monitor(t.db, 'portal-web');
    // The local probe sees 30 minutes down on 10 October: 10:00, 10:10, 10:20 fail, 10:30 succeeds.
    new CheckStore(t.db).record(series(id, '2026-10-01T00:00:00+09:00', '2026-12-02T10:30:00+09:00', { downs: [['2026-10-10T10:00:00+09:00', '2026-10-10T10:30:00+09:00']] }));
    await issueReport(t.db, config, '2026-10', { now: OCT_NOW });
    before = slaJson(monthFigures({ db: t.db, config, now: added - 60_000 }, '2026-10'));
    // On 2 December the admin adds the agent "osaka"; it reports for a few minutes.
    osakaId = addAgent(t.db, admin, { name: 'osaka', labelJa: '大阪' }).location.id;
    setMonitorLocations(t.db, admin, id, ['local', 'osaka'], null, added);
    agentChecks(t.db, osakaId, series(id, '2026-12-02T10:00:00+09:00', '2026-12-02T10:30:00+09:00', { offsetS: 7 }));
  });
  afterAll(() => t.close());

  it('October still reads 1,800 s down, 99.932 %, with its outage, nothing unmonitored: its figures byte for byte', () => {
    const after = slaJson(monthFigures({ db: t.db, config, now: DEC_NOW }, '2026-10'));
    const portal = after.services[0]!;
    // (2,678,400 − 1,800) / 2,678,400 = 99.9327… %
    expect(portal.downtime_s).toBe(1800);
    expect(portal.availability_pct).toBe('99.932');
    expect(portal.unmonitored_s).toBe(0);
    expect(portal.reduced_quorum_s).toBe(0);
    expect(portal.outages).toEqual([{ start: '2026-10-10T01:00:00.000Z', end: '2026-10-10T01:30:00.000Z', duration_s: 1800, source: 'probe' }]);
    expect(JSON.stringify(after.services)).toBe(JSON.stringify(before.services));
    expect(JSON.stringify(after.rows)).toBe(JSON.stringify(before.rows));
  });

  it('the next version of October\'s report says nothing changed', async () => {
    const v2 = await issueReport(t.db, config, '2026-10', { now: DEC_NOW });
    const page = firstPage(v2.pdf, t.dir, 'v2.pdf');
    expect(page).toContain('前版（第1版）からの変更');
    expect(page).toContain('前版から変わった数値はありません。');
  });

  it('osaka may not send results for a time before it was assigned: refused with the reason, nothing stored', () => {
    const stored = () => t.db.$client.prepare('SELECT count(*) FROM location_checks WHERE location_id = ?').pluck().get(osakaId);
    const count = stored();
    const send = (at: number) => ingestBatch(t.db, config, { id: osakaId, slug: 'osaka' } as never, {
      batch_id: `backdated-${at}`, sent_at: new Date(DEC_NOW).toISOString(),
      results: [
        { monitor_id: monitor(t.db, 'portal-web'), at: new Date(at).toISOString(), status: 'up', latency_ms: 90, error: null },
        { monitor_id: monitor(t.db, 'portal-web'), at: new Date(DEC_NOW - 1000).toISOString(), status: 'up', latency_ms: 90, error: null },
      ],
    }, DEC_NOW);
    let refusal: AgentApiError | null = null;
    try {
      send(added - 5 * 60_000);
    } catch (err) {
      refusal = err as AgentApiError;
    }
    expect(refusal).toBeInstanceOf(AgentApiError);
    expect(refusal!.status).toBe(422);
    expect(refusal!.code).toBe('not_assigned_then');
    const reason = `a result at 2026-12-02T00:55:00.000Z for monitor ${monitor(t.db, 'portal-web')} is outside the time location "osaka" was assigned to it (2026-12-02T01:00:00.000Z – now)`;
    expect(refusal!.message).toBe(reason);
    // Each refused result is named, so the agent sets it aside and sends the rest again.
    expect(refusal!.details).toEqual({ refused: [{ list: 'results', index: 0, code: 'not_assigned_then', error: reason }] });
    expect(stored()).toBe(count);
    // From the moment it was assigned, its results are taken.
    expect(send(added + 29 * 60_000).stored).toBe(2);
  });

  it('the interchange file carries the locations\' history; imported again it gives the same file and the same figures', () => {
    const text = exported(t.db);
    const file = JSON.parse(text) as { monitors: Record<string, unknown>[] };
    expect(file.monitors[0]!.locations).toBeUndefined();
    expect(file.monitors[0]!.location_history).toEqual([
      { locations: ['local'], to: '2026-12-02T01:00:00.000Z' },
      { locations: ['local', 'osaka'], from: '2026-12-02T01:00:00.000Z' },
    ]);
    const copy = tempDb();
    try {
      importInterchange(copy.db, validateInterchange(text), DEC_NOW);
      expect(exported(copy.db)).toBe(text);
      expect(slaJson(monthFigures({ db: copy.db, config, now: DEC_NOW }, '2026-10')).services).toEqual(before.services);
      expect(slaJson(monthFigures({ db: copy.db, config, now: DEC_NOW }, '2026-12')).services)
        .toEqual(slaJson(monthFigures({ db: t.db, config, now: DEC_NOW }, '2026-12')).services);
    } finally {
      copy.close();
    }
  });

  it('a file without history (the older form) still imports: its locations hold for the monitor\'s whole life', () => {
    const old = tempDb();
    try {
      importInterchange(old.db, validateInterchange({
        version: 1,
        services: [{ slug: 'portal', name: { ja: 'ポータル' }, sla_target_pct: 99.9 }],
        monitors: [{ slug: 'portal-web', service: 'portal', ...web, locations: ['local', 'osaka'], quorum: 2 }],
        checks: [{ monitor: 'portal-web', at: '2026-10-01T00:00:00+09:00', status: 'up', location: 'osaka' }],
      }), DEC_NOW);
      const file = JSON.parse(exported(old.db)) as { monitors: Record<string, unknown>[] };
      expect(file.monitors[0]).toMatchObject({ locations: ['local', 'osaka'], quorum: 2 });
      expect(file.monitors[0]!.location_history).toBeUndefined();
      // A history that is not back to back is refused with its path.
      expect(() => validateInterchange({
        version: 1,
        services: [{ slug: 'portal', name: { ja: 'ポータル' }, sla_target_pct: 99.9 }],
        monitors: [{ slug: 'portal-web', service: 'portal', ...web, location_history: [
          { locations: ['local'], to: '2026-12-02T10:00:00+09:00' },
          { locations: ['local', 'osaka'], from: '2026-12-03T10:00:00+09:00' },
        ] }],
      })).toThrow(expect.objectContaining({ issues: [{ path: '$.monitors[0].location_history[1].from', message: 'must be the previous entry\'s to' }] }));
    } finally {
      old.close();
    }
  });
});

describe('several locations: the figures of SLA.md rule 1 (November 2026, 2,592,000 s)', () => {
  const t = tempDb();
  const NOW = ms('2026-12-01T09:00:00+09:00');
  const FROM = '2026-11-01T00:00:00+09:00';
  const TO = '2026-12-01T00:00:00+09:00';
  // local fails at 10:00, 10:10, 10:20 on the 10th; osaka, checking 7 s later, at 10:00:07 … 10:20:07.
  // Both in a confirmed outage: 10:00:07 until local's success at 10:30:00 = 1,793 s.
  const down: Span[] = [['2026-11-10T10:00:00+09:00', '2026-11-10T10:30:00+09:00']];
  const downLate: Span[] = [['2026-11-10T10:00:07+09:00', '2026-11-10T10:30:07+09:00']];
  let json: SlaJson;
  let figures: ReturnType<typeof monthFigures>;
  const service = (slug: string) => json.services.find((s) => s.slug === slug)!;

  beforeAll(() => {
    const services = ['four', 'two-stopped', 'quorum-three', 'paused', 'allowance'];
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: services.map((slug) => ({ slug, name: { ja: slug }, sla_target_pct: 99.9 })),
      monitors: [
        ...services.filter((s) => s !== 'allowance').map((slug) => ({ slug: `${slug}-web`, service: slug, ...web })),
        { slug: 'allowance-web', service: 'allowance', ...web, added_at: '2026-11-03T10:00:00+09:00',
          pauses: [{ start: '2026-11-10T09:00:00+09:00', end: '2026-11-10T10:00:00+09:00' }] },
      ],
    }), NOW);
    // The pause of paused-web: 12:00 to 14:00 on the 5th.
    t.db.$client.prepare('INSERT INTO monitor_pauses (monitor_id, start, "end") VALUES (?, ?, ?)').run(monitor(t.db, 'paused-web'), ms('2026-11-05T12:00:00+09:00'), ms('2026-11-05T14:00:00+09:00'));
    const loc = Object.fromEntries(['osaka', 'nagoya', 'sendai'].map((name) => [name, addAgent(t.db, admin, { name, labelJa: name }).location.id]));
    const local = new CheckStore(t.db);

    // four: local, osaka, nagoya, sendai, the default quorum; sendai never reports.
    const four = monitor(t.db, 'four-web');
    setMonitorLocations(t.db, admin, four, ['local', 'osaka', 'nagoya', 'sendai'], null, ms(FROM));
    local.record(series(four, FROM, TO, { downs: down }));
    agentChecks(t.db, loc.osaka!, series(four, FROM, TO, { downs: downLate, offsetS: 7 }));
    agentChecks(t.db, loc.nagoya!, series(four, FROM, TO, { offsetS: 3 }));

    // two-stopped: the same four, nagoya and sendai never report.
    const two = monitor(t.db, 'two-stopped-web');
    setMonitorLocations(t.db, admin, two, ['local', 'osaka', 'nagoya', 'sendai'], null, ms(FROM));
    local.record(series(two, FROM, TO, { downs: down }));
    agentChecks(t.db, loc.osaka!, series(two, FROM, TO, { downs: downLate, offsetS: 7 }));

    // quorum-three: local, osaka, nagoya with quorum 3; nagoya first reports on the 20th at 00:00.
    const q3 = monitor(t.db, 'quorum-three-web');
    setMonitorLocations(t.db, admin, q3, ['local', 'osaka', 'nagoya'], 3, ms(FROM));
    local.record(series(q3, FROM, TO, { downs: down }));
    agentChecks(t.db, loc.osaka!, series(q3, FROM, TO, { downs: downLate, offsetS: 7 }));
    agentChecks(t.db, loc.nagoya!, series(q3, '2026-11-20T00:00:00+09:00', TO));

    // paused: local, osaka, nagoya with quorum 3; nagoya silent 11:00–15:00 on the 5th (last check 10:50, next 15:00),
    // so it stops voting at 10:50 + 2 × 10 min = 11:10. Paused 12:00–14:00 (local and osaka still report).
    const paused = monitor(t.db, 'paused-web');
    setMonitorLocations(t.db, admin, paused, ['local', 'osaka', 'nagoya'], 3, ms(FROM));
    local.record(series(paused, FROM, TO));
    agentChecks(t.db, loc.osaka!, series(paused, FROM, TO, { offsetS: 7 }));
    agentChecks(t.db, loc.nagoya!, series(paused, FROM, TO, { gaps: [['2026-11-05T11:00:00+09:00', '2026-11-05T15:00:00+09:00']] }));

    // allowance: local alone, added on the 3rd at 10:00, first checked at 10:25 (every 10 min at :05, :15, …);
    // paused on the 10th 09:00–10:00: last check 08:55, first after it 10:15.
    const allowance = monitor(t.db, 'allowance-web');
    local.record(series(allowance, '2026-11-03T10:25:00+09:00', TO, { gaps: [['2026-11-10T09:00:00+09:00', '2026-11-10T10:15:00+09:00']] }));
    rebuildDerived(t.db, allowance);

    figures = monthFigures({ db: t.db, config, now: NOW }, '2026-11');
    json = slaJson(figures);
  });
  afterAll(() => t.close());

  it('four locations, one stopped: two of the three voting see the outage, a majority of those voting: 1,793 s', () => {
    expect(service('four').downtime_s).toBe(1793);
    expect(service('four').outages).toEqual([{ start: '2026-11-10T01:00:07.000Z', end: '2026-11-10T01:30:00.000Z', duration_s: 1793, source: 'probe', locations: ['local', 'osaka'] }]);
    expect(service('four').reduced_quorum_s).toBe(0);
    expect(service('four').unmonitored_s).toBe(0);
  });

  it('four locations, two stopped: the two voting are their own majority: 1,793 s, never reduced quorum', () => {
    expect(service('two-stopped').downtime_s).toBe(1793);
    expect(service('two-stopped').reduced_quorum_s).toBe(0);
    expect(service('two-stopped').unmonitored_s).toBe(0);
  });

  it('quorum 3, the third location first reports on the 20th: it hides nothing (1,793 s down) and the 19 days before are reduced quorum, not unmonitored', () => {
    expect(service('quorum-three').downtime_s).toBe(1793);
    // 1 November 00:00 to 20 November 00:00: 19 × 86,400 = 1,641,600 s with two of three voting.
    expect(service('quorum-three').reduced_quorum_s).toBe(1_641_600);
    expect(service('quorum-three').unmonitored_s).toBe(0);
  });

  it('reduced quorum is never counted inside a pause: 11:10–12:00 and 14:00–15:00 on the 5th; the pause is 7,200 s paused', () => {
    // 3,000 s + 3,600 s, and the month's first 7 s, before osaka's first check: 6,607 s.
    expect(service('paused').reduced_quorum_s).toBe(6607);
    expect(service('paused').paused_s).toBe(7200);
    expect(service('paused').unmonitored_s).toBe(7200);
    expect(service('paused').downtime_s).toBe(0);
  });

  it('at the start of its life and after a pause, the time before the first check is unmonitored only beyond twice the interval', () => {
    // Added 10:00, first check 10:25: 10:20–10:25 = 300 s. After the pause (ended 10:00, next check 10:15): nothing.
    // The pause itself: 3,600 s. The monitor: 300 + 3,600 = 3,900 s.
    expect(figures.monitors.find((m) => m.slug === 'allowance-web')!.unmonitoredMs).toBe(3_900_000);
    // The service had no monitor before it was added: 1 November 00:00 to 3 November 10:00 = 208,800 s more.
    expect(service('allowance').unmonitored_s).toBe(208_800 + 3900);
    expect(service('allowance').paused_s).toBe(3600);
  });
});

describe('a report version whose figures differ names what caused it', () => {
  const t = tempDb();
  const v1At = ms('2026-11-02T09:00:00+09:00');
  beforeAll(() => {
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'portal', name: { ja: 'ポータル' }, sla_target_pct: 99.9 }],
      monitors: [{ slug: 'portal-web', service: 'portal', ...web, added_at: '2026-10-01T00:00:00+09:00' }],
    }), v1At);
    // No check reached the site on 20 October 00:00–06:00 (36 of October's 4,464).
    new CheckStore(t.db).record(series(monitor(t.db, 'portal-web'), '2026-10-01T00:00:00+09:00', '2026-11-02T00:00:00+09:00', { gaps: [['2026-10-20T00:00:00+09:00', '2026-10-20T06:00:00+09:00']] }));
  });
  afterAll(() => t.close());

  it('results recorded after the first version: the changed figures name them, never "no correction"', async () => {
    const v1 = await issueReport(t.db, config, '2026-10', { now: v1At });
    expect(firstPage(v1.pdf, t.dir, 'v1.pdf')).not.toContain('からの変更');
    // The missing results are recorded later (a probe's results restored from its spool): no audited correction.
    const id = monitor(t.db, 'portal-web');
    const insert = t.db.$client.prepare('INSERT INTO checks (monitor_id, at, status, latency_ms) VALUES (?, ?, 0, 100)');
    for (let at = ms('2026-10-20T00:00:00+09:00'); at < ms('2026-10-20T06:00:00+09:00'); at += STEP) insert.run(id, at);
    rebuildDerived(t.db, id);
    const v2 = await issueReport(t.db, config, '2026-10', { now: v1At + 86_400_000 });
    const page = firstPage(v2.pdf, t.dir, 'v2.pdf');
    expect(page).toContain('前版（第1版）からの変更');
    // 23:50 + 2 × 10 min = 00:10 until 06:00: 5 h 50 min unmonitored, then none.
    expect(page).toMatch(/ポータル 監視欠測時間\s+5時間50分\s+0秒\s+前版の発行後に記録された監視結果/);
    expect(page).toMatch(/ポータル 監視記録数\s+4,428 件\s+4,464 件\s+前版の発行後に記録された監視結果/);
    expect(page).not.toContain('記録の訂正なし');
  });
});

describe('whether a monitor counts toward availability has a life: changed on the admin page, October stays', () => {
  let site: RunningSite;
  let stop: () => Promise<void>;
  let db: Db;
  let monitorId = 0;
  let october: SlaJson;
  beforeAll(async () => {
    const started = await startAdminSite();
    ({ site, stop } = started);
    db = openDatabase(started.dbPath);
    const service = db.$client.prepare("SELECT id FROM services WHERE slug = 'website'").pluck().get() as number;
    monitorId = Number(db.$client.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options, paused, added_at)
      VALUES ('website-http', ?, 'http', 'http://127.0.0.1:9/', 600, 10, 2, 1, '{}', 0, ?)`).run(service, ms('2026-10-01T00:00:00+09:00')).lastInsertRowid);
    // Down on 15 October 10:00 and 10:10, up at 10:20: 1,200 s. Checked every 10 min up to now.
    new CheckStore(db).record(series(monitorId, '2026-10-01T00:00:00+09:00', new Date(Date.now()).toISOString(), { downs: [['2026-10-15T10:00:00+09:00', '2026-10-15T10:20:00+09:00']] }));
    october = slaJson(monthFigures({ db, config, now: Date.now() }, '2026-10'));
  });
  afterAll(async () => {
    db?.$client.close();
    await stop?.();
  });

  it('the admin unticks "counts toward availability": October still counts 1,200 s down; from the change on, the monitor does not count', async () => {
    expect(october.services.find((s) => s.slug === 'website')!.downtime_s).toBe(1200);
    const cookie = await signInCookie(site.url, ADMIN);
    const res = await fetch(`${site.url}/admin/monitors/${monitorId}`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie, origin: site.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([['action', 'save'], ['type', 'http'], ['slug', 'website-http'], ['serviceId', String(db.$client.prepare('SELECT service_id FROM monitors WHERE id = ?').pluck().get(monitorId))],
        ['target', 'http://127.0.0.1:9/'], ['intervalS', '600'], ['timeoutS', '10'], ['confirm', '2']]),
    });
    expect(res.status).toBe(303);
    expect(db.$client.prepare('SELECT counts_for_availability FROM monitors WHERE id = ?').pluck().get(monitorId)).toBe(0);
    const changedAt = db.$client.prepare('SELECT max("from") FROM monitor_setting_history WHERE monitor_id = ?').pluck().get(monitorId) as number;
    expect(Math.abs(changedAt - Date.now())).toBeLessThan(60_000);

    const afterFigures = monthFigures({ db, config, now: changedAt + STEP }, '2026-10');
    // October's table of monitors still says it counted.
    expect(afterFigures.monitors.find((m) => m.slug === 'website-http')!.countsForAvailability).toBe(true);
    const after = slaJson(afterFigures);
    expect(after.services.find((s) => s.slug === 'website')!.downtime_s).toBe(1200);
    expect(JSON.stringify(after.services)).toBe(JSON.stringify(october.services));
    expect(JSON.stringify(after.rows)).toBe(JSON.stringify(october.rows));
    // This month: from the change, no monitor of the website counts: its 600 s since are unmonitored.
    const month = new Date(changedAt + STEP).toLocaleString('sv-SE', { timeZone: 'Asia/Tokyo' }).slice(0, 7);
    const running = slaJson(monthFigures({ db, config, now: changedAt + STEP }, month)).services.find((s) => s.slug === 'website')!;
    // (Only the part inside that month, when the change falls in the last minutes of the one before.)
    const monthStart = Date.parse(`${month}-01T00:00:00+09:00`);
    expect(running.unmonitored_s).toBe(Math.floor((changedAt + STEP - Math.max(changedAt, monthStart)) / 1000));
  });
});
