import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DateTime } from 'luxon';
import { launchBrowser } from '../helpers/browser';
import { tempDir } from '../helpers/temp';
import { openDatabase, type Db } from '../../src/lib/db';
import { parseConfig } from '../../src/lib/config';
import { issueReport } from '../../src/lib/report/issue';
import { startAdminSite, ADMIN, CLIENT } from '../integration/admin-fixture';

/**
 * The operator at 3 a.m. and the client, in Chromium: the dashboard says what to do next and
 * how long is left in words that cannot be read as a clock time; the incident page puts the
 * most urgent timer first, each label focuses its own box, and an action returns to where it
 * was done; a planned stop is announced, and a second regular stop in a month or one outside
 * the window is saved only once the warning is confirmed; the survey campaign asks first; a
 * new inquiry is on the dashboard; the client's home shows what failed.
 */
const shots = resolve(process.env.SCREENSHOT_DIR ?? 'test-results/operator-next-action');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const CONTACT = 'tantou@city.example.lg.jp';
const config = tempDir('next-action-config-');

let ctx: Awaited<ReturnType<typeof startAdminSite>>;
let browser: Browser;
let url: string;
let db: Db;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const configPath = join(config.dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ client: { contacts: [CONTACT] } }));
  [ctx, browser] = await Promise.all([startAdminSite({ CONFIG_PATH: configPath }), launchBrowser()]);
  url = ctx.site.url;
  db = openDatabase(ctx.dbPath, { migrate: false });
  await issueReport(db, parseConfig({}), DateTime.now().setZone('Asia/Tokyo').minus({ months: 1 }).toFormat('yyyy-LL'), { trigger: 'schedule' });
}, 120_000);
afterAll(async () => {
  db?.$client.close();
  await browser?.close();
  await ctx?.stop();
  config.remove();
});

async function open(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'ja-JP', extraHTTPHeaders: { 'accept-language': 'ja' } });
  return { context, page: await context.newPage() };
}

