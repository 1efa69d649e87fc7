import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DateTime } from 'luxon';
import { launchBrowser } from '../helpers/browser';
import { openDatabase, type Db } from '../../src/lib/db';
import { parseConfig } from '../../src/lib/config';
import { issueReport } from '../../src/lib/report/issue';
import { startAdminSite, ADMIN, CLIENT, signInCookie } from '../integration/admin-fixture';

/**
 * The three users' paths, walked in Chromium on a 390 px phone and a desktop:
 * an operator records an outage from the dashboard in at most three clicks and no typing,
 * with the contract's timers running from that moment; a learner then reads one story on
 * the public page (banner, row and incident agree; the day bar leads to the incident);
 * a client signs in, lands on the reports and downloads last month's PDF in two clicks.
 */
const shots = resolve(process.env.SCREENSHOT_DIR ?? 'test-results/user-paths');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

let ctx: Awaited<ReturnType<typeof startAdminSite>>;
let browser: Browser;
let url: string;
let db: Db;
const lastMonth = DateTime.now().setZone('Asia/Tokyo').minus({ months: 1 }).toFormat('yyyy-LL');

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  [ctx, browser] = await Promise.all([startAdminSite(), launchBrowser()]);
  url = ctx.site.url;
  db = openDatabase(ctx.dbPath, { migrate: false });
  await issueReport(db, parseConfig({}), lastMonth, { trigger: 'schedule' });
}, 120_000);
afterAll(async () => {
  db?.$client.close();
  await browser?.close();
  await ctx?.stop();
});

async function open(viewport: { width: number; height: number }, lang = 'ja-JP'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: lang, extraHTTPHeaders: { 'accept-language': lang }, acceptDownloads: true });
  return { context, page: await context.newPage() };
}

async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
}

/** No part of the page is wider than the screen (nothing to scroll sideways). */
async function fitsWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

