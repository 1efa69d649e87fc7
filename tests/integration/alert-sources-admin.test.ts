import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { openDatabase, type Db } from '../../src/lib/db';
import { startAdminSite, signInCookie, ADMIN, CLIENT } from './admin-fixture';
import type { RunningSite } from '../helpers/site';

/** The admin page of alert sources: made with a token shown once, kept as a hash, revoked. */
describe('admin page for alert sources', () => {
  let site: RunningSite;
  let stop: () => Promise<void>;
  let db: Db;
  let admin = '';
  const form = (cookie: string, fields: [string, string][]) => fetch(`${site.url}/admin/alert-sources`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie, origin: site.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  const alertmanager = (token: string) => fetch(`${site.url}/api/alerts/alertmanager`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ version: '4', status: 'firing', receiver: 'site', alerts: [] }),
  });

  beforeAll(async () => {
    const started = await startAdminSite();
    ({ site, stop } = started);
    db = openDatabase(started.dbPath);
    admin = await signInCookie(site.url, ADMIN);
  });
  afterAll(async () => {
    db?.$client.close();
    await stop?.();
  });

  it('an admin makes a source: its token is shown once in Japanese words, stored as a hash, works, and stops working once revoked', async () => {
    const res = await form(admin, [['slug', 'prom'], ['kind', 'alertmanager'], ['silenceAfterMin', '5']]);
    expect(res.status).toBe(200);
    const html = await res.text();
    const token = /<code data-testid="token">(as_\d+_[A-Za-z0-9_-]{32})<\/code>/.exec(html)?.[1];
    expect(token).toBeTruthy();
    expect(html).toContain('このトークンは今回だけ表示されます');
    expect(html).toContain(`${site.url}/api/alerts/alertmanager`);
    const row = db.$client.prepare("SELECT id, token_hash AS hash, silence_after_s AS s FROM alert_sources WHERE slug = 'prom'").get() as { id: number; hash: string; s: number };
    expect(row.hash).toBe(createHash('sha256').update(token!).digest('hex'));
    expect(row.s).toBe(300);
    const again = await (await fetch(`${site.url}/admin/alert-sources`, { headers: { cookie: admin } })).text();
    expect(again).not.toContain(token!);
    expect(again).toContain('Prometheus Alertmanager');
    expect(again).not.toMatch(/>alertmanager</);

    expect((await alertmanager(token!)).status).toBe(200);
    expect((await form(admin, [['action', 'revoke'], ['id', String(row.id)]])).status).toBe(303);
    expect((await alertmanager(token!)).status).toBe(401);
  });

  it('refuses a bad name or kind with the reason beside the field, and a client may not make one', async () => {
    const bad = await form(admin, [['slug', 'Prom Server'], ['kind', 'nagios'], ['silenceAfterMin', '5']]);
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toMatch(/data-error-for="slug"/);
    expect(html).toMatch(/data-error-for="kind"/);
    expect(db.$client.prepare('SELECT count(*) FROM alert_sources').pluck().get()).toBe(1);
    const client = await signInCookie(site.url, CLIENT);
    const refused = await form(client, [['slug', 'zbx'], ['kind', 'zabbix'], ['silenceAfterMin', '5']]);
    expect(refused.status).toBeGreaterThanOrEqual(300);
    expect(db.$client.prepare('SELECT count(*) FROM alert_sources').pluck().get()).toBe(1);
  });

  it('an admin issues the /metrics token on the page: shown once, kept as a hash, works, and stops working once revoked; a client may not issue one', async () => {
    const metrics = (token: string) => fetch(`${site.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect((await metrics('mt_not-issued')).status).toBe(401);
    const client = await signInCookie(site.url, CLIENT);
    expect((await form(client, [['action', 'metrics-issue']])).status).toBeGreaterThanOrEqual(300);
    expect(db.$client.prepare("SELECT count(*) FROM settings WHERE key = 'metrics_token'").pluck().get()).toBe(0);
    const res = await form(admin, [['action', 'metrics-issue']]);
    expect(res.status).toBe(200);
    const html = await res.text();
    const token = /<code data-testid="metrics-token">(mt_[A-Za-z0-9_-]{32})<\/code>/.exec(html)?.[1];
    expect(token).toBeTruthy();
    expect(html).toContain('このトークンは今回だけ表示されます');
    const stored = JSON.parse(db.$client.prepare("SELECT value FROM settings WHERE key = 'metrics_token'").pluck().get() as string) as { hash: string };
    expect(stored.hash).toBe(createHash('sha256').update(token!).digest('hex'));
    const page = await (await fetch(`${site.url}/admin/alert-sources`, { headers: { cookie: admin } })).text();
    expect(page).not.toContain(token!);
    expect(page).toContain('トークンが発行されています');
    const ok = await metrics(token!);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^# HELP /m);
    expect((await form(admin, [['action', 'metrics-revoke']])).status).toBe(303);
    expect((await metrics(token!)).status).toBe(401);
    expect(db.$client.prepare("SELECT action FROM audit_log WHERE entity = 'metrics_token' ORDER BY id").pluck().all()).toEqual(['metrics_token.issue', 'metrics_token.revoke']);
  });
});
