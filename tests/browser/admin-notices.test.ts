import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { startAdminSite, ADMIN } from '../integration/admin-fixture';

/**
 * The operators' notices read in the admin's language: with the worker stopped (the site
 * runs with PROBE=off), the dashboard says so in Japanese; the probe's English sentence is
 * there for an admin only folded away in a details element.
 */
let ctx: Awaited<ReturnType<typeof startAdminSite>>;
let browser: Browser;
let url: string;

beforeAll(async () => {
  [ctx, browser] = await Promise.all([startAdminSite(), launchBrowser()]);
  url = ctx.site.url;
});
afterAll(async () => {
  await browser?.close();
  await ctx?.stop();
});

async function signedIn(lang = 'ja-JP'): Promise<Page> {
  const context = await browser.newContext({ locale: lang, extraHTTPHeaders: { 'accept-language': lang } });
  const page = await context.newPage();
  await page.goto(`${url}/admin/`);
  await page.fill('#email', ADMIN.email);
  await page.fill('#password', ADMIN.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${url}/admin/`);
  return page;
}

/** The notice's text as shown: what is inside a closed details element is not. */
const visibleText = (page: Page, selector: string) => page.locator(selector).evaluate((el) => {
  const copy = el.cloneNode(true) as HTMLElement;
  for (const d of copy.querySelectorAll('details')) d.querySelectorAll(':scope > :not(summary)').forEach((x) => x.remove());
  return copy.textContent ?? '';
});

describe('the dashboard’s monitoring notice with the worker stopped', () => {
  it('reads in Japanese only; the technical English is folded away in a details element', async () => {
    const page = await signedIn();
    const notice = '[data-testid=monitoring-stopped]';
    await page.waitForSelector(notice);
    expect(await page.innerText(`${notice} strong`)).toBe('監視が止まっています');
    expect(await page.innerText(`${notice} li[data-cause=probe_not_running]`)).toContain('監視プロセスが動いていません。');
    const shown = await visibleText(page, notice);
    expect(shown).toContain('技術的な詳細（英語）');
    expect(shown).not.toMatch(/probe|lease|worker|not running/i);
    expect(shown.replace('（英語）', '')).not.toMatch(/[A-Za-z]{2,}/);
    // The English detail is there, hidden until the admin opens it.
    const detail = page.locator(`${notice} details code`);
    expect(await detail.isVisible()).toBe(false);
    await page.click(`${notice} details summary`);
    expect(await detail.isVisible()).toBe(true);
    expect(await detail.innerText()).toContain('probe: not running');
    await page.context().close();
  });
});
