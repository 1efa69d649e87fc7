import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { launchBrowser } from '../helpers/browser';
import { axeViolations } from '../helpers/axe';
import { startReceiver } from '../helpers/webhook-receiver';
import { openDatabase, type Db } from '../../src/lib/db';
import { sendPendingDeliveries } from '../../src/lib/destinations/deliver';
import { startAdminSite, ADMIN } from '../integration/admin-fixture';

let ctx: Awaited<ReturnType<typeof startAdminSite>>;
let browser: Browser;
let rx: Awaited<ReturnType<typeof startReceiver>>;
let url: string;
let db: Db;

beforeAll(async () => {
  [ctx, browser, rx] = await Promise.all([startAdminSite(), launchBrowser(), startReceiver()]);
  url = ctx.site.url;
  db = openDatabase(ctx.dbPath, { migrate: false });
});
afterAll(async () => {
  db?.$client.close();
  await browser?.close();
  await ctx?.stop();
  await rx?.close();
});

async function signedIn(): Promise<Page> {
  const context = await browser.newContext({ locale: 'ja-JP', extraHTTPHeaders: { 'accept-language': 'ja-JP' } });
  const page = await context.newPage();
  await page.goto(`${url}/admin/destinations`);
  await page.fill('#email', ADMIN.email);
  await page.fill('#password', ADMIN.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${url}/admin/destinations`);
  return page;
}

async function create(page: Page, o: { name: string; kind: string; url: string; lang?: string; topics: string[]; services?: string[] }): Promise<void> {
  await page.fill('#f-name', o.name);
  await page.selectOption('#f-kind', o.kind);
  await page.fill('#f-url', o.url);
  await page.selectOption('#f-lang', o.lang ?? 'ja');
  for (const topic of ['alarms', 'incidents', 'maintenances']) await page.setChecked(`#f-${topic}`, o.topics.includes(topic));
  await page.setChecked('#f-allServices', !o.services);
  for (const label of o.services ?? []) await page.getByLabel(label, { exact: true }).check();
  await Promise.all([page.waitForLoadState('load'), page.click('form[data-testid=destination-form] button[type=submit]')]);
}

describe('the destinations admin page in Chromium', () => {
  it('makes each kind, shows the signing secret once and every URL masked, sends a test message, and keeps the form with the reason beside the field on bad input', async () => {
    const page = await signedIn();
    expect(await page.textContent('h1')).toBe('通知先（Webhook・Slack・Teams）');

    // A bad URL and no topic: the reasons in Japanese beside their fields, what was typed kept, nothing saved.
    await create(page, { name: '運用チャット', kind: 'webhook', url: 'ftp://example.jp/hook', topics: [] });
    expect(await page.textContent('[data-error-for=url]')).toBe('http:// または https:// で始まるURLを入力してください。');
    expect(await page.textContent('[data-error-for=topics]')).toBe('1つ以上選んでください。');
    expect(await page.inputValue('#f-name')).toBe('運用チャット');
    expect(await page.inputValue('#f-url')).toBe('ftp://example.jp/hook');
    expect(db.$client.prepare('SELECT count(*) FROM destinations').pluck().get()).toBe(0);

    const hookUrl = rx.url('/hook-secret-path');
    await create(page, { name: '運用Webhook', kind: 'webhook', url: hookUrl, topics: ['alarms'] });
    const secret = (await page.textContent('[data-testid=secret]'))!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(await page.textContent('[data-testid=new-secret]')).toContain('今回だけ表示されます');
    await create(page, { name: 'Slack運用', kind: 'slack', url: rx.url('/slack/T000/B000/XXXXSECRET'), lang: 'en', topics: ['incidents'] });
    await create(page, { name: 'Teams広報', kind: 'teams', url: rx.url('/teams/workflows/SECRETSIG'), topics: ['maintenances'], services: ['eラーニングシステム'] });

    await page.goto(`${url}/admin/destinations`);
    const html = await page.content();
    expect(html).not.toContain(secret);
    expect(html).not.toContain('hook-secret-path');
    expect(html).not.toContain('XXXXSECRET');
    expect(html).not.toContain('SECRETSIG');
    expect(await axeViolations(page, ['serious', 'critical'])).toEqual([]);
    const rows = page.locator('[data-testid=destinations] tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await page.locator('tr[data-destination="Slack運用"]').textContent()).toContain('Slack（Incoming Webhook）');
    expect(await page.locator('tr[data-destination="Slack運用"] td').nth(3).textContent()).toBe('障害情報');
    expect(await page.locator('tr[data-destination="Slack運用"] td').nth(5).textContent()).toBe('英語');
    expect(await page.locator('tr[data-destination="Teams広報"]').textContent()).toContain('eラーニングシステム');
    expect(await page.locator('tr[data-destination="運用Webhook"] [data-testid=masked-url]').textContent()).toBe(`${new URL(hookUrl).origin.replace('http:', 'http:')}/…`);

    // The test button queues a message; the worker's sender delivers it, signed with the secret shown once.
    await Promise.all([page.waitForLoadState('load'), page.locator('tr[data-destination="運用Webhook"] button', { hasText: 'テスト送信' }).click()]);
    expect(await page.textContent('[data-testid=test-queued]')).toContain('テストメッセージを送信待ちにしました');
    expect(await sendPendingDeliveries(db)).toEqual({ sent: 1, failed: 0 });
    const got = rx.received.find((r) => r.path === '/hook-secret-path')!;
    const payload = new Webhook(secret).verify(got.body, got.headers as Record<string, string>) as Record<string, string>;
    expect(payload).toMatchObject({ type: 'test', language: 'ja', url: `${url}/admin/destinations` });

    // A receiver that refuses: the message is given up, and the page and the dashboard say so in Japanese.
    rx.setAnswer((r) => (r.path.startsWith('/slack/') ? 400 : 200));
    await Promise.all([page.waitForLoadState('load'), page.locator('tr[data-destination="Slack運用"] button', { hasText: 'テスト送信' }).click()]);
    expect(await sendPendingDeliveries(db)).toEqual({ sent: 0, failed: 1 });
    await page.goto(`${url}/admin/destinations`);
    expect(await page.locator('tr[data-destination="Slack運用"] [data-testid=failed]').textContent()).toBe('1 最後の失敗の理由: 相手先が HTTP 400 を返しました（再送しても受け付けられないため送信を諦めました）');
    await page.goto(`${url}/admin/`);
    expect(await page.locator('[data-cause=delivery_failed]').textContent()).toContain('通知先（Webhook・Slack・Teams）への送信を諦めたメッセージがあります。');
    await page.goto(`${url}/admin/destinations`);

    // Edit (the URL left blank keeps the saved one), pause, delete: each in the audit log.
    await page.locator('tr[data-destination="Slack運用"] a', { hasText: '編集' }).click();
    await page.fill('#f-name', 'Slack障害情報');
    await Promise.all([page.waitForLoadState('load'), page.click('form[data-testid=destination-form] button[type=submit]')]);
    expect(await page.locator('tr[data-destination="Slack障害情報"]').count()).toBe(1);
    expect(db.$client.prepare("SELECT url FROM destinations WHERE name = 'Slack障害情報'").pluck().get()).toContain('XXXXSECRET');
    await Promise.all([page.waitForLoadState('load'), page.locator('tr[data-destination="Teams広報"] button', { hasText: '一時停止' }).click()]);
    expect(await page.locator('tr[data-destination="Teams広報"]').textContent()).toContain('一時停止中');
    await Promise.all([page.waitForLoadState('load'), page.locator('tr[data-destination="Teams広報"] button', { hasText: '削除' }).click()]);
    expect(await page.locator('tr[data-destination="Teams広報"]').count()).toBe(0);
    const actions = db.$client.prepare("SELECT action FROM audit_log WHERE entity = 'destination' ORDER BY id").pluck().all();
    expect(actions).toEqual(['destination.add', 'destination.add', 'destination.add', 'destination.test', 'destination.test', 'destination.update', 'destination.pause', 'destination.delete']);
    expect(JSON.stringify(db.$client.prepare('SELECT * FROM audit_log').all())).not.toMatch(/XXXXSECRET|SECRETSIG|hook-secret-path/);
    await page.context().close();
  });
});
