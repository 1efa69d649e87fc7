import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { adminBrowserForTests } from '../helpers/admin-browser';
import { ADMIN, CLIENT } from '../integration/admin-fixture';

/**
 * The operators' notices: in the admin's language (with the worker stopped, as the site runs
 * with PROBE=off, the dashboard says so in Japanese; the probe's English sentence is there
 * for an admin only, folded away in a details element), and where the admin acted (after an
 * action the page comes back at that section or row, its result shown there).
 */
const world = adminBrowserForTests();

async function signedIn(lang = 'ja-JP', viewport = { width: 1280, height: 720 }): Promise<Page> {
  const page = await world.newPage(lang, viewport);
  await page.goto(`${world.url}/admin/`);
  await page.fill('#email', ADMIN.email);
  await page.fill('#password', ADMIN.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${world.url}/admin/`);
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

/** Whether the element's top lies within the window as scrolled now. */
const inView = (page: Page, selector: string) => page.locator(selector).first().evaluate((el) => {
  const r = el.getBoundingClientRect();
  return r.top > -2 && r.top < window.innerHeight;
});

describe('after an action the admin is back where they acted', () => {
  const SHORT = { width: 1000, height: 420 };

  it('a planned stop’s edit comes back at the edit form, scrolled down to it, saying it was saved there', async () => {
    const now = Date.now();
    const start = now + 30 * 86_400_000;
    const id = Number(world.db.$client.prepare(`INSERT INTO maintenances (key, category, title_ja, announced_at, scheduled_start, scheduled_end, status, created_at, updated_at)
      VALUES ('return-stop', 'preventive', '戻り先を確かめる計画停止', ?, ?, ?, 'scheduled', ?, ?)`).run(now, start, start + 7_200_000, now, now).lastInsertRowid);
    world.db.$client.prepare('INSERT INTO maintenance_services (maintenance_id, service_id) VALUES (?, 1)').run(id);
    const page = await signedIn('ja-JP', SHORT);
    await page.goto(`${world.url}/admin/maintenance/${id}`);
    await page.fill('#f-titleJa', '戻り先を確かめる計画停止（変更）');
    await page.click('form:has(input[name=action][value=edit]) button[type=submit]');
    await page.waitForLoadState();
    // The stop's time may break a rule (the evening window): confirm it, as the admin would.
    if (await page.locator('#f-confirmRules').count()) {
      await page.check('#f-confirmRules');
      await page.click('form:has(input[name=action][value=edit]) button[type=submit]');
    }
    await page.waitForURL(/saved=edit#edit$/);
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(100);
    expect(await inView(page, '#edit')).toBe(true);
    expect(await inView(page, '[data-testid=action-result]')).toBe(true);
    expect(await page.innerText('[data-testid=action-result]')).toBe('保存しました。');
    expect(world.db.$client.prepare('SELECT title_ja FROM maintenances WHERE id = ?').pluck().get(id)).toBe('戻り先を確かめる計画停止（変更）');
    await page.context().close();
  });

  it('a user’s row: signing a user out everywhere comes back at that row, with the result in it', async () => {
    const page = await signedIn('ja-JP', SHORT);
    await page.goto(`${world.url}/admin/users`);
    const clientId = world.db.$client.prepare('SELECT id FROM users WHERE email = ?').pluck().get(CLIENT.email) as number;
    await page.click(`tr#user-${clientId} form:has(input[value=everywhere]) button`);
    await page.waitForURL(new RegExp(`saved=user-${clientId}#user-${clientId}$`));
    expect(await inView(page, `tr#user-${clientId}`)).toBe(true);
    expect(await page.innerText(`tr#user-${clientId} [data-testid=action-result]`)).toBe('保存しました。');
    expect(await page.locator('[data-testid=action-result]').count()).toBe(1);
    await page.context().close();
  });

  it('a service saved comes back at its section of the monitors list, scrolled to it', async () => {
    const page = await signedIn('ja-JP', { width: 1000, height: 300 });
    const website = world.db.$client.prepare("SELECT id FROM services WHERE slug = 'website'").pluck().get() as number;
    await page.goto(`${world.url}/admin/services/${website}`);
    await page.fill('#f-nameJa', '広報啓発WEBサイト（改称）');
    await page.click('main form[method=post] button[type=submit]');
    await page.waitForURL(new RegExp(`/admin/monitors/\\?saved=service-${website}#service-${website}$`));
    expect(await inView(page, `#service-${website}`)).toBe(true);
    expect(await page.innerText(`#service-${website} [data-testid=action-result]`)).toBe('保存しました。');
    await page.context().close();
  });
});
