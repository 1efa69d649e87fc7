import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { exportInterchange } from '../../src/lib/interchange/export';
import { parseConfig } from '../../src/lib/config';
import { monthFigures } from '../../src/lib/sla/month';
import { slaJson, type SlaJson } from '../../src/lib/sla/contract';
import { closeEndedMonths } from '../../src/lib/sla/closing';
import { parseInstant } from '../../src/lib/time';
import { CheckStore } from '../../src/lib/checks/store';
import { checkSeries, type Span } from '../helpers/check-series';
import { pdfFirstPage } from '../helpers/pdf-text';
import { getMonitor, getService, saveMonitor, saveService, setMonitorPaused, type MonitorInput } from '../../src/lib/monitors/verbs';
import { openDatabase, type Db } from '../../src/lib/db';
import { startAdminSite, signInCookie, ADMIN } from './admin-fixture';
import type { RunningSite } from '../helpers/site';
import { AppError } from '../../src/lib/errors';
import { issueReport } from '../../src/lib/report/issue';

/**
 * SLA.md, Figures over time: a monitor's confirmation count, interval, timeout and service
 * have a life, so a change in November never moves October, and a change in the middle of a
 * month applies from its instant on. Every expected figure is computed by hand in the comments.
 */
const config = parseConfig({});
const ms = (s: string) => parseInstant(s)!;
const admin = { id: 1, email: 'admin@example.jp' };
const MIN = 60_000;

/** Checks every `stepMin` minutes over [from, to); down inside `downs`, none inside `gaps`. */
const checks = (monitorId: number, from: string, to: string, stepMin: number, opts: { downs?: Span[]; gaps?: Span[] } = {}) => checkSeries(monitorId, from, to, { stepMin, ...opts });

function monitorId(db: Db, slug: string): number {
  return db.$client.prepare('SELECT id FROM monitors WHERE slug = ?').pluck().get(slug) as number;
}

function serviceId(db: Db, slug: string): number {
  return db.$client.prepare('SELECT id FROM services WHERE slug = ?').pluck().get(slug) as number;
}

/** What the admin form sends for the monitor as it is, with `changes`. */
function edit(db: Db, id: number, changes: Partial<MonitorInput>, at: number): void {
  const m = getMonitor(db, id)!;
  saveMonitor(db, admin, id, {
    slug: m.slug, serviceId: m.serviceId, type: m.type as MonitorInput['type'], target: m.target, intervalS: m.intervalS, timeoutS: m.timeoutS,
    confirm: m.confirm, countsForAvailability: m.countsForAvailability, options: m.options, ...changes,
  }, at);
}

/** `sla --json` of a month without the instant it was computed at. */
function month(db: Db, name: string, now: number): Omit<SlaJson, 'generated_at'> {
  const { generated_at: _, ...rest } = slaJson(monthFigures({ db, config, now }, name));
  return rest;
}

/** The monitors' table of the month's report (PDF), as it lists each monitor's settings. */
function monitorTable(db: Db, name: string, now: number) {
  return monthFigures({ db, config, now }, name).monitors.map((m) => ({ slug: m.slug, service: m.serviceSlug, type: m.type, target: m.target, confirm: m.confirm, intervalS: m.intervalS, timeoutS: m.timeoutS }));
}

function exported(db: Db): string {
  let text = '';
  exportInterchange(db, (chunk) => (text += chunk));
  return text;
}

const ADDED = '2026-10-01T00:00:00+09:00';
const CHANGED = ms('2026-11-15T12:00:00+09:00');
const DEC_NOW = ms('2026-12-02T09:00:00+09:00');

/**
 * One monitor of the service `portal`, checked every 10 minutes (interval 600 s, confirm 2)
 * from 1 October; on 15 November 12:00 the admin sets confirm 3 and interval 1,800 s, and it
 * is checked every 30 minutes from then on.
 */