describe('an operator records an outage from the dashboard', () => {
  it('on a phone: two clicks from the dashboard (service button, record), nothing typed; timers run from now', async () => {
    const { context, page } = await open(PHONE);
    await signIn(page, ADMIN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${url}/admin/`);
    expect(await fitsWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(shots, 'operator-dashboard-phone.png'), fullPage: true });
    let clicks = 0;
    const before = Date.now();
    await page.click('[data-record-service=elearning]');
    clicks++;
    await page.waitForURL(/\/admin\/incidents\/quick\?service=/);
    expect(await page.textContent('h1')).toBe('障害を登録');
    expect(await page.isChecked('input[name=serviceId][value="1"]')).toBe(true);
    expect(await page.isChecked('input[name=impact][value=major_outage]')).toBe(true);
    expect(await fitsWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(shots, 'operator-quick-form-phone.png'), fullPage: true });
    await page.click('[data-testid=quick-submit]');
    clicks++;
    await page.waitForURL(/\/admin\/incidents\/\d+\?saved=1/);
    expect(clicks).toBeLessThanOrEqual(3);
    const row = db.$client.prepare(`SELECT id, title_ja AS title, aware_at AS aware, started_at AS started, draft, severity FROM incidents ORDER BY id DESC LIMIT 1`).get() as
      { id: number; title: string; aware: number | null; started: number; draft: number; severity: string };
    expect(row.title).toBe('eラーニングシステムをご利用いただけない状態です');
    expect(row.draft).toBe(0);
    expect(row.severity).toBe('major');
    expect(row.aware).not.toBeNull();
    expect(row.aware!).toBeGreaterThanOrEqual(before - 1000);
    expect(row.aware!).toBeLessThanOrEqual(Date.now());
    // The timers run from awareness: the client notice is pending with a deadline.
    expect(await page.textContent('tr[data-timer=client_notified] td:last-child')).toBe('進行中');
    expect(await page.getAttribute('tr[data-timer=client_notified] [data-deadline]', 'data-deadline')).toMatch(/^\d+$/);
    const published = db.$client.prepare('SELECT count(*) FROM incident_updates WHERE incident_id = ? AND published = 1').pluck().get(row.id);
    expect(published).toBe(1);
    expect(await fitsWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(shots, 'operator-incident-phone.png'), fullPage: true });
    await context.close();
  });

  it('on a desktop: the general button takes three clicks (button, service, record)', async () => {
    const { context, page } = await open(DESKTOP);
    await signIn(page, ADMIN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${url}/admin/`);
    let clicks = 0;
    await page.click('[data-testid=record-outage]');
    clicks++;
    await page.click('input[name=serviceId][value="2"]');
    clicks++;
    await page.click('input[name=impact][value=degraded_performance]');
    // Choosing an impact other than the default is a fourth, optional click.
    await page.click('[data-testid=quick-submit]');
    clicks++;
    await page.waitForURL(/\/admin\/incidents\/\d+\?saved=1/);
    expect(clicks).toBe(3);
    expect(await page.textContent('h1')).toBe('広報啓発WEBサイトの動作が遅くなっています');
    await page.screenshot({ path: join(shots, 'operator-incident-desktop.png'), fullPage: true });
    await context.close();
  });

  it('a refused form keeps what was typed and says why, in the page language, beside the field', async () => {
    const cookie = await signInCookie(url, ADMIN);
    const count = () => db.$client.prepare('SELECT count(*) FROM incidents').pluck().get() as number;
    const n = count();
    for (const [lang, expected] of [['ja', '選択肢から選んでください。'], ['en', 'Choose one of the options.']] as const) {
      const res = await fetch(`${url}/admin/incidents/quick`, {
        method: 'POST', redirect: 'manual',
        headers: { cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': lang },
        body: new URLSearchParams({ impact: 'partial_outage', titleJa: '自分で書いた件名', bodyJa: '自分で書いた第一報です。' }),
      });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain(`data-error-for="serviceId">${expected}</p>`);
      expect(html).toContain('value="自分で書いた件名"');
      expect(html).toContain('>自分で書いた第一報です。</textarea>');
      expect(html).toMatch(/value="partial_outage" checked/);
    }
    expect(count()).toBe(n);
  });
});

describe('a learner reads one story on the public page', () => {
  for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
    it(`on a ${name}: banner, row and incident agree; the day bar leads to the incident; past incidents by day`, async () => {
      const { context, page } = await open(viewport);
      await page.goto(`${url}/`);
      await expect.poll(() => page.getByTestId('overall').getAttribute('data-banner')).toBe('major_outage');
      expect(await page.getByTestId('overall').innerText()).toBe('サービスで障害が発生しています。');
      expect(await page.locator('.service[data-service=elearning] [data-testid=service-state]').innerText()).toBe('障害');
      expect(await page.locator('.service[data-service=website] [data-testid=service-state]').innerText()).toBe('低速');
      const titles = await page.locator('[data-testid=active-incidents] .incident-title').allInnerTexts();
      expect(titles).toEqual(expect.arrayContaining(['eラーニングシステムをご利用いただけない状態です', '広報啓発WEBサイトの動作が遅くなっています']));
      expect(await page.getByTestId('no-incidents').count()).toBe(0);
      expect(await page.locator('[data-testid=past-incidents] .past-day').count()).toBe(7);
      expect(await fitsWidth(page)).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: join(shots, `learner-status-${name}.png`), fullPage: true });
      // Today's bar: its detail names the incident and links to it.
      await page.locator('.service[data-service=elearning] .bars li').last().click();
      const link = page.locator('.day-detail[data-detail-for=elearning] a', { hasText: 'eラーニングシステムをご利用いただけない状態です' });
      await link.click();
      await page.waitForURL(/\/incidents\/[^/]+$/);
      expect(await page.locator('h1').innerText()).toBe('eラーニングシステムをご利用いただけない状態です');
      // The history index lists this month's incidents themselves, not only month links.
      await page.goto(`${url}/incidents/`);
      const thisMonth = await page.getByTestId('this-month').innerText();
      expect(thisMonth).toContain('eラーニングシステムをご利用いただけない状態です');
      expect(thisMonth).toContain('広報啓発WEBサイトの動作が遅くなっています');
      if (name === 'phone') await page.screenshot({ path: join(shots, 'learner-history-phone.png'), fullPage: true });
      await context.close();
    });
  }

  it('a mistyped address gets the site\'s own page, in its language, with a way home', async () => {
    for (const [path, title, home] of [['/no-such-page', 'ページが見つかりません', '稼働状況のページへ'], ['/en/no-such-page', 'Page not found', 'Go to the status page']] as const) {
      const { context, page } = await open(PHONE);
      const res = await page.goto(`${url}${path}`);
      expect(res?.status()).toBe(404);
      expect(await page.locator('h1').innerText()).toBe(title);
      expect(await page.locator('link[rel=icon]').getAttribute('href')).toBe('/favicon.svg');
      await page.screenshot({ path: join(shots, `404${path.startsWith('/en') ? '-en' : ''}-phone.png`), fullPage: true });
      await page.getByRole('link', { name: home }).click();
      await page.waitForURL(`${url}${path.startsWith('/en') ? '/en/' : '/'}`);
      await context.close();
    }
  });
});