async function signIn(page: Page, who: { email: string; password: string }, next: string): Promise<void> {
  await page.goto(`${url}/login?next=${encodeURIComponent(next)}`);
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${url}${next}`);
}

/** Ids used more than once on the page (a label would focus the wrong field). */
function duplicateIds(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  });
}

describe('the operator', () => {
  it('reads the next action first, with the time left in words, and lands on the button that does it', async () => {
    // An outage the operator became aware of 5 minutes ago: the first report (15 min from detection) is the next thing due.
    const now = Date.now();
    const id = Number(db.$client.prepare(`INSERT INTO incidents (key, kind, severity, title_ja, started_at, detected_at, aware_at, created_at, updated_at)
      VALUES ('night', 'failure', 'major', 'eラーニングシステムの停止', ?, ?, ?, ?, ?)`).run(now - 6 * 60_000, now - 5 * 60_000, now - 5 * 60_000, now, now).lastInsertRowid);
    db.$client.prepare("INSERT INTO incident_services (incident_id, service_id, impact) VALUES (?, 1, 'major_outage')").run(id);
    const { context, page } = await open(PHONE);
    await signIn(page, ADMIN, '/admin/');
    const next = page.locator('[data-testid=next-action]');
    // The first thing on the page after the header: above the record buttons and the alarms.
    const order = await page.evaluate(() => {
      const a = document.querySelector('[data-testid=next-action]')!.getBoundingClientRect().top;
      const b = document.querySelector('[data-testid=record-outage]')!.getBoundingClientRect().top;
      return a < b;
    });
    expect(order).toBe(true);
    expect(await next.textContent()).toContain('「第一報を送る」');
    const left = (await page.textContent('[data-testid=next-action-left]'))!;
    // The deadline's clock time, with its date when it falls on another day in Tokyo (as near midnight).
    const dueAt = DateTime.fromMillis(now - 5 * 60_000 + 15 * 60_000, { zone: 'Asia/Tokyo' });
    const sameDay = dueAt.hasSame(DateTime.fromMillis(Date.now(), { zone: 'Asia/Tokyo' }), 'day');
    const due = sameDay ? dueAt.toFormat('HH:mm') : `(?:${dueAt.toFormat('L/d HH:mm')}|${dueAt.toFormat('HH:mm')})`;
    expect(left).toMatch(new RegExp(`^残り(9|10)分\\d{1,2}秒（${due}まで）$`));
    await page.screenshot({ path: join(shots, 'dashboard-next-action-phone.png'), fullPage: true });
    expect(await duplicateIds(page)).toEqual([]);

    await page.click('[data-testid=next-action] a');
    await page.waitForURL(new RegExp(`/admin/incidents/${id}#notice-first_report$`));
    // The most urgent timer is the first row.
    expect(await page.getAttribute('[data-testid=timers] tbody tr:first-child', 'data-timer')).toBe('first_report');
    expect(await page.textContent('[data-testid=timers] tbody tr:first-child [data-deadline]')).toMatch(/^残り\d+分\d+秒（(?:\d{1,2}\/\d{1,2} )?\d\d:\d\dまで）$/);
    // One id per field: the label of the expected recovery focuses its own box.
    expect(await duplicateIds(page)).toEqual([]);
    await page.click('label[for=f-note-eta]');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-note-eta');
    await page.fill('#f-note-first_report', '調査中です。');
    await page.click('[data-testid=send-first_report]');
    await page.waitForURL(new RegExp(`/admin/incidents/${id}\\?saved=notice#notice-first_report$`));
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0); // back where the operator was, not the top
    await page.screenshot({ path: join(shots, 'incident-after-notice-phone.png') });
    await context.close();
  });

  it('announces a planned stop, and is warned of a second regular stop in the month and of a stop outside the window', async () => {
    const { context, page } = await open(DESKTOP);
    await signIn(page, ADMIN, '/admin/maintenance/new');
    let day = DateTime.now().setZone('Asia/Tokyo').plus({ days: 20 }).startOf('day');
    while (day.weekday > 3) day = day.plus({ days: 1 }); // Monday to Wednesday, and the next day too is a weekday
    const fill = async (title: string, start: DateTime, hours: number) => {
      await page.fill('#f-titleJa', title);
      await page.check('#f-svc-1');
      await page.fill('#f-scheduledStart', start.toFormat("yyyy-LL-dd'T'HH:mm"));
      await page.fill('#f-scheduledEnd', start.plus({ hours }).toFormat("yyyy-LL-dd'T'HH:mm"));
    };
    expect(await duplicateIds(page)).toEqual([]);
    await fill('定期点検', day.set({ hour: 19 }), 2);
    expect(await page.isChecked('#f-announce')).toBe(true);
    await page.click('main form[method=post] button[type=submit]');
    await page.waitForURL(/\/admin\/maintenance\/\d+\?saved=1/);
    expect(await page.textContent('[data-testid=announced-at]')).toMatch(/\(通知日数: (19|2\d)\)/);
    const mails = db.$client.prepare("SELECT to_addr FROM mail_outbox WHERE kind = 'client_notice.maintenance_announced'").pluck().all();
    expect(mails).toEqual([CONTACT]);

    // A second regular stop the next morning, 07:00 to 10:00: the month's count and the window are both broken.
    await page.goto(`${url}/admin/maintenance/new`);
    await fill('予防保守', day.plus({ days: 1 }).set({ hour: 7 }), 3);
    await page.click('main form[method=post] button[type=submit]');
    await page.waitForSelector('[data-testid=rule-warnings]');
    expect(await page.locator('[data-testid=rule-warnings] li').evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')))).toEqual(['window', 'frequency']);
    expect(await page.textContent('[data-testid=rule-warnings] [data-rule=frequency]')).toContain('定期計画停止は月1回まで');
    expect(db.$client.prepare('SELECT count(*) FROM maintenances').pluck().get()).toBe(1);
    await page.screenshot({ path: join(shots, 'stop-rule-warnings-desktop.png'), fullPage: true });
    await page.check('#f-confirmRules');
    await page.click('main form[method=post] button[type=submit]');
    await page.waitForURL(/\/admin\/maintenance\/\d+\?saved=1/);
    await page.goto(`${url}/admin/maintenance/`);
    const badges = await page.locator('tr[data-stop] [data-rule]').evaluateAll((els) => els.map((e) => e.textContent));
    expect(badges).toEqual(expect.arrayContaining(['時間帯', '月の回数']));
    expect(await page.textContent('body')).not.toMatch(/\b(frequency|window|notice)\b/);
    await page.screenshot({ path: join(shots, 'stops-list-desktop.png'), fullPage: true });
    await context.close();
  });

  it('the yearly survey asks before mailing; a new inquiry shows on the dashboard', async () => {
    const now = Date.now();
    db.$client.prepare(`INSERT INTO support_items (channel, category, status, raised_by, requester_email, lang, body, received_at, closed_at, created_at, updated_at)
      VALUES ('form', 'question', 'done', 'learner', 'learner@example.jp', 'ja', '質問です', ?, ?, ?, ?)`).run(now - 86_400_000, now - 3_600_000, now, now);
    const fresh = Number(db.$client.prepare(`INSERT INTO support_items (channel, category, status, raised_by, requester_email, lang, body, received_at, created_at, updated_at)
      VALUES ('form', 'bug', 'received', 'learner', 'new@example.jp', 'ja', '動画が再生できません', ?, ?, ?)`).run(now, now, now).lastInsertRowid);
    const { context, page } = await open(DESKTOP);
    await signIn(page, ADMIN, '/admin/support/');
    await page.click('form:has(input[value=campaign]) button[type=submit]');
    await page.waitForSelector('[data-testid=confirm-step]');
    expect(await page.textContent('[data-testid=confirm-step] h2')).toBe('1人の依頼者へアンケートのメールを送りますか？');
    expect(db.$client.prepare('SELECT count(*) FROM survey_invitations').pluck().get()).toBe(0);
    await page.click('[data-testid=confirm-yes]');
    await page.waitForURL(/\/admin\/support\/\?sent=1#campaign$/);
    expect(db.$client.prepare('SELECT count(*) FROM survey_invitations').pluck().get()).toBe(1);

    await page.goto(`${url}/admin/`);
    const item = page.locator(`[data-testid=inquiries] [data-inquiry="${fresh}"]`);
    expect(await item.textContent()).toMatch(/不具合 · フォーム .*受領確認の期限: 残り1時間59分\d+秒/);
    await page.screenshot({ path: join(shots, 'dashboard-inquiries-desktop.png'), fullPage: true });
    // A new outage while the dashboard is open: its deadline is nearer, and the live poll puts it first.
    const t = Date.now();
    const urgent = Number(db.$client.prepare(`INSERT INTO incidents (key, kind, severity, title_ja, started_at, detected_at, aware_at, created_at, updated_at)
      VALUES ('urgent', 'failure', 'major', '広報啓発WEBサイトの停止', ?, ?, ?, ?, ?)`).run(t - 14 * 60_000, t - 14 * 60_000, t - 60_000, t, t).lastInsertRowid);
    db.$client.prepare("INSERT INTO incident_services (incident_id, service_id, impact) VALUES (?, 2, 'major_outage')").run(urgent);
    await page.waitForFunction(() => document.querySelector('[data-testid=next-action]')?.textContent?.includes('広報啓発WEBサイトの停止'), null, { timeout: 20_000 });
    expect(await page.getAttribute('[data-testid=next-action] a', 'href')).toBe(`/admin/incidents/${urgent}#notice-first_report`);
    expect(await page.textContent('[data-testid=next-action-left]')).toMatch(/^残り(?:[01]分)?\d+秒（(?:\d{1,2}\/\d{1,2} )?\d\d:\d\dまで）$/);
    await context.close();
  });
});

describe('the client', () => {
  it('lands on the reports and sees every SLA row, what failed first, and the support items', async () => {
    const { context, page } = await open(PHONE);
    await signIn(page, CLIENT, '/reports/');
    const rows = await page.locator('[data-testid=latest-rows] tbody tr').count();
    expect(rows).toBeGreaterThan(10);
    await page.click('[data-testid=support-link]');
    await page.waitForURL(`${url}/reports/support/`);
    await page.goto(`${url}/reports/`);
    await page.screenshot({ path: join(shots, 'client-home-phone.png'), fullPage: true });
    await context.close();
  });
});