function scenario(db: Db): void {
  importInterchange(db, validateInterchange({
    version: 1,
    services: [{ slug: 'portal', name: { ja: 'ポータル' }, sla_target_pct: 99.9 }, { slug: 'mail', name: { ja: 'メール' }, sla_target_pct: 99.5 }],
    monitors: [{ slug: 'portal-web', service: 'portal', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 600, timeout_s: 10, confirm: 2, counts_for_availability: true, added_at: ADDED }],
  }), ms(ADDED));
  const id = monitorId(db, 'portal-web');
  const store = new CheckStore(db);
  // October: the first check at 00:30, 30 minutes after it was added (unmonitored beyond
  // 2 × 600 s: 00:20–00:30, 600 s); 10 October 10:00 and 10:10 fail, 10:20 succeeds (a
  // confirmed outage of 1,200 s with confirm 2).
  store.record(checks(id, '2026-10-01T00:30:00+09:00', '2026-11-01T00:00:00+09:00', 10, { downs: [['2026-10-10T10:00:00+09:00', '2026-10-10T10:20:00+09:00']] }));
  closeEndedMonths(db, config, ms('2026-11-01T06:00:00+09:00'));
  // November before the change: 10 November 10:00 and 10:10 fail (confirmed with confirm 2:
  // 1,200 s); paused 5 November 12:00–13:00, first check after it at 13:30 (pause 3,600 s,
  // then 13:20–13:30 beyond 2 × 600 s: 600 s).
  store.record(checks(id, '2026-11-01T00:00:00+09:00', '2026-11-05T12:00:00+09:00', 10));
  setMonitorPaused(db, admin, id, true, ms('2026-11-05T12:00:00+09:00'));
  setMonitorPaused(db, admin, id, false, ms('2026-11-05T13:00:00+09:00'));
  // 8 November: no check at 10:10, 10:20 and 10:30, so 10:20–10:40 is beyond 2 × 600 s after 10:00 (1,200 s).
  store.record(checks(id, '2026-11-05T13:30:00+09:00', '2026-11-15T12:00:00+09:00', 10, {
    downs: [['2026-11-10T10:00:00+09:00', '2026-11-10T10:20:00+09:00']], gaps: [['2026-11-08T10:10:00+09:00', '2026-11-08T10:40:00+09:00']],
  }));
  edit(db, id, { confirm: 3, intervalS: 1800 }, CHANGED);
  // After it, every 30 minutes: 20 November 10:00 and 10:30 fail (two failures, not
  // confirmed with confirm 3), 25 November 10:00, 10:30 and 11:00 fail (confirmed: 5,400 s
  // until the 11:30 success); paused 22 November 12:00–13:00, the last check before at 11:30,
  // the first after at 14:30 (pause 3,600 s, then 14:00–14:30 beyond 2 × 1,800 s: 1,800 s).
  store.record(checks(id, '2026-11-15T12:00:00+09:00', '2026-11-22T12:00:00+09:00', 30, { downs: [['2026-11-20T10:00:00+09:00', '2026-11-20T11:00:00+09:00']] }));
  setMonitorPaused(db, admin, id, true, ms('2026-11-22T12:00:00+09:00'));
  setMonitorPaused(db, admin, id, false, ms('2026-11-22T13:00:00+09:00'));
  store.record(checks(id, '2026-11-22T14:30:00+09:00', '2026-12-02T09:00:00+09:00', 30, { downs: [['2026-11-25T10:00:00+09:00', '2026-11-25T11:30:00+09:00']] }));
}

