import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { DateTime } from 'luxon';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import { runScript, startSite, waitFor, type RunningSite } from '../helpers/site';
import { tempDb, tempDir } from '../helpers/temp';
import { loadConfig } from '../../src/lib/config';
import { raiseFromForm, changeStatus } from '../../src/lib/support/verbs';
import { deskOptions } from '../../src/lib/support/http';
import { mailTransport, sendPendingMail } from '../../src/lib/mail/outbox';
import { signInCookie, ADMIN } from './admin-fixture';
import type { SupportJson } from '../../src/lib/support/report';

/**
 * A robot steering the support desk: items a person closes as spam or out of scope mail
 * nobody and count nowhere, one mailbox behind many `+tag` spellings is one address for the
 * limits, and a forwarded host never passes for this site's origin.
 */
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
const toOf = (m: ParsedMail) => (m.to && 'text' in m.to ? m.to.text : '');

describe('the support desk against a robot, on the built site', () => {
  const dir = tempDir('support-abuse-');
  const dbPath = join(dir.dir, 'status.db');
  const configPath = join(dir.dir, 'config.json');
  let site: RunningSite;
  let box: Awaited<ReturnType<typeof mailbox>>;
  let db: Db;
  let admin: string;

  beforeAll(async () => {
    box = await mailbox();
    const setup = openDatabase(dbPath);
    importInterchange(setup, validateInterchange({ version: 1, services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning' }, sla_target_pct: 99.9 }] }));
    await createUser(setup, systemActor('test'), { email: ADMIN.email, role: 'admin', password: ADMIN.password });
    setup.$client.close();
    const port = await new Promise<number>((ready) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => ready(p));
      });
    });
    // Behind a proxy on this machine, whose forwarded headers are believed for the visitor's address.
    writeFileSync(configPath, JSON.stringify({ support: { per_client_per_hour: 100 }, trusted_proxies: ['127.0.0.1'] }));
    site = await startSite({
      DATABASE_PATH: dbPath, CONFIG_PATH: configPath, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`,
      SMTP_URL: `smtp://127.0.0.1:${box.port}?from=desk@example.jp`, LOG_LEVEL: 'error',
    });
    db = openDatabase(dbPath, { migrate: false });
    admin = await signInCookie(site.url, ADMIN);
  });
  afterAll(async () => {
    db?.$client.close();
    await site?.stop();
    await new Promise<void>((done) => box.server.close(() => done()));
    dir.remove();
  });

  const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) => fetch(`${site.url}${path}`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: site.url, ...headers },
  });
  const inquiry = (email: string, body = '問い合わせ') => post('/support/', { email, service: 'elearning', category: 'question', body });
  const itemOf = (email: string) => db.$client.prepare('SELECT id FROM support_items WHERE requester_email = ?').pluck().get(email) as number;
  const items = () => db.$client.prepare('SELECT count(*) FROM support_items').pluck().get() as number;
  const month = () => DateTime.now().setZone('Asia/Tokyo').toFormat('yyyy-LL');
  const supportJson = async () => {
    const { stdout, status } = await runScript('scripts/sla.ts', ['--month', month(), '--json'], { DATABASE_PATH: dbPath, CONFIG_PATH: configPath, LOG_LEVEL: 'error' });
    expect(status).toBe(0);
    return JSON.parse(stdout) as { support: SupportJson; rows: Array<{ key: string; measured: string; met: boolean | null }> };
  };

  it('an item closed as spam or out of scope mails nothing, is surveyed never (yearly campaign included), counts nowhere, and is audited', async () => {
    const bots = ['bot1@spam.example', 'bot2@spam.example', 'bot3@spam.example'];
    for (const b of bots) expect((await inquiry(b, 'スパム')).status).toBe(200);
    const learner = 'learner@learners.example.jp';
    expect((await inquiry(learner, '本当の質問')).status).toBe(200);
    const before = await supportJson();
    expect(before.support.items_opened).toBe(4);

    for (const b of bots) {
      const res = await post(`/admin/support/${itemOf(b)}`, { action: 'status', to: 'dismissed', note: '自動投稿（迷惑）' }, { cookie: admin });
      expect(res.status, b).toBe(303);
    }
    const page = await (await fetch(`${site.url}/admin/support/${itemOf(bots[0]!)}`, { headers: { cookie: admin } })).text();
    expect(page).toContain('<dd data-testid="status">対象外（迷惑・範囲外）</dd>');
    expect(page).toContain('依頼者には連絡しない');
    expect((await post(`/admin/support/${itemOf(learner)}`, { action: 'status', to: 'done', note: '回答しました。' }, { cookie: admin })).status).toBe(303);
    // The yearly campaign too asks only the requester who was served.
    // It asks first, naming how many it would mail: the served requester only.
    const asked = await post('/admin/support/', { action: 'campaign' }, { cookie: admin });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('1人の依頼者へアンケートのメールを送りますか？');
    const campaign = await post('/admin/support/', { action: 'campaign', confirmed: 'yes' }, { cookie: admin });
    expect(campaign.status).toBe(303);
    expect(campaign.headers.get('location')).toContain('sent=1');

    await waitFor(() => box.mails.filter((m) => toOf(m) === learner && m.subject?.includes('満足度アンケート')).length === 2, 30_000);
    await waitFor(() => db.$client.prepare('SELECT count(*) FROM mail_outbox WHERE next_attempt_at IS NOT NULL').pluck().get() === 0, 30_000);
    // Each robot address got at most the acknowledgement it caused before anyone looked: no status mail, no survey.
    for (const b of bots) {
      const mails = box.mails.filter((m) => toOf(m) === b);
      expect(mails.length, b).toBeLessThanOrEqual(1);
      for (const m of mails) expect(m.subject, b).toContain('受付');
    }
    expect(db.$client.prepare("SELECT count(*) FROM survey_invitations WHERE email LIKE 'bot%'").pluck().get()).toBe(0);
    const audited = db.$client.prepare("SELECT entity_id AS entityId, after FROM audit_log WHERE action = 'support.dismiss' ORDER BY audit_log.id").all() as { entityId: string; after: string }[];
    expect(audited.map((a) => Number(a.entityId))).toEqual(bots.map(itemOf));
    expect(audited[0]!.after).toContain('自動投稿（迷惑）');

    // In no figure: items, closings, timers, status reports.
    const after = await supportJson();
    expect(after.support.items_opened).toBe(1);
    expect(after.support.items_closed).toBe(1);
    expect(after.support.open_at_end).toBe(0);
    expect(after.support.acknowledged.met + after.support.acknowledged.missed + after.support.acknowledged.pending).toBe(1);
    expect(after.support.status_reports.changes).toBe(1);
    const list = await (await fetch(`${site.url}/reports/${month()}`, { headers: { cookie: admin } })).text();
    for (const b of bots) expect(list).not.toContain(`#${itemOf(b)}<`);
  }, 90_000);

  it('a survey answered before the item was closed as spam no longer counts', async () => {
    const robot = 'bot9@spam.example';
    expect((await inquiry(robot, '不満を言うための投稿')).status).toBe(200);
    const id = itemOf(robot);
    // Declined the old way: the survey goes out, and the robot answers it 不満.
    expect((await post(`/admin/support/${id}`, { action: 'status', to: 'declined' }, { cookie: admin })).status).toBe(303);
    const invite = await waitFor(() => box.mails.find((m) => toOf(m) === robot && m.subject?.includes('満足度アンケート')), 30_000);
    const path = new URL(/http:\/\/\S+\/survey\/[\w-]+/.exec(invite.text ?? '')![0]).pathname;
    const worst = { q1: 'dissatisfied', q2: 'dissatisfied', q3: 'dissatisfied', q4: 'dissatisfied', q5: 'dissatisfied' };
    expect((await post(path, worst)).status).toBe(200);
    const withRobot = (await supportJson()).support.survey.answers;
    // An admin sees it for what it was.
    expect((await post(`/admin/support/${id}`, { action: 'status', to: 'dismissed', note: '迷惑' }, { cookie: admin })).status).toBe(303);
    expect((await supportJson()).support.survey.answers).toBe(withRobot - 1);
  }, 60_000);

  it('limits per address count one mailbox, whatever +tag or case it is spelled with', async () => {
    const n = items();
    const statuses: number[] = [];
    for (const email of ['target+1@victim.example', 'Target+2@Victim.example', 'target+30@victim.example', 'target+31@victim.example', 'TARGET@victim.example']) {
      statuses.push((await inquiry(email)).status);
    }
    // Three an hour for one mailbox (the default), then refused.
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(items()).toBe(n + 3);
    // Another mailbox is not held back.
    expect((await inquiry('someone.else+1@victim.example')).status).toBe(200);
  });

  it('believes only PUBLIC_URL for the origin: X-Forwarded-Host from a trusted proxy does not make another origin this site', async () => {
    const n = items();
    const forged = await post('/support/', { email: 'forged@learners.example.jp', service: 'elearning', category: 'bug', body: 'x' },
      { origin: 'http://evil.example', 'x-forwarded-host': 'evil.example' });
    expect(forged.status).toBe(403);
    const signedIn = await post(`/admin/support/${itemOf('learner@learners.example.jp')}`, { action: 'note', text: 'forged' },
      { cookie: admin, origin: 'http://evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' });
    expect(signedIn.status).toBe(403);
    expect(items()).toBe(n);
    expect(db.$client.prepare("SELECT count(*) FROM support_events WHERE text = 'forged'").pluck().get()).toBe(0);
    // The same request from PUBLIC_URL's origin is taken.
    expect((await post('/support/', { email: 'real@learners.example.jp', service: 'elearning', category: 'bug', body: 'x' }, { 'x-forwarded-host': new URL(site.url).host })).status).toBe(200);
  });
});

