import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { waitFor, type RunningSite } from '../helpers/site';
import { startProbedAdminSite, signInOnDashboard, OPS_ADMIN as ADMIN } from '../helpers/probed-admin-site';
import type { Db } from '../../src/lib/db';
import { toLocalInput } from '../../src/lib/i18n-admin';

let target: Server;
let site: RunningSite;
let browser: Browser;
let db: Db;
let stop: () => Promise<void>;

beforeAll(async () => {
  // Check every second so the outage is confirmed quickly.
  ({ site, browser, db, target, stop } = await startProbedAdminSite('admin-alarm-', (setup) => setup.$client.prepare("UPDATE monitors SET interval_s = 1 WHERE slug = 'elearning-web'").run()));
});

afterAll(async () => {
  await stop?.();
});

const count = (sql: string, ...args: unknown[]) => (db.$client.prepare(sql).get(...args) as { n: number }).n;

describe('the operators dashboard in Chromium', () => {
  it('shows a new alarm live, flashing, until an admin acknowledges it; the acknowledgement becomes the draft incident’s awareness time', async () => {
    const context = await browser.newContext({ locale: 'ja-JP', extraHTTPHeaders: { 'accept-language': 'ja-JP' } });
    // Counts the beeps the dashboard plays (each one is an oscillator started on the page's AudioContext).
    await context.addInitScript(() => {
      const w = window as unknown as { beeps: number };
      w.beeps = 0;
      const original = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function (this: AudioContext) { w.beeps += 1; return original.call(this); };
    });
    const page = await context.newPage();
    const beeps = () => page.evaluate(() => (window as unknown as { beeps: number }).beeps);
    await signInOnDashboard(page, site.url);

    // The target answers: the monitor is up, nothing flashes.
    await waitFor(() => count('SELECT COUNT(*) AS n FROM checks WHERE status = 0') >= 1, 15_000, 100);
    await page.waitForSelector('[data-monitor-state].status-up', { timeout: 15_000 });
    expect(await page.textContent('#alarms')).toContain('未対応のアラームはありません。');
    expect(await page.locator('.flash').count()).toBe(0);
    expect(await page.getAttribute('#lamp', 'class')).not.toMatch(/\bon\b/);
    // The operator turns the sound on (browsers play audio only after a click).
    await page.click('#sound-on');
    expect(await page.isHidden('#sound-on')).toBe(true);
    expect(await beeps()).toBe(0);
    // A mark on this document: it survives only if the page is never reloaded.
    await page.evaluate(() => { (window as unknown as { notReloaded: boolean }).notReloaded = true; });

    // The test turns the target down: connections are refused from now on.
    await new Promise((ok) => target.close(ok));
    target.closeAllConnections();

    const alarm = page.locator('#alarms .alarm.unacked');
    await alarm.waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await alarm.getAttribute('class')).toMatch(/\bflash\b/);
    expect(await alarm.getAttribute('role')).toBe('alert');
    expect(await alarm.textContent()).toContain('elearning-web');
    // The reason in plain Japanese; the probe's own words only folded in a details element.
    expect(await alarm.locator('strong').innerText()).toBe('重大 · elearning-web · 停止');
    expect(await alarm.locator('.probe-reason').innerText()).toBe('接続を拒否されました');
    expect(await alarm.locator('details.probe-output code').isVisible()).toBe(false);
    expect(await alarm.innerText()).not.toMatch(/connection refused|\bdown\b/);
    expect(await alarm.locator('details.probe-output code').textContent()).toBe('connection refused');
    await page.screenshot({ path: 'test-results/admin-alarm-card.png' });
    // It really blinks: the stylesheet's animation runs on it, and the lamp is lit and flashing.
    expect(await alarm.evaluate((el) => getComputedStyle(el).animationName)).toBe('flash');
    expect(await page.getAttribute('#lamp', 'class')).toMatch(/\bon\b.*\bflash\b|\bflash\b.*\bon\b/);
    expect(await page.textContent('[data-monitor-state]')).toBe('停止');
    // It sounds, and keeps sounding (every 2 s) while nobody acknowledges it.
    await page.waitForFunction(() => (window as unknown as { beeps: number }).beeps >= 2, undefined, { timeout: 10_000 });

    const row = db.$client.prepare('SELECT id, incident_id AS incidentId, detected_at AS detectedAt FROM alarms').get() as { id: number; incidentId: number; detectedAt: number };
    expect(row.incidentId).not.toBeNull();
    const before = db.$client.prepare('SELECT draft, detected_at AS detectedAt, aware_at AS awareAt FROM incidents WHERE id = ?').get(row.incidentId) as { draft: number; detectedAt: number | null; awareAt: number | null };
    expect(before).toEqual({ draft: 1, detectedAt: row.detectedAt, awareAt: null });

    const clickedAt = Date.now();
    await alarm.getByRole('button', { name: '確認' }).click();
    await page.waitForSelector('#alarms .alarm:not(.unacked)', { timeout: 10_000 });
    expect(await page.locator('.flash').count()).toBe(0);
    expect(await page.getAttribute('#lamp', 'class')).not.toMatch(/\bon\b|\bflash\b/);
    expect(await page.textContent('#alarms .alarm .badge')).toBe('確認済み');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    const acked = db.$client.prepare('SELECT acknowledged_at AS at, acknowledged_by AS by FROM alarms WHERE id = ?').get(row.id) as { at: number; by: number };
    const admin = db.$client.prepare('SELECT id FROM users WHERE email = ?').get(ADMIN.email) as { id: number };
    expect(acked.by).toBe(admin.id);
    expect(acked.at).toBeGreaterThanOrEqual(clickedAt - 1000);
    const after = db.$client.prepare('SELECT detected_at AS detectedAt, aware_at AS awareAt FROM incidents WHERE id = ?').get(row.incidentId) as { detectedAt: number; awareAt: number };
    expect(after).toEqual({ detectedAt: row.detectedAt, awareAt: acked.at });
    expect(count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'alarm.acknowledge' AND entity_id = ?", String(row.id))).toBe(1);

    // The next polls keep it quiet and dark while the target is still down.
    const beepsAtAck = await beeps();
    await page.waitForTimeout(5500);
    expect(await page.locator('.flash').count()).toBe(0);
    expect(await beeps()).toBe(beepsAtAck);
    expect(count('SELECT COUNT(*) AS n FROM alarms WHERE recovery_detected_at IS NULL')).toBe(1);

    // The incident page shows the awareness time the acknowledgement set.
    await page.goto(`${site.url}/admin/incidents/${row.incidentId}`);
    expect(await page.inputValue('#t-awareAt')).toBe(toLocalInput(acked.at, 'Asia/Tokyo'));
    await context.close();
  });

  it('runs its script and stylesheets from files of the site itself: no inline script, nothing the Content-Security-Policy refuses', async () => {
    const context = await browser.newContext({ locale: 'ja-JP' });
    await context.addInitScript(() => {
      const w = window as unknown as { refused: string[] };
      w.refused = [];
      document.addEventListener('securitypolicyviolation', (e) => w.refused.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    await page.goto(`${site.url}/login?next=/admin/`);
    await page.fill('#email', ADMIN.email);
    await page.fill('#password', ADMIN.password);
    const dashboard = page.waitForResponse((r) => r.url() === `${site.url}/admin/` && r.request().method() === 'GET');
    const polled = page.waitForRequest(`${site.url}/admin/dashboard.json`);
    await page.click('button[type=submit]');
    const answer = await dashboard;
    expect(answer.headers()['content-security-policy']).toContain("script-src 'self'");
    const html = await answer.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    const code = scripts.filter(([, attrs]) => !/type="application\/json"/.test(attrs!));
    expect(code.length).toBeGreaterThan(0);
    for (const [, attrs, body] of code) {
      expect(attrs).toMatch(/\bsrc="\/_astro\/[^"]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).toMatch(/<link rel="stylesheet" href="\/_astro\/[^"]+\.css"/);
    // The script ran (it polls the dashboard's data), and nothing was refused.
    await polled;
    const src = /\bsrc="([^"]+)"/.exec(code[0]![1]!)![1]!;
    const file = await page.request.get(`${site.url}${src}`);
    expect(file.status()).toBe(200);
    expect(file.headers()['content-type']).toMatch(/javascript/);
    await page.waitForTimeout(1000);
    expect(await page.evaluate(() => (window as unknown as { refused: string[] }).refused)).toEqual([]);
    // The sign-in page and the reports load their stylesheets as files too, and run no inline script.
    for (const path of ['/login', '/reports/']) {
      const other = await page.request.get(`${site.url}${path}`);
      expect(other.status()).toBe(200);
      const text = await other.text();
      expect(text).toMatch(/<link rel="stylesheet" href="\/_astro\/[^"]+\.css"/);
      expect(text).not.toMatch(/<style\b/);
      for (const [, attrs, body] of text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
        if (/type="application\/json"/.test(attrs!)) continue;
        expect(attrs).toMatch(/\bsrc="\/_astro\//);
        expect(body!.trim()).toBe('');
      }
    }
    await context.close();
  });
});