describe('confirm and interval have a life: a change in November leaves October as it was', () => {
  const t = tempDb();
  let october: Omit<SlaJson, 'generated_at'>;
  let octoberTable: ReturnType<typeof monitorTable>;
  beforeAll(() => {
    scenario(t.db);
    // October as the site showed it before the change (a now before 15 November 12:00).
    october = month(t.db, '2026-10', CHANGED - MIN);
    octoberTable = monitorTable(t.db, '2026-10', CHANGED - MIN);
  });
  afterAll(() => t.close());

  it('October reads as before, computed by hand: 1,200 s down, 600 s unmonitored, confirm 2 and 600 s in its table', () => {
    const after = month(t.db, '2026-10', DEC_NOW);
    const portal = after.services.find((s) => s.slug === 'portal')!;
    // (2,678,400 − 1,200) / 2,678,400 = 99.9551… %
    expect(portal.downtime_s).toBe(1200);
    expect(portal.availability_pct).toBe('99.955');
    expect(portal.unmonitored_s).toBe(600);
    expect(portal.outages).toEqual([{ start: '2026-10-10T01:00:00.000Z', end: '2026-10-10T01:20:00.000Z', duration_s: 1200, source: 'probe' }]);
    // Byte for byte, every part of `sla --json`, and the report's monitor table.
    expect(JSON.stringify(after)).toBe(JSON.stringify(october));
    expect(monitorTable(t.db, '2026-10', DEC_NOW)).toEqual([{ slug: 'portal-web', service: 'portal', type: 'http', target: 'http://127.0.0.1:9/', confirm: 2, intervalS: 600, timeoutS: 10 }]);
    expect(monitorTable(t.db, '2026-10', DEC_NOW)).toEqual(octoberTable);
  });

  it('November is judged by each setting from its instant on (hand-computed)', () => {
    const nov = month(t.db, '2026-11', DEC_NOW);
    const portal = nov.services.find((s) => s.slug === 'portal')!;
    // Down: 10 Nov 1,200 s (confirm 2 then) + 25 Nov 5,400 s (confirm 3, three failures) = 6,600 s;
    // 20 Nov's two failures are not an outage under confirm 3.
    // (2,592,000 − 6,600) / 2,592,000 = 99.7453… %
    expect(portal.downtime_s).toBe(6600);
    expect(portal.availability_pct).toBe('99.745');
    expect(portal.outages.map((o) => [o.start, o.duration_s])).toEqual([['2026-11-10T01:00:00.000Z', 1200], ['2026-11-25T01:00:00.000Z', 5400]]);
    // Unmonitored: 5 Nov 3,600 + 600 (allowance 2 × 600 s) + 8 Nov 1,200 (allowance 2 × 600 s) + 22 Nov 3,600 + 1,800
    // (allowance 2 × 1,800 s) = 10,800 s, 7,200 s of it paused.
    expect(portal.unmonitored_s).toBe(10_800);
    expect(portal.paused_s).toBe(7200);
    expect(monitorTable(t.db, '2026-11', DEC_NOW)).toEqual([{ slug: 'portal-web', service: 'portal', type: 'http', target: 'http://127.0.0.1:9/', confirm: 3, intervalS: 1800, timeoutS: 10 }]);
  });

  it('the file keeps the settings\' life both ways: exported, imported elsewhere, October and November read the same', () => {
    const text = exported(t.db);
    const doc = JSON.parse(text) as { monitors: Array<{ settings_history?: unknown }> };
    expect(doc.monitors[0]!.settings_history).toEqual([
      { confirm: 2, interval_s: 600, timeout_s: 10, service: 'portal', type: 'http', target: 'http://127.0.0.1:9/', to: '2026-11-15T03:00:00.000Z' },
      { confirm: 3, interval_s: 1800, timeout_s: 10, service: 'portal', type: 'http', target: 'http://127.0.0.1:9/', from: '2026-11-15T03:00:00.000Z' },
    ]);
    const copy = tempDb();
    try {
      importInterchange(copy.db, validateInterchange(JSON.parse(text)), DEC_NOW);
      for (const m of ['2026-10', '2026-11']) expect(JSON.stringify(month(copy.db, m, DEC_NOW))).toBe(JSON.stringify(month(t.db, m, DEC_NOW)));
    } finally {
      copy.close();
    }
  });

  it('a check that arrives late (8 November 10:10, after the change) is judged with the interval in force when it was made', () => {
    new CheckStore(t.db).record([{ monitorId: monitorId(t.db, 'portal-web'), at: ms('2026-11-08T10:10:00+09:00'), status: 'up', latencyMs: 100, error: null }]);
    // 8 November is now 10:10 then 10:40: beyond 2 × 600 s after 10:10, 10:30–10:40 (600 s), so 10,800 − 1,200 + 600 = 10,200 s.
    expect(month(t.db, '2026-11', DEC_NOW).services.find((s) => s.slug === 'portal')!.unmonitored_s).toBe(10_200);
  });
});

