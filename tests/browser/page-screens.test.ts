import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { axeViolations } from '../helpers/axe';
import { startFixtureSite } from '../integration/page-fixture';

/** Screenshots land here to be looked at (kept after the run). */
const shots = resolve(process.env.SCREENSHOT_DIR ?? 'test-results/page-screens');

describe('the status page in a browser, with an incident and a planned stop', () => {
  let site: Awaited<ReturnType<typeof startFixtureSite>>;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    site = await startFixtureSite();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  const cases = [
    { name: 'ja-phone-light', path: '/', width: 390, height: 844, scheme: 'light' },
    { name: 'ja-phone-dark', path: '/', width: 390, height: 844, scheme: 'dark' },
    { name: 'en-desktop-light', path: '/en/', width: 1280, height: 900, scheme: 'light' },
    { name: 'en-desktop-dark', path: '/en/', width: 1280, height: 900, scheme: 'dark' },
  ] as const;

  for (const c of cases) {
    it(`${c.name}: banner, incident timeline, planned stop in JST, charts; no serious axe violation`, async () => {
      const context = await browser.newContext({ viewport: { width: c.width, height: c.height }, colorScheme: c.scheme });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`${site.url}${c.path}`);
      const ja = c.path === '/';
      await expect.poll(() => page.getByTestId('overall').innerText()).toBe(ja ? 'サービスで障害が発生しています。' : 'A service is down.');
      const incident = page.locator('[data-testid="active-incidents"] article');
      expect(await incident.locator('.incident-title').innerText()).toBe(ja ? 'ログインできない障害' : 'Learners cannot sign in');
      const timeline = await incident.locator('.timeline li').allInnerTexts();
      expect(timeline).toHaveLength(2);
      expect(timeline[0]).toContain(ja ? 'データベースの障害を特定しました。' : 'A database fault was identified.');
      const stop = await page.locator('[data-testid="maintenances"] article').innerText();
      expect(stop).toMatch(/\d{4}-\d{2}-\d{2} \(.+\) \d{2}:\d{2} – \d{2}:\d{2} JST/);
      expect(await page.locator('.service[data-service="learn"] [data-testid="service-state"]').innerText()).toBe(ja ? '障害' : 'Outage');
      // The charts draw with JavaScript under the site's CSP, with no script errors (loaded once scrolled to).
      await page.locator('figure.latency').first().scrollIntoViewIfNeeded();
      await expect.poll(() => page.locator('figure.latency canvas').first().evaluate((el) => (el as HTMLCanvasElement).width)).toBeGreaterThan(0);
      await expect.poll(() => page.locator('.range-tabs').first().isVisible()).toBe(true);
      await page.locator('.range-tabs').first().getByRole('button', { name: ja ? '7日' : '7 days' }).click();
      expect(await page.locator('.range-tabs').first().getByRole('button', { name: ja ? '7日' : '7 days' }).getAttribute('aria-pressed')).toBe('true');
      // Day details under the bars, by pointer.
      await page.locator('.service[data-service="learn"] .bars li').last().click();
      expect(await page.locator('.day-detail[data-detail-for="learn"]').innerText()).toMatch(ja ? /稼働率/ : /available/);
      expect(errors).toEqual([]);
      await page.screenshot({ path: join(shots, `${c.name}.png`), fullPage: true });
      expect(await axeViolations(page, ['serious', 'critical'])).toEqual([]);
      await context.close();
    });
  }

  it('works without JavaScript, and the language switch keeps the place', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${site.url}/incidents/login-failure`);
    expect(await page.locator('h1').innerText()).toBe('ログインできない障害');
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${site.url}/en/incidents/login-failure`);
    expect(await page.locator('h1').innerText()).toBe('Learners cannot sign in');
    expect(await page.locator('.incident time').first().innerText()).toMatch(/JST$/);
    await page.goto(`${site.url}/`);
    expect(await page.locator('.range-tabs').first().isVisible()).toBe(false);
    expect(await page.locator('.latency-means').first().innerText()).toMatch(/24時間の平均: \d+ ms/);
    await page.screenshot({ path: join(shots, 'ja-phone-nojs.png'), fullPage: true });
    await page.goto(`${site.url}/en/subscribe/`);
    await page.screenshot({ path: join(shots, 'en-subscribe.png'), fullPage: true });
    await context.close();
  });

  it('the subscribe and history pages have no serious axe violation', async () => {
    for (const path of ['/subscribe/', '/en/incidents/', '/incidents/login-failure']) {
      const page = await browser.newPage();
      await page.goto(`${site.url}${path}`);
      expect({ path, violations: await axeViolations(page, ['serious', 'critical']) }).toEqual({ path, violations: [] });
      await page.close();
    }
  });
});
