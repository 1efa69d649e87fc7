import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { startSite, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';

describe('a learner opens the status page', () => {
  const dir = tempDir();
  let site: RunningSite;
  let browser: Browser;

  beforeAll(async () => {
    site = await startSite({ DATABASE_PATH: join(dir.dir, 'status.db') });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.stop();
    dir.remove();
  });

  it('sees, without JavaScript, whether each service is up, its 90 days, and that the data is a sample', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, locale: 'ja-JP' });
    const page = await context.newPage();
    const res = await page.goto(`${site.url}/`);
    expect(res?.status()).toBe(200);
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    // The probe checks the sample's targets within seconds of the start; the page follows.
    await expect.poll(async () => { await page.reload(); return page.getByTestId('overall').innerText(); }, { timeout: 30_000 }).toMatch(/正常に稼働|障害|遅く/);
    expect(await page.getByTestId('sample-banner').isVisible()).toBe(true);
    const services = page.locator('.service');
    expect(await services.count()).toBe(2);
    expect(await services.nth(0).locator('h2').innerText()).toBe('当事業広報啓発WEBサイト');
    expect(await services.nth(1).locator('h2').innerText()).toBe('eラーニングシステム');
    expect(await services.nth(0).locator('.bars li').count()).toBe(90);
    // The sample's elearning outage 12 days ago shows as a red or amber day with its minutes.
    const titles = await services.nth(1).locator('.bars li').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
    expect(titles.some((t) => /停止 25分/.test(t))).toBe(true);
    await page.screenshot({ path: join(dir.dir, 'phone-ja.png'), fullPage: true });
    await context.close();
  });

  it('switches to English and back', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.url}/`);
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${site.url}/en/`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('.service h2').first().innerText()).toBe('Program awareness website');
    expect(await page.getByTestId('sample-banner').innerText()).toContain('sample data');
    await page.getByRole('link', { name: '日本語' }).click();
    await page.waitForURL(`${site.url}/`);
    await page.close();
  });
});