describe('the service, the timeout and the confirm of a monitor moved in November leave October as it was', () => {
  const t = tempDb();
  let october: Omit<SlaJson, 'generated_at'>;
  beforeAll(async () => {
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'portal', name: { ja: 'ポータル' }, sla_target_pct: 99.9 }, { slug: 'mail', name: { ja: 'メール' }, sla_target_pct: 99.5 }],
      monitors: [{ slug: 'portal-web', service: 'portal', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 600, timeout_s: 10, confirm: 2, counts_for_availability: true, added_at: ADDED }],
    }), ms(ADDED));
    const id = monitorId(t.db, 'portal-web');
    // 10 October 10:00 and 10:10 fail, 10:20 succeeds: 1,200 s down for portal.
    new CheckStore(t.db).record(checks(id, ADDED, '2026-11-03T00:00:00+09:00', 10, { downs: [['2026-10-10T10:00:00+09:00', '2026-10-10T10:20:00+09:00']] }));
    // October's report issued on 2 November, as the worker does.
    await issueReport(t.db, config, '2026-10', { now: ms('2026-11-02T06:00:00+09:00') });
    october = month(t.db, '2026-10', ms('2026-11-03T00:00:00+09:00'));
    // On 3 November the admin moves it to mail, with a 30 s timeout, confirm 5 and a target with a password and a key.
    edit(t.db, id, { serviceId: serviceId(t.db, 'mail'), timeoutS: 30, confirm: 5, target: 'http://ops:s3cret@127.0.0.1:9/health?key=abc123' }, ms('2026-11-03T00:00:00+09:00'));
  });
  afterAll(() => t.close());

  it('October: portal keeps its 1,200 s and its monitor, mail stays unwatched; every byte as before', () => {
    const after = month(t.db, '2026-10', DEC_NOW);
    const portal = after.services.find((s) => s.slug === 'portal')!;
    const mail = after.services.find((s) => s.slug === 'mail')!;
    // (2,678,400 − 1,200) / 2,678,400 = 99.955 %; mail had no monitor: the whole month unmonitored.
    expect(portal.downtime_s).toBe(1200);
    expect(portal.availability_pct).toBe('99.955');
    expect(portal.unmonitored_s).toBe(0);
    expect(mail.downtime_s).toBe(0);
    expect(mail.unmonitored_s).toBe(2_678_400);
    expect(monitorTable(t.db, '2026-10', DEC_NOW)).toEqual([{ slug: 'portal-web', service: 'portal', type: 'http', target: 'http://127.0.0.1:9/', confirm: 2, intervalS: 600, timeoutS: 10 }]);
    expect(JSON.stringify(after)).toBe(JSON.stringify(october));
  });

  it('the next version of October\'s report says nothing changed (its monitor records stay with portal)', async () => {
    const v2 = await issueReport(t.db, config, '2026-10', { now: DEC_NOW });
    const page = pdfFirstPage(v2.pdf, t.dir, 'v2.pdf');
    expect(page).toContain('前版（第1版）からの変更');
    expect(page).toContain('前版から変わった数値はありません。');
  });

  it('November: portal is watched until 3 November 00:00 only, mail from then on', () => {
    const nov = month(t.db, '2026-11', DEC_NOW);
    const portal = nov.services.find((s) => s.slug === 'portal')!;
    const mail = nov.services.find((s) => s.slug === 'mail')!;
    // Portal: unwatched from 3 Nov 00:00 to 1 Dec 00:00: 28 days = 2,419,200 s.
    expect(portal.unmonitored_s).toBe(2_419_200);
    // Mail: unwatched 1–3 Nov (172,800 s); checks stopped at 2 Nov 23:50 (the data ends), so
    // from 3 Nov 00:10 (2 × 600 s after) the monitor's own gap to 1 Dec: 2,418,600 s.
    expect(mail.unmonitored_s).toBe(172_800 + 2_418_600);
    expect(monitorTable(t.db, '2026-11', DEC_NOW)).toEqual([{ slug: 'portal-web', service: 'mail', type: 'http', target: 'http://********:********@127.0.0.1:9/health?key=********', confirm: 5, intervalS: 600, timeoutS: 30 }]);
    // The kept history holds no secret, only the target as reports show it.
    const kept = JSON.stringify(t.db.$client.prepare('SELECT * FROM monitor_setting_history').all());
    expect(kept).not.toContain('s3cret');
    expect(kept).not.toContain('abc123');
  });

  it('services put in another order in December: October and November keep theirs, byte for byte', () => {
    const before = ['2026-10', '2026-11'].map((m) => JSON.stringify(month(t.db, m, DEC_NOW)));
    const mail = getService(t.db, serviceId(t.db, 'mail'))!;
    saveService(t.db, admin, mail.id, { slug: mail.slug, nameJa: mail.nameJa, nameEn: mail.nameEn, slaTargetPct: mail.slaTargetPct, sortOrder: -1 }, DEC_NOW, config);
    expect(['2026-10', '2026-11'].map((m) => JSON.stringify(month(t.db, m, DEC_NOW)))).toEqual(before);
    expect(month(t.db, '2026-10', DEC_NOW).services.map((s) => s.slug)).toEqual(['portal', 'mail']);
    // The month still running shows the new order.
    expect(month(t.db, '2026-12', DEC_NOW).services.map((s) => s.slug)).toEqual(['mail', 'portal']);
  });
});

