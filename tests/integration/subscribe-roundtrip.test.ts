import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange } from '../../src/lib/interchange/import';
import { parseConfig } from '../../src/lib/config';
import { startSite, waitFor, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { notifySubscribersOfIncidentUpdate, notifySubscribersOfMaintenance, remindUpcomingMaintenances, unsubscribe } from '../../src/lib/subscriptions/index';
import { withOneClickUnsubscribe } from '../../src/lib/status/front-door';
import { pageFixture } from './page-fixture';

/** A real SMTP server on 127.0.0.1 that keeps what it receives. */
function mailbox(): Promise<{ server: SMTPServer; port: number; mails: ParsedMail[] }> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      simpleParser(stream).then((m) => { mails.push(m); done(); }, done);
    },
  });
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => ready({ server, port: (server.server.address() as { port: number }).port, mails })));
}

const form = (fields: Array<[string, string]>) => new URLSearchParams(fields).toString();

describe('an e-mail subscription, from the form to one-click unsubscribe, through real SMTP', () => {
  const dir = tempDir();
  const dbPath = join(dir.dir, 'status.db');
  let site: RunningSite;
  let box: Awaited<ReturnType<typeof mailbox>>;
  let db: Db;

  beforeAll(async () => {
    box = await mailbox();
    db = openDatabase(dbPath);
    importInterchange(db, pageFixture());
    // Links in mail are built on PUBLIC_URL, so the port is chosen before the site starts.
    const port = await new Promise<number>((ready) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => ready(p));
      });
    });
    site = await startSite({
      DATABASE_PATH: dbPath, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`,
      SMTP_URL: `smtp://127.0.0.1:${box.port}?from=status@example.jp`,
    });
  });
  afterAll(async () => {
    await site?.stop();
    db?.$client.close();
    await new Promise<void>((done) => box.server.close(() => done()));
    dir.remove();
  });

  const post = (path: string, body: string) => fetch(`${site.url}${path}`, {
    method: 'POST', body, redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: site.url },
  });

  it('asks for confirmation by mail, answering the same whether the address is new or known', async () => {
    const first = await post('/subscribe/', form([['email', 'Learner@Example.jp'], ['incidents', 'on'], ['maintenances', 'on'], ['services', 'learn']]));
    expect(first.status).toBe(200);
    const firstText = await first.text();
    expect(firstText).toContain('確認メールを送りました');
    const mail = await waitFor(() => box.mails.find((m) => m.subject?.includes('メール通知登録の確認')), 20_000);
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('learner@example.jp');
    const link = new RegExp(`${site.url}/subscribe/confirm\\?token=[\\w.-]+`).exec(mail.text ?? '')![0];
    // Nothing is sent to subscribers before the address is confirmed.
    const incidentId = db.$client.prepare("SELECT id FROM incidents WHERE key = 'login-failure'").pluck().get() as number;
    const updateId = db.$client.prepare('SELECT max(id) FROM incident_updates WHERE incident_id = ? AND published = 1').pluck().get(incidentId) as number;
    expect(notifySubscribersOfIncidentUpdate(db, incidentId, updateId, { baseUrl: 'http://status.test', config: parseConfig({}) })).toBe(0);
    db.$client.prepare("DELETE FROM subscriber_notices WHERE what = 'incident_update'").run();

    // The confirmation page asks for a button press (mail scanners that open links confirm nothing).
    const confirmUrl = new URL(link);
    const page = await fetch(`${site.url}${confirmUrl.pathname}${confirmUrl.search}`);
    expect(await page.text()).toContain('登録を完了する');
    expect(db.$client.prepare('SELECT confirmed_at FROM subscribers').pluck().get()).toBeNull();
    const done = await post(`${confirmUrl.pathname}${confirmUrl.search}`, form([['token', confirmUrl.searchParams.get('token')!]]));
    expect(await done.text()).toContain('登録が完了しました');
    expect(db.$client.prepare('SELECT confirmed_at FROM subscribers').pluck().get()).not.toBeNull();
    // A used link does not work twice.
    const again = await post(`${confirmUrl.pathname}${confirmUrl.search}`, form([['token', confirmUrl.searchParams.get('token')!]]));
    expect(again.status).toBe(400);

    // Subscribing a known address reads exactly like a new one.
    const known = await post('/subscribe/', form([['email', 'learner@example.jp'], ['incidents', 'on']]));
    const unknown = await post('/subscribe/', form([['email', 'someone-else@example.jp'], ['incidents', 'on']]));
    const strip = (s: string) => s.replace(/name="email"[^>]*/g, '');
    expect(strip(await known.text())).toBe(strip(await unknown.text()));
  });

  it('mails incident updates and planned stops with one-click unsubscribe headers, and never twice', async () => {
    const config = parseConfig({});
    const incidentId = db.$client.prepare("SELECT id FROM incidents WHERE key = 'login-failure'").pluck().get() as number;
    const updateId = db.$client.prepare('SELECT max(id) FROM incident_updates WHERE incident_id = ? AND published = 1').pluck().get(incidentId) as number;
    expect(notifySubscribersOfIncidentUpdate(db, incidentId, updateId, { baseUrl: 'http://status.test', config })).toBe(1);
    expect(notifySubscribersOfIncidentUpdate(db, incidentId, updateId, { baseUrl: 'http://status.test', config })).toBe(0);
    const mId = db.$client.prepare("SELECT id FROM maintenances WHERE key = 'inspection-next'").pluck().get() as number;
    expect(notifySubscribersOfMaintenance(db, mId, 'announced', { baseUrl: 'http://status.test', config })).toBe(1);
    // The reminder job sends "before the start" once the stop is within the window.
    expect(remindUpcomingMaintenances(db, 3_600_000, { baseUrl: 'http://status.test', config })).toBe(0);
    expect(remindUpcomingMaintenances(db, 4 * 86_400_000, { baseUrl: 'http://status.test', config })).toBe(1);
    expect(remindUpcomingMaintenances(db, 4 * 86_400_000, { baseUrl: 'http://status.test', config })).toBe(0);

    const notice = await waitFor(() => box.mails.find((m) => m.subject?.includes('ログインできない障害')), 20_000);
    expect(notice.text).toContain('データベースの障害を特定しました。');
    expect(notice.text).toContain('http://status.test/incidents/login-failure');
    const header = (name: string) => notice.headerLines.find((h) => h.key === name)?.line.replace(/\r?\n[ \t]+/g, '').replace(/^[^:]+:\s*/, '') ?? '';
    const listUnsub = header('list-unsubscribe');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const unsubUrl = /<(http:\/\/status\.test\/subscribe\/unsubscribe\?token=[\w.-]+)>/.exec(listUnsub)![1]!;
    await waitFor(() => box.mails.filter((m) => m.subject?.includes('定期点検のための計画停止')).length === 2, 20_000);
    expect(box.mails.every((m) => !m.text?.includes('someone-else'))).toBe(true);

    // One click, as a mail provider does it (RFC 8058: a POST with no Origin), through the front door.
    const door = withOneClickUnsubscribe(() => { throw new Error('must not reach the site'); }, (token) => unsubscribe(db, token));
    const server: Server = createServer(door);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const u = new URL(unsubUrl);
    const res = await fetch(`http://127.0.0.1:${port}${u.pathname}${u.search}`, {
      method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    server.close();
    expect(res.status).toBe(200);
    expect(db.$client.prepare("SELECT count(*) FROM subscribers WHERE email = 'learner@example.jp'").pluck().get()).toBe(0);
    expect(notifySubscribersOfMaintenance(db, mId, 'announced', { baseUrl: 'http://status.test', config })).toBe(0);
  });

  it('the unsubscribe link also works from a browser, and a forged token does nothing', async () => {
    const bad = await post('/subscribe/unsubscribe?token=1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', form([['token', '1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']]));
    expect(bad.status).toBe(400);
  });

  it('rejects bad input naming the field, and limits how often one client may ask', async () => {
    const bad = await post('/en/subscribe/', form([['email', 'not-an-address'], ['incidents', 'on']]));
    expect(bad.status).toBe(400);
    const enHtml = await bad.text();
    expect(enHtml).toContain('data-error-for="email">This is not a valid e-mail address.');
    expect(enHtml).toContain('value="not-an-address"');
    expect(enHtml).not.toContain('must be an e-mail address');
    // Japanese page: the error in Japanese beside the field, and everything typed and chosen kept.
    const ja = await post('/subscribe/', form([['email', 'taro@example'], ['maintenances', 'on']]));
    expect(ja.status).toBe(400);
    const jaHtml = await ja.text();
    expect(jaHtml).toContain('data-error-for="email">メールアドレスの形式が正しくありません。');
    expect(jaHtml).toContain('value="taro@example"');
    expect(jaHtml).toMatch(/name="incidents"(?![^>]*checked)[^>]*>/);
    expect(jaHtml).toMatch(/name="maintenances"[^>]*checked/);
    expect(jaHtml).not.toMatch(/must be|email:/);
    let last = 0;
    for (let i = 0; i < 6; i++) last = (await post('/subscribe/', form([['email', `x${i}@example.jp`], ['incidents', 'on']]))).status;
    expect(last).toBe(429);
    // Addresses never appear in public answers.
    for (const path of ['/', '/api/v2/summary.json', '/history.atom']) expect(await (await fetch(`${site.url}${path}`)).text()).not.toContain('example.jp');
  });
});
