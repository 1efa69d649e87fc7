import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { adminBrowserForTests } from '../helpers/admin-browser';
import { ADMIN, CLIENT } from '../integration/admin-fixture';

const world = adminBrowserForTests();

const newPage = (lang = 'ja-JP') => world.newPage(lang);

async function signIn(page: Page, who: { email: string; password: string }, next = '/admin/'): Promise<void> {
  await page.goto(`${world.url}${next}`);
  expect(page.url()).toContain('/login');
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await page.click('button[type=submit]');
}

describe('admin pages in Chromium', () => {
  it('first sign-in lands on the dashboard', async () => {
    const page = await newPage();
    await signIn(page, ADMIN);
    await page.waitForURL(`${world.url}/admin/`);
    expect(await page.textContent('h1')).toBe('ダッシュボード');
    expect(await page.textContent('[data-testid=who]')).toBe(ADMIN.email);
    await page.context().close();
  });

  it('a wrong password is refused with a message that does not say which part was wrong', async () => {
    const page = await newPage('en-US');
    await signIn(page, { email: ADMIN.email, password: 'not the password at all' });
    await page.waitForSelector('[data-testid=login-error]');
    expect(await page.textContent('[data-testid=login-error]')).toBe('The e-mail, the password or the code is wrong.');
    expect(page.url()).toContain('/login');
    await page.context().close();
  });

  it('slows repeated failures with a growing wait, saying the same for an e-mail that has no account', async () => {
    const page = await newPage('en-US');
    const victim = 'slowed-down@example.jp';
    const ghost = 'nobody-here@example.jp';
    world.db.$client.prepare("INSERT INTO users (email, password_hash, role, created_at, updated_at) VALUES (?, 'scrypt$16384$8$1$AAAA$AAAA', 'admin', 0, 0)").run(victim);
    const messages: Record<string, string> = {};
    for (const email of [victim, ghost]) {
      for (let k = 0; k < 3; k++) {
        await page.goto(`${world.url}/login`);
        await page.fill('#email', email);
        await page.fill('#password', `wrong password ${k}`);
        await page.click('button[type=submit]');
        await page.waitForSelector('[data-testid=login-error]');
      }
      messages[email] = (await page.textContent('[data-testid=login-error]'))!;
    }
    expect(messages[victim]).toMatch(/^The e-mail, the password or the code is wrong\. Wait \d+ s before the next try\.$/);
    // The same words for both; only the seconds may differ between the two.
    const shape = (m: string | undefined) => m?.replace(/\d+/, 'N');
    expect(shape(messages[ghost])).toBe(shape(messages[victim]));
    await page.context().close();
  });

  it('creates an incident, resolves it, and the public page shows it; a <script> title stays text', async () => {
    const page = await newPage();
    await signIn(page, ADMIN, '/admin/incidents/new');
    await page.waitForURL(`${world.url}/admin/incidents/new`);
    // Submitted empty first: errors beside the fields, in Japanese, and nothing stored.
    await page.fill('#f-titleJa', '   ');
    await page.click('main form[method=post] button[type=submit]');
    expect(await page.textContent('[data-error-for=titleJa]')).toBe('入力してください。');
    expect((world.db.$client.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n).toBe(0);
    const title = 'eラーニング 接続障害 <script>window.__x=1</script>';
    await page.fill('#f-titleJa', title);
    await page.selectOption('#f-severity', 'major');
    await page.selectOption('select[name="impact.1"]', 'major_outage');
    await page.fill('#f-bodyJa', '接続できない状態を確認し、調査しています。');
    await page.click('main form[method=post] button[type=submit]');
    await page.waitForURL(/\/admin\/incidents\/\d+\?saved=/);
    expect(await page.evaluate(() => (window as unknown as { __x?: number }).__x)).toBeUndefined();
    expect(await page.textContent('h1')).toBe(title);
    // One click records awareness now; the SLA timers then run.
    await page.click('tr[data-time=awareAt] button[value=now]');
    await page.waitForURL(/saved=time/);
    expect(await page.textContent('tr[data-timer=client_notified] td:last-child')).toBe('進行中');
    expect(await page.getAttribute('tr[data-timer=client_notified] [data-deadline]', 'data-deadline')).toMatch(/^\d+$/);
    await page.fill('#f-resolveBodyJa', '復旧しました。');
    await page.click('form:has(input[value=resolve]) button[type=submit]');
    await page.waitForURL(/saved=resolve/);
    expect(await page.textContent('[data-testid=incident-state]')).toBe('復旧済み');
    const row = world.db.$client.prepare('SELECT recovered_at AS r, aware_at AS a FROM incidents').get() as { r: number | null; a: number | null };
    expect(row.r).not.toBeNull();
    expect(row.a).not.toBeNull();
    const pub = await newPage();
    await pub.goto(`${world.url}/`);
    expect(await pub.textContent('body')).toContain(title);
    expect(await pub.evaluate(() => (window as unknown as { __x?: number }).__x)).toBeUndefined();
    await pub.context().close();
    const actions = (world.db.$client.prepare('SELECT action FROM audit_log ORDER BY id').all() as { action: string }[]).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['incident.create', 'incident.set_time', 'incident.resolve']));
    await page.context().close();
  });

  it('warns when a planned stop breaks the 14-day notice rule, and records the confirmation', async () => {
    const page = await newPage('en-US');
    await signIn(page, ADMIN, '/admin/maintenance/new');
    await page.waitForURL(`${world.url}/admin/maintenance/new`);
    // Three days ahead, a weekday evening window: only the notice rule is broken.
    const { DateTime } = await import('luxon');
    let day = DateTime.now().setZone('Asia/Tokyo').plus({ days: 3 }).startOf('day');
    while (day.weekday > 4) day = day.plus({ days: 1 });
    const start = day.set({ hour: 19 });
    await page.fill('#f-titleJa', '定期点検');
    await page.check('#f-svc-1');
    await page.fill('#f-scheduledStart', start.toFormat("yyyy-LL-dd'T'HH:mm"));
    await page.fill('#f-scheduledEnd', start.plus({ hours: 2 }).toFormat("yyyy-LL-dd'T'HH:mm"));
    await page.click('main form[method=post] button[type=submit]');
    await page.waitForSelector('[data-testid=rule-warnings]');
    expect(await page.textContent('[data-testid=rule-warnings] [data-rule=notice]')).toContain('less than 14 days');
    expect((world.db.$client.prepare('SELECT count(*) AS n FROM maintenances').get() as { n: number }).n).toBe(0);
    await page.check('#f-confirmRules');
    await page.click('main form[method=post] button[type=submit]');
    await page.waitForURL(/\/admin\/maintenance\/\d+\?saved=1/);
    expect(await page.textContent('[data-testid=recorded-warnings] [data-rule=notice]')).toContain('less than 14 days');
    const stop = world.db.$client.prepare('SELECT rule_warnings AS w, warnings_confirmed_at AS c FROM maintenances').get() as { w: string; c: number | null };
    expect(JSON.parse(stop.w)).toEqual(['notice']);
    expect(stop.c).not.toBeNull();
    expect(world.db.$client.prepare("SELECT 1 FROM audit_log WHERE action = 'maintenance.schedule_confirmed_despite_rules'").get()).toBeTruthy();
    await page.context().close();
  });

  it('a client reads the admin pages but gets 403 on every change', async () => {
    const page = await newPage();
    await signIn(page, CLIENT, '/admin/incidents/');
    await page.waitForURL(`${world.url}/admin/incidents/`);
    expect(await page.textContent('[data-testid=read-only]')).toContain('閲覧のみ');
    const reports = await page.request.get(`${world.url}/reports/`, { maxRedirects: 0 });
    expect([401, 403]).not.toContain(reports.status()); // signed-in clients are let through to the reports
    const incidentId = (world.db.$client.prepare('SELECT id FROM incidents LIMIT 1').get() as { id: number }).id;
    const stopId = (world.db.$client.prepare('SELECT id FROM maintenances LIMIT 1').get() as { id: number }).id;
    const before = (world.db.$client.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
    const posts: Array<[string, Record<string, string>]> = [
      ['/admin/incidents/new', { titleJa: 'x', kind: 'failure', severity: 'minor', startedAt: '2026-01-01T00:00' }],
      [`/admin/incidents/${incidentId}`, { action: 'time', field: 'awareAt', op: 'now' }],
      [`/admin/incidents/${incidentId}`, { action: 'update', status: 'monitoring', bodyJa: 'x', published: 'on' }],
      ['/admin/incidents/', { action: 'confirm', id: String(incidentId) }],
      ['/admin/maintenance/new', { titleJa: 'x' }],
      [`/admin/maintenance/${stopId}`, { action: 'cancel' }],
      ['/admin/monitors/new', { action: 'save' }],
      ['/admin/monitors/', { action: 'pause-service', id: '1' }],
      ['/admin/services/new', { slug: 'x', nameJa: 'x' }],
      ['/admin/services/1', { slug: 'x', nameJa: 'x' }],
      ['/admin/sla', { 'value.x': '1' }],
      ['/admin/users', { action: 'create', email: 'new@example.jp', role: 'admin', password: 'a long enough password' }],
      ['/admin/alarms/1/ack', {}],
    ];
    for (const [path, fields] of posts) {
      const res = await page.request.post(`${world.url}${path}`, { form: fields, headers: { origin: world.url }, maxRedirects: 0 });
      expect(res.status(), path).toBe(403);
    }
    for (const path of ['/admin/users', '/admin/audit']) expect((await page.request.get(`${world.url}${path}`)).status(), path).toBe(403);
    expect((world.db.$client.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n).toBe(before);
    await page.context().close();
  });
});