describe('a file without settings_history (older exports) still imports, its settings held since the beginning', () => {
  it('imports and reads its confirm for every instant', () => {
    const t = tempDb();
    try {
      importInterchange(t.db, validateInterchange({
        version: 1,
        services: [{ slug: 'portal', name: { ja: 'ポータル' }, sla_target_pct: 99.9 }],
        monitors: [{ slug: 'portal-web', service: 'portal', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 600, confirm: 3, counts_for_availability: true,
          counts_history: [{ counts_for_availability: false, to: '2026-10-05T00:00:00+09:00' }, { counts_for_availability: true, from: '2026-10-05T00:00:00+09:00' }] }],
      }), DEC_NOW);
      const rows = t.db.$client.prepare('SELECT "from", confirm, interval_s AS i, timeout_s AS t FROM monitor_setting_history ORDER BY "from"').all();
      expect(rows).toEqual([{ from: 0, confirm: 3, i: 600, t: 10 }, { from: ms('2026-10-05T00:00:00+09:00'), confirm: 3, i: 600, t: 10 }]);
    } finally {
      t.close();
    }
  });

  it('a settings_history whose last entry is not the monitor\'s own settings is refused, naming the entry', () => {
    let refusal: AppError | null = null;
    try {
      validateInterchange({
      version: 1,
      services: [{ slug: 'portal', name: { ja: 'ポータル' }, sla_target_pct: 99.9 }],
      monitors: [{ slug: 'portal-web', service: 'portal', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 600, confirm: 3, counts_for_availability: true,
        settings_history: [{ confirm: 2, interval_s: 600, timeout_s: 10, service: 'portal' }] }],
      });
    } catch (err) {
      refusal = err as AppError;
    }
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal!.issues).toEqual([{ path: '$.monitors[0].settings_history[0]', message: 'the last entry must be the monitor\'s confirm, interval_s, timeout_s, service, type and target' }]);
  });
});