describe('a client at month end', () => {
  for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
    it(`on a ${name}: signs in, lands on the reports, and downloads last month's PDF in two clicks`, async () => {
      const { context, page } = await open(viewport);
      await signIn(page, CLIENT);
      let clicks = 0;
      await page.click('button[type=submit]');
      clicks++;
      await page.waitForURL(`${url}/reports/`);
      expect(await page.locator('[data-testid=latest-report]').getAttribute('data-month')).toBe(lastMonth);
      expect(await page.locator('[data-testid=latest-services] tbody tr').count()).toBe(2);
      // The client is not warned about the admin's settings, and sees no operators' links.
      expect(await page.getByTestId('report-settings-unset').count()).toBe(0);
      const nav = await page.locator('nav.report-nav a').allInnerTexts();
      expect(nav).not.toContain('管理画面');
      expect(await fitsWidth(page)).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: join(shots, `client-reports-${name}.png`), fullPage: true });
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=latest-pdf]')]);
      clicks++;
      expect(clicks).toBe(2);
      expect(download.suggestedFilename()).toBe(`sla-report-${lastMonth}-v1.pdf`);
      const path = await download.path();
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(path).subarray(0, 5).toString()).toBe('%PDF-');
      // The operators' dashboard is not a client's page; the admin navigation shows only what a client may read.
      await page.goto(`${url}/admin/`);
      await page.waitForURL(`${url}/reports/`);
      await page.goto(`${url}/admin/incidents/`);
      const adminNav = await page.locator('.admin-head nav a').allInnerTexts();
      expect(adminNav).toEqual(['SLA月次報告', '障害', '計画停止']);
      await context.close();
    });
  }

  it('an admin is warned on the reports page and the dashboard while the report cover is unset', async () => {
    const { context, page } = await open(DESKTOP);
    await signIn(page, ADMIN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${url}/admin/`);
    expect(await page.getByTestId('report-settings-unset').innerText()).toContain('委託者名');
    expect(await page.locator('.admin-head nav a', { hasText: 'SLA月次報告' }).count()).toBe(1);
    await page.goto(`${url}/reports/`);
    expect(await page.getByTestId('report-settings-unset').innerText()).toContain('report.client');
    await page.screenshot({ path: join(shots, 'admin-reports-desktop.png'), fullPage: true });
    await context.close();
  });
});

describe('destructive actions ask first, without JavaScript too', () => {
  it('cancelling a planned stop asks, can be declined, and a cancelled stop can be restored', async () => {
    const now = Date.now();
    const id = Number(db.$client.prepare(`INSERT INTO maintenances (key, category, title_ja, title_en, announced_at, scheduled_start, scheduled_end, status, created_at, updated_at)
      VALUES ('confirm-stop', 'inspection', '確認用の計画停止', 'Stop to confirm', ?, ?, ?, 'scheduled', ?, ?)`).run(now, now + 20 * 86_400_000, now + 20 * 86_400_000 + 7_200_000, now, now).lastInsertRowid);
    const status = () => db.$client.prepare('SELECT status FROM maintenances WHERE id = ?').pluck().get(id);
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false, locale: 'ja-JP', extraHTTPHeaders: { 'accept-language': 'ja-JP' } });
    const page = await context.newPage();
    await signIn(page, ADMIN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${url}/admin/`);
    await page.goto(`${url}/admin/maintenance/${id}`);
    await page.click('form:has(input[value=cancel]) button');
    expect(await page.locator('[data-testid=confirm-step] h2').innerText()).toBe('この計画停止を中止しますか？');
    expect(status()).toBe('scheduled');
    await page.screenshot({ path: join(shots, 'operator-confirm-cancel-phone.png'), fullPage: true });
    await page.click('[data-testid=confirm-no]');
    expect(status()).toBe('scheduled');
    await page.click('form:has(input[value=cancel]) button');
    await page.click('[data-testid=confirm-yes]');
    await page.waitForURL(/saved=stop-state#stop-state$/);
    expect(status()).toBe('cancelled');
    await page.click('[data-testid=restore-stop]');
    expect(await page.locator('[data-testid=confirm-step] h2').innerText()).toBe('この計画停止の中止を取り消しますか？');
    expect(status()).toBe('cancelled');
    await page.click('[data-testid=confirm-yes]');
    await page.waitForURL(/saved=stop-state#stop-state$/);
    expect(status()).toBe('scheduled');
    const actions = db.$client.prepare("SELECT action FROM audit_log WHERE entity = 'maintenance' AND entity_id = ? ORDER BY id").pluck().all(String(id));
    expect(actions).toEqual(['maintenance.cancel', 'maintenance.restore']);
    await context.close();
  });

  it('dismissing an incident candidate asks first', async () => {
    const now = Date.now();
    const id = Number(db.$client.prepare(`INSERT INTO incidents (key, kind, severity, title_ja, started_at, draft, created_at, updated_at)
      VALUES ('draft-confirm', 'failure', 'minor', '自動検知の候補', ?, 1, ?, ?)`).run(now - 60_000, now, now).lastInsertRowid);
    const dismissed = () => db.$client.prepare('SELECT dismissed_at FROM incidents WHERE id = ?').pluck().get(id);
    const context = await browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false, locale: 'ja-JP', extraHTTPHeaders: { 'accept-language': 'ja-JP' } });
    const page = await context.newPage();
    await signIn(page, ADMIN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${url}/admin/`);
    await page.goto(`${url}/admin/incidents/`);
    const draft = page.locator(`[data-draft="${id}"]`);
    await draft.locator('input[name=reason]').fill('点検作業による一時的な応答なし');
    await draft.locator('form:has(input[value=dismiss]) button').click();
    expect(await page.locator('[data-testid=confirm-step] h2').innerText()).toBe('この障害候補を却下しますか？');
    expect(await page.locator('[data-testid=confirm-step]').innerText()).toContain('点検作業による一時的な応答なし');
    expect(dismissed()).toBeNull();
    await page.click('[data-testid=confirm-yes]');
    await page.waitForURL(`${url}/admin/incidents/`);
    expect(dismissed()).not.toBeNull();
    await context.close();
  });
});

describe('an operator adds a monitor on a phone', () => {
  it('real fields per type in the page language, errors beside the field, input kept across a type switch; the list shows the last check', async () => {
    const { context, page } = await open(PHONE);
    await signIn(page, ADMIN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${url}/admin/`);
    await page.goto(`${url}/admin/monitors/new`);
    expect(await page.locator('label[for="f-opt-expected_status"]').innerText()).toBe('正常とみなすHTTPステータス（例: 200-399）');
    await page.fill('#f-slug', 'learn-web');
    await page.fill('#f-target', 'learn.example.jp');
    await page.click('button[name=action][value=save]');
    expect(await page.locator('[data-error-for=target]').innerText()).toBe('http:// または https:// で始まるURLを入力してください（例: https://learn.example.jp/）。');
    expect(await page.inputValue('#f-slug')).toBe('learn-web');
    expect(await page.inputValue('#f-target')).toBe('learn.example.jp');
    expect(await fitsWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(shots, 'operator-monitor-error-phone.png'), fullPage: true });
    // Switching the type keeps what was typed in the common fields.
    await page.selectOption('#f-type', 'tcp');
    await page.click('[data-testid=change-type]');
    expect(await page.inputValue('#f-slug')).toBe('learn-web');
    expect(await page.inputValue('#f-target')).toBe('learn.example.jp');
    await page.fill('#f-target', '127.0.0.1:9');
    await page.click('button[name=action][value=save]');
    await page.waitForURL(/\/admin\/monitors\/\d+\?saved=1/);
    const monitorId = Number(/monitors\/(\d+)/.exec(page.url())![1]);
    const { CheckStore } = await import('../../src/lib/checks/store');
    const now = Date.now();
    new CheckStore(db).record([
      { monitorId, at: now - 120_000, status: 'up', latencyMs: 5, error: null },
      { monitorId, at: now - 60_000, status: 'down', latencyMs: null, error: 'connect ECONNREFUSED 127.0.0.1:9' },
    ]);
    await page.goto(`${url}/admin/monitors/`);
    expect(await page.locator('tr[data-monitor=learn-web] [data-testid=monitor-state]').getAttribute('data-state')).toBe('down');
    expect(await page.locator('tr[data-monitor=learn-web] [data-testid=monitor-state]').innerText()).toMatch(/^停止/);
    expect(await fitsWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(shots, 'operator-monitors-list-phone.png'), fullPage: true });
    await context.close();
  });
});