describe('closing an item as spam before its mail went out', () => {
  it('withdraws the queued acknowledgement: the sender never sends it, and sends the others', async () => {
    const box = await mailbox();
    const t = tempDb();
    try {
      importInterchange(t.db, validateInterchange({ version: 1, services: [{ slug: 'elearning', name: { ja: 'eラーニング' }, sla_target_pct: 99.9 }] }));
      const opts = deskOptions(loadConfig(undefined), 'http://127.0.0.1');
      const now = Date.now();
      const form = (email: string) => raiseFromForm(t.db, { email, service: 'elearning', category: 'bug', body: 'x' }, { userId: null, lang: 'ja' }, now, opts);
      const robot = form('robot@spam.example');
      form('person@learners.example.jp');
      changeStatus(t.db, systemActor('test'), robot, { to: 'dismissed', note: '迷惑' }, now + 1000, opts);
      const transport = mailTransport({ SMTP_URL: `smtp://127.0.0.1:${box.port}?from=desk@example.jp` })!;
      expect(await sendPendingMail(t.db, transport, now + 2000)).toEqual({ sent: 1, failed: 0 });
      expect(box.mails.map(toOf)).toEqual(['person@learners.example.jp']);
      const ack = t.db.$client.prepare('SELECT o.sent_at AS sentAt, o.next_attempt_at AS next, o.last_error AS why FROM support_items i JOIN mail_outbox o ON o.id = i.ack_outbox_id WHERE i.id = ?').get(robot);
      expect(ack).toEqual({ sentAt: null, next: null, why: expect.stringMatching(/^withdrawn: /) });
      transport.close();
    } finally {
      t.close();
      await new Promise<void>((done) => box.server.close(() => done()));
    }
  });
});