describe('changed on the admin page: confirm, interval and timeout apply from the moment they are saved', () => {
  let site: RunningSite;
  let stop: () => Promise<void>;
  let db: Db;
  let id = 0;
  let october: Omit<SlaJson, 'generated_at'>;
  beforeAll(async () => {
    const started = await startAdminSite();
    ({ site, stop } = started);
    db = openDatabase(started.dbPath);
    const service = serviceId(db, 'website');
    id = Number(db.$client.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options, paused, added_at)
      VALUES ('website-http', ?, 'http', 'http://127.0.0.1:9/', 600, 10, 2, 1, '{}', 0, ?)`).run(service, ms(ADDED)).lastInsertRowid);
    // Down on 15 October 10:00 and 10:10, up at 10:20: 1,200 s with confirm 2. Checked every 10 min up to now.
    new CheckStore(db).record(checks(id, ADDED, new Date(Date.now()).toISOString(), 10, { downs: [['2026-10-15T10:00:00+09:00', '2026-10-15T10:20:00+09:00']] }));
    october = month(db, '2026-10', Date.now());
  });
  afterAll(async () => {
    db?.$client.close();
    await stop?.();
  });

  it('the form says so in Japanese; after saving confirm 3, interval 1,800 s and timeout 30 s, October reads 1,200 s down as before', async () => {
    const cookie = await signInCookie(site.url, ADMIN);
    const page = await (await fetch(`${site.url}/admin/monitors/${id}`, { headers: { cookie } })).text();
    expect(page).toContain('保存した時点から適用されます。それより前の時間（終わった月を含む）は、その時の設定のまま集計され、報告書にもその時の設定で載ります。');
    // The service form says what a change reaches, the name included (it has no life).
    const servicePage = await (await fetch(`${site.url}/admin/services/${serviceId(db, 'website')}`, { headers: { cookie } })).text();
    expect(servicePage).toContain('名称の変更は記録が残らないため、終わった月の報告書と API の表示名にも反映されます（数値は変わりません）。');
    const res = await fetch(`${site.url}/admin/monitors/${id}`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie, origin: site.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([['action', 'save'], ['type', 'http'], ['slug', 'website-http'], ['serviceId', String(serviceId(db, 'website'))],
        ['target', 'http://127.0.0.1:9/'], ['intervalS', '1800'], ['timeoutS', '30'], ['confirm', '3'], ['countsForAvailability', 'on']]),
    });
    expect(res.status).toBe(303);
    const kept = db.$client.prepare('SELECT "from", confirm, interval_s AS intervalS, timeout_s AS timeoutS FROM monitor_setting_history WHERE monitor_id = ? ORDER BY "from"').all(id) as { from: number }[];
    expect(kept.map(({ from: _, ...rest }) => rest)).toEqual([{ confirm: 2, intervalS: 600, timeoutS: 10 }, { confirm: 3, intervalS: 1800, timeoutS: 30 }]);
    expect(Math.abs(kept[1]!.from - Date.now())).toBeLessThan(60_000);
    const after = month(db, '2026-10', Date.now());
    // (2,678,400 − 1,200) / 2,678,400 = 99.955 %: the two failures still confirm an outage in October.
    expect(after.services.find((s) => s.slug === 'website')!.downtime_s).toBe(1200);
    expect(JSON.stringify(after.services)).toBe(JSON.stringify(october.services));
    expect(JSON.stringify(after.rows)).toBe(JSON.stringify(october.rows));
    expect(monitorTable(db, '2026-10', Date.now()).find((m) => m.slug === 'website-http')).toEqual({ slug: 'website-http', service: 'website', type: 'http', target: 'http://127.0.0.1:9/', confirm: 2, intervalS: 600, timeoutS: 10 });
  });
});
