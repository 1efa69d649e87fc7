import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange } from '../../src/lib/interchange/import';
import { CheckStore } from '../../src/lib/checks/store';
import { startSite, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { launchBrowser } from '../helpers/browser';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The public page tells one story: for every combination of the probe's state, a draft
 * incident, a published incident and a planned stop, the banner, the service row and the
 * incident list agree, in fixed words per state, and nothing internal (a probe's reason, a
 * push's text, a draft) reaches the page. Walked on the built site, one combination at a time.
 */
const MIN = 60_000;
const PROBE_STATES = ['up', 'single_failure', 'confirmed_down', 'degraded', 'silent'] as const;
const STOPS = ['none', 'upcoming', 'in_progress'] as const;
type ProbeState = (typeof PROBE_STATES)[number];
type Stop = (typeof STOPS)[number];

const RAW_REASON = 'connection refused ECONNREFUSED';
const PUSH_TEXT = 'disk full on db01 <push-message>';
const DRAFT_TITLE = '下書きの障害タイトル';
const PUBLISHED_TITLE = 'ログインしにくい状態';

interface Combination { probe: ProbeState; draft: boolean; published: boolean; stop: Stop }

const combinations: Combination[] = [];
for (const probe of PROBE_STATES) for (const draft of [false, true]) for (const published of [false, true]) for (const stop of STOPS) combinations.push({ probe, draft, published, stop });

/** What the page must say of the e-learning service, from the rules (SLA.md and the state model). */
function expected(c: Combination) {
  const rank = ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'];
  const probe = c.stop === 'in_progress' ? 'operational' : c.probe === 'confirmed_down' ? 'major_outage' : c.probe === 'degraded' ? 'degraded_performance' : 'operational';
  const incident = c.published ? 'partial_outage' : 'operational';
  let status = rank.indexOf(incident) >= rank.indexOf(probe) && incident !== 'operational' ? incident : probe;
  const detected = probe !== 'operational' && rank.indexOf(probe) > rank.indexOf(incident);
  if (status === 'operational' && c.stop === 'in_progress') status = 'under_maintenance';
  const interrupted = c.probe === 'silent';
  const row = status === 'operational' && interrupted ? 'monitoring_interrupted' : status;
  const banner = status === 'operational' && interrupted ? 'monitoring_interrupted' : status;
  const quiet = !c.published && !detected && !interrupted && (status === 'operational' || status === 'under_maintenance');
  return { status, row, banner, detected, quiet };
}

function attr(html: string, re: RegExp): string | null {
  return re.exec(html)?.[1] ?? null;
}

describe('one public state for every combination', () => {
  const dir = tempDir();
  const dbPath = join(dir.dir, 'status.db');
  let db: Db;
  let site: RunningSite;
  let web = 0;
  let learn = 0;
  let learnService = 0;

  beforeAll(async () => {
    db = openDatabase(dbPath);
    importInterchange(db, {
      version: 1,
      services: [
        { slug: 'web', name: { ja: '広報WEBサイト', en: 'Public website' }, sla_target_pct: 99.9 },
        { slug: 'learn', name: { ja: 'eラーニング', en: 'E-learning' }, sla_target_pct: 99.9 },
      ],
      monitors: [
        { slug: 'web-check', service: 'web', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 60, confirm: 2, counts_for_availability: true },
        { slug: 'learn-check', service: 'learn', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 60, confirm: 2, counts_for_availability: true },
      ],
    });
    const ids = db.$client.prepare('SELECT slug, id FROM monitors').all() as Array<{ slug: string; id: number }>;
    web = ids.find((m) => m.slug === 'web-check')!.id;
    learn = ids.find((m) => m.slug === 'learn-check')!.id;
    learnService = db.$client.prepare("SELECT id FROM services WHERE slug = 'learn'").pluck().get() as number;
    site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off' });
  }, 90_000);

  afterAll(async () => {
    await site?.stop();
    db?.$client.close();
    dir.remove();
  });

  /** Rewrites the learn service's world to the combination (checks end now, the web service stays well). */
  function arrange(c: Combination, now: number): void {
    const sql = db.$client;
    sql.transaction(() => {
      for (const table of ['checks', 'check_runs', 'check_gaps', 'incident_updates', 'incident_services', 'incidents', 'maintenance_services', 'maintenances']) sql.prepare(`DELETE FROM ${table}`).run();
    })();
    const store = new CheckStore(db);
    const end = Math.floor(now / 1000) * 1000;
    const base = (m: number, last: number) => Array.from({ length: 10 }, (_, i) => ({ monitorId: m, at: last - (10 - i) * MIN, status: 'up' as const, latencyMs: 120, error: null }));
    store.record([...base(web, end), { monitorId: web, at: end, status: 'up', latencyMs: 120, error: null }]);
    const learnEnd = c.probe === 'silent' ? end - 5 * MIN : end;
    const tail = {
      up: [{ status: 'up' as const, error: null }],
      single_failure: [{ status: 'down' as const, error: RAW_REASON }],
      confirmed_down: [{ status: 'down' as const, error: RAW_REASON }, { status: 'down' as const, error: PUSH_TEXT }, { status: 'down' as const, error: RAW_REASON }],
      degraded: [{ status: 'degraded' as const, error: `slow: 900 ms ${PUSH_TEXT}` }],
      silent: [{ status: 'up' as const, error: null }],
    }[c.probe];
    store.record([
      ...base(learn, learnEnd - tail.length * MIN),
      ...tail.map((t, i) => ({ monitorId: learn, at: learnEnd - (tail.length - 1 - i) * MIN, status: t.status, latencyMs: t.status === 'down' ? null : 900, error: t.error })),
    ]);
    const incident = sql.prepare(`INSERT INTO incidents (key, kind, severity, title_ja, title_en, started_at, aware_at, draft, created_at, updated_at)
      VALUES (?, 'failure', 'major', ?, ?, ?, ?, ?, ?, ?)`);
    const impact = sql.prepare('INSERT INTO incident_services (incident_id, service_id, impact) VALUES (?, ?, ?)');
    const update = sql.prepare('INSERT INTO incident_updates (incident_id, at, status, body_ja, body_en, published) VALUES (?, ?, ?, ?, ?, ?)');
    if (c.draft) {
      const id = Number(incident.run('draft-1', DRAFT_TITLE, 'Draft title', now - 3 * MIN, now - 3 * MIN, 1, now, now).lastInsertRowid);
      impact.run(id, learnService, 'major_outage');
      update.run(id, now - 2 * MIN, 'investigating', `自動検知 ${RAW_REASON}`, null, 1);
    }
    if (c.published) {
      const id = Number(incident.run('login-1', PUBLISHED_TITLE, 'Sign-in is hard', now - 20 * MIN, now - 20 * MIN, 0, now, now).lastInsertRowid);
      impact.run(id, learnService, 'partial_outage');
      update.run(id, now - 15 * MIN, 'investigating', '原因を調査しています。', 'We are investigating.', 1);
      update.run(id, now - 10 * MIN, 'identified', `内部メモ ${PUSH_TEXT}`, null, 0);
    }
    if (c.stop !== 'none') {
      const start = c.stop === 'in_progress' ? now - 30 * MIN : now + 3 * 86_400_000;
      const id = Number(sql.prepare(`INSERT INTO maintenances (key, category, title_ja, title_en, announced_at, scheduled_start, scheduled_end, status, created_at, updated_at)
        VALUES ('stop-1', 'inspection', '定期点検', 'Inspection', ?, ?, ?, ?, ?, ?)`).run(now - 20 * 86_400_000, start, start + 2 * 3_600_000, c.stop === 'in_progress' ? 'in_progress' : 'scheduled', now, now).lastInsertRowid);
      sql.prepare('INSERT INTO maintenance_services (maintenance_id, service_id) VALUES (?, ?)').run(id, learnService);
    }
  }

  /**
   * The public answers are rendered off the serving thread, at most a couple of seconds
   * behind the data: waits until the page (both languages) was rendered after `since`.
   */
  async function renderedSince(since: number, paths = ['/', '/en/']): Promise<void> {
    const until = Date.now() + 15_000;
    for (const path of paths) {
      for (;;) {
        const html = await (await fetch(site.url + path)).text();
        const at = /<p class="updated">[^<]*<time datetime="([^"]+)"/.exec(html)?.[1];
        if (at && Date.parse(at) >= since) break;
        if (Date.now() > until) throw new Error(`${path} not rendered since ${new Date(since).toISOString()} (last ${at})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  it(`agrees with itself in all ${combinations.length} combinations, in Japanese and English`, async () => {
    const failures: string[] = [];
    for (const c of combinations) {
      const now = Date.now();
      arrange(c, now);
      await renderedSince(now);
      const want = expected(c);
      for (const path of ['/', '/en/']) {
        const res = await fetch(site.url + path);
        const html = await res.text();
        const name = `${JSON.stringify(c)} ${path}`;
        const check = (ok: boolean, what: string) => { if (!ok) failures.push(`${name}: ${what}`); };
        check(res.status === 200, `status ${res.status}`);
        const learnRow = /<li class="service" data-service="learn"[^>]*>/.exec(html)?.[0] ?? '';
        check(attr(learnRow, /data-status="([^"]+)"/) === want.status, `learn status ${attr(learnRow, /data-status="([^"]+)"/)} != ${want.status}`);
        check(attr(learnRow, /data-row="([^"]+)"/) === want.row, `learn row ${attr(learnRow, /data-row="([^"]+)"/)} != ${want.row}`);
        const webRow = /<li class="service" data-service="web"[^>]*>/.exec(html)?.[0] ?? '';
        check(attr(webRow, /data-row="([^"]+)"/) === 'operational', 'web row not operational');
        check(attr(html, /data-banner="([^"]+)"/) === want.banner, `banner ${attr(html, /data-banner="([^"]+)"/)} != ${want.banner}`);
        check(html.includes('data-testid="detected" data-service="learn"') === want.detected, `detected notice ${!want.detected ? 'shown' : 'missing'}`);
        check(html.includes('data-testid="no-incidents"') === want.quiet, `"no incidents" ${want.quiet ? 'missing' : 'shown'}`);
        check(html.includes(PUBLISHED_TITLE) || html.includes('Sign-in is hard') ? c.published : !c.published, 'published incident listing');
        // Nothing internal: no probe reason, no push text, no draft, no unpublished update.
        for (const secret of ['ECONNREFUSED', 'connection refused', 'disk full', 'push-message', 'slow: 900', DRAFT_TITLE, 'Draft title', '内部メモ', '自動検知']) check(!html.includes(secret), `shows "${secret}"`);
        // The banner's words are the fixed words of its state.
        const bannerText = /data-testid="overall"[^>]*>([^<]*)</.exec(html)?.[1] ?? '';
        check(bannerText.length > 0, 'banner empty');
        if (want.banner === 'operational') check(!html.includes('data-testid="active-incidents"'), 'incident list beside an all-well banner');
        if (want.status !== 'operational' && want.status !== 'under_maintenance') check(html.includes('data-testid="active-incidents"'), 'outage with no entry in the incident list');
        if (want.status === 'under_maintenance') check(/data-maintenance="stop-1"/.test(html), 'planned stop not listed');
      }
    }
    expect(failures).toEqual([]);
  }, 400_000);

  it('reads as it should in Chromium on a phone: a detected outage, and interrupted monitoring', async () => {
    const shots = resolve(process.env.SCREENSHOT_DIR ?? 'test-results/user-paths');
    mkdirSync(shots, { recursive: true });
    const browser = await launchBrowser();
    try {
      for (const [name, c, banner, row] of [
        ['learner-detected-phone', { probe: 'confirmed_down', draft: true, published: false, stop: 'none' }, 'サービスで障害が発生しています。', '障害'],
        ['learner-interrupted-phone', { probe: 'silent', draft: false, published: false, stop: 'none' }, '一部のサービスで監視を一時停止しています。最新の状態を確認できていません。', '監視を一時停止しています'],
      ] as const) {
        const now = Date.now();
        arrange(c, now);
        await renderedSince(now, ['/']);
        const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
        await page.goto(`${site.url}/`);
        expect(await page.getByTestId('overall').innerText()).toBe(banner);
        expect(await page.locator('.service[data-service=learn] [data-testid=service-state]').innerText()).toBe(row);
        if (c.probe === 'confirmed_down') expect(await page.getByTestId('detected').innerText()).toBe('eラーニング: 自動監視で停止を検知しました。状況を確認しています。');
        expect(await page.locator('body').innerText()).not.toMatch(/ECONNREFUSED|disk full|下書き/);
        await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
        await page.close();
      }
    } finally {
      await browser.close();
    }
  }, 60_000);
});
