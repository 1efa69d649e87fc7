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
import { tempDir } from '../helpers/temp';
import { signInCookie, ADMIN, CLIENT } from './admin-fixture';
import type { SupportJson } from '../../src/lib/support/report';

/** A real SMTP server on 127.0.0.1 that keeps what it receives, with the time it received each. */
function mailbox(): Promise<{ server: SMTPServer; port: number; mails: Array<ParsedMail & { receivedAt: number }> }> {
  const mails: Array<ParsedMail & { receivedAt: number }> = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      simpleParser(stream).then((m) => { mails.push(Object.assign(m, { receivedAt: Date.now() })); done(); }, done);
    },
  });
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => ready({ server, port: (server.server.address() as { port: number }).port, mails })));
}

const HOSTILE = {
  name: '<script>alert("name")</script>',
  body: '<img src=x onerror=alert(1)> "quoted" & </textarea><b>bold</b>',
};
const LEARNER = 'learner@learners.example.jp';
const toOf = (m: ParsedMail) => (m.to && 'text' in m.to ? m.to.text : '');

describe('the support desk on the built site, through a real SMTP server', () => {
  const dir = tempDir('support-desk-');
  const dbPath = join(dir.dir, 'status.db');
  let site: RunningSite;
  let box: Awaited<ReturnType<typeof mailbox>>;
  let db: Db;
  let adminCookie: string;
  let clientCookie: string;
  const env = () => ({ DATABASE_PATH: dbPath, CONFIG_PATH: join(dir.dir, 'config.json'), LOG_LEVEL: 'error' });

  beforeAll(async () => {
    box = await mailbox();
    const setup = openDatabase(dbPath);
    importInterchange(setup, validateInterchange({
      version: 1,
      services: [
        { slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 },
        { slug: 'website', name: { ja: '広報啓発WEBサイト', en: 'Awareness website' }, sla_target_pct: 99.9 },
      ],
    }));
    await createUser(setup, systemActor('test'), { email: ADMIN.email, role: 'admin', password: ADMIN.password });
    await createUser(setup, systemActor('test'), { email: CLIENT.email, role: 'client', password: CLIENT.password });
    setup.$client.close();
    const port = await new Promise<number>((ready) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => ready(p));
      });
    });
    // Fifteen form requests an hour from one client address: enough for this file's posts before the last test floods it.
    const configPath = join(dir.dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ support: { per_client_per_hour: 15 } }));
    site = await startSite({
      CONFIG_PATH: configPath,
      // The probe process runs the mail job that sends the outbox.
      DATABASE_PATH: dbPath, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`,
      SMTP_URL: `smtp://127.0.0.1:${box.port}?from=desk@example.jp`,
    });
    db = openDatabase(dbPath, { migrate: false });
    [adminCookie, clientCookie] = await Promise.all([signInCookie(site.url, ADMIN), signInCookie(site.url, CLIENT)]);
  });
  afterAll(async () => {
    db?.$client.close();
    await site?.stop();
    await new Promise<void>((done) => box.server.close(() => done()));
    dir.remove();
  });

  const post = (path: string, fields: Record<string, string>, cookie?: string) => fetch(`${site.url}${path}`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: site.url, ...(cookie ? { cookie } : {}) },
  });
  const get = (path: string, cookie?: string) => fetch(`${site.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const items = () => db.$client.prepare('SELECT count(*) FROM support_items').pluck().get() as number;
  const itemIdOf = (email: string) => db.$client.prepare('SELECT id FROM support_items WHERE requester_email = ? ORDER BY id').pluck().get(email) as number;

  it('the public page links the form; a learner\'s inquiry is acknowledged by mail, and the mail stamps the acknowledgement', async () => {
    const page = await (await get('/')).text();
    expect(page).toContain('href="/support/"');
    expect(await (await get('/en/')).text()).toContain('href="/en/support/"');
    const form = await (await get('/support/')).text();
    expect(form).toContain('name="category" value="bug"');
    expect(form).toContain('<option value="elearning"');

    const before = Date.now();
    const res = await post('/support/', { email: LEARNER, name: HOSTILE.name, service: 'elearning', category: 'bug', body: HOSTILE.body });
    expect(res.status).toBe(200);
    const html = await res.text();
    const id = itemIdOf(LEARNER);
    expect(html).toContain(`受け付けました（受付番号 #${id}）`);
    const ack = await waitFor(() => box.mails.find((m) => m.subject?.includes(`受付番号 #${id}`) && m.subject.includes('受付')), 20_000);
    expect(toOf(ack)).toBe(LEARNER);
    expect(ack.text).toContain(`受付番号: #${id}`);
    // Signed by the desk (config support.desk), with its hours and when a person replies.
    expect(ack.subject).toBe(`[サポートデスク] 受付のお知らせ（受付番号 #${id}）`);
    expect(ack.text).toContain('受付時間: 平日 9:00〜17:00（土日・祝日・年末年始を除く）');
    expect(ack.text).toContain('担当者から1営業日以内にご連絡します。');
    expect(ack.text).toMatch(/\n--\nサポートデスク\n平日 9:00〜17:00/);
    // The requester's own text is not mailed back (no amplification of arbitrary text).
    expect(ack.text).not.toContain('onerror');
    const row = await waitFor(() => db.$client.prepare(`SELECT o.sent_at AS sentAt FROM support_items i JOIN mail_outbox o ON o.id = i.ack_outbox_id
      WHERE i.id = ? AND o.sent_at IS NOT NULL`).get(id) as { sentAt: number } | undefined, 10_000);
    expect(row.sentAt).toBeGreaterThanOrEqual(before);
    expect(row.sentAt).toBeLessThanOrEqual(ack.receivedAt + 1000);
    // The admin sees that time as the acknowledgement, and the hostile text escaped.
    const detail = await (await get(`/admin/support/${id}`, adminCookie)).text();
    expect(detail).toContain(DateTime.fromMillis(row.sentAt, { zone: 'Asia/Tokyo' }).toFormat('yyyy-LL-dd HH:mm'));
    expect(detail).toContain('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    expect(detail).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // Who raised it, in words: not the internal actor key `form`.
    expect(detail).toContain('<small>問い合わせフォームから</small>');
    expect(detail).not.toContain('<small>form</small>');
    expect(detail).not.toContain('<script>alert');
    expect(detail).not.toContain('<img src=x');
  });

  it('takes the fields as multipart too (curl -F)', async () => {
    const body = new FormData();
    for (const [k, v] of Object.entries({ email: 'multi@learners.example.jp', service: 'website', category: 'request', body: 'multipart の要望' })) body.append(k, v);
    const res = await fetch(`${site.url}/support/`, { method: 'POST', body, headers: { origin: site.url } });
    expect(res.status).toBe(200);
    expect(db.$client.prepare('SELECT category, body FROM support_items WHERE requester_email = ?').get('multi@learners.example.jp')).toEqual({ category: 'request', body: 'multipart の要望' });
  });

  it('the English form works the same and answers in English', async () => {
    const res = await post('/en/support/', { email: 'en@learners.example.jp', service: 'website', category: 'question', body: 'How do I reset my password?' });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/Received \(item #\d+\)/);
    const mail = await waitFor(() => box.mails.find((m) => toOf(m) === 'en@learners.example.jp'), 20_000);
    expect(mail.subject).toMatch(/Received: item #\d+/);
  });

  it('refuses bad input, a request too large and a flood from one address, storing and mailing nothing', async () => {
    const n = items();
    const outbox = () => db.$client.prepare('SELECT count(*) FROM mail_outbox').pluck().get();
    const mails = outbox();
    expect((await post('/support/', { email: 'x@learners.example.jp', service: 'elearning', category: 'complaint', body: 'x' })).status).toBe(400);
    expect((await post('/support/', { email: 'not-an-address', service: 'elearning', category: 'bug', body: 'x' })).status).toBe(400);
    expect((await post('/support/', { email: 'x@learners.example.jp', service: 'nope', category: 'bug', body: 'x' })).status).toBe(400);
    expect((await post('/support/', { email: 'x@learners.example.jp', service: 'elearning', category: 'bug', body: '' })).status).toBe(400);
    expect((await post('/support/', { email: 'x@learners.example.jp', service: 'elearning', category: 'bug', body: 'あ'.repeat(60_000) })).status).toBe(413);
    const bad = await post('/support/', { email: 'x@learners.example.jp', service: 'elearning', category: 'bug', body: 'x'.repeat(4001) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('aria-invalid="true"');
    expect(items()).toBe(n);
    expect(outbox()).toBe(mails);
    // Three an hour from one address (the first was the hostile one above), then refused: a victim's address gets at most three mails.
    expect((await post('/support/', { email: LEARNER, service: 'elearning', category: 'question', body: 'two' })).status).toBe(200);
    expect((await post('/support/', { email: LEARNER, service: 'elearning', category: 'question', body: 'three' })).status).toBe(200);
    const flood = await post('/support/', { email: LEARNER.toUpperCase(), service: 'elearning', category: 'question', body: 'four' });
    expect(flood.status).toBe(429);
    expect(items()).toBe(n + 2);
  });

  it('an admin enters a phone call, acknowledged at reception; a change without an address needs the call recorded', async () => {
    const res = await post('/admin/support/new', { channel: 'phone', category: 'request', service: 'elearning', name: '委託者 担当', email: '', body: 'アカウント追加の申請', receivedAt: DateTime.now().setZone('Asia/Tokyo').toFormat("yyyy-LL-dd'T'HH:mm") }, adminCookie);
    expect(res.status).toBe(303);
    const path = res.headers.get('location')!.replace(/\?.*$/, '');
    const id = Number(path.split('/').pop());
    const item = db.$client.prepare('SELECT channel, acknowledged_at AS ackAt, received_at AS receivedAt, ack_outbox_id AS outbox FROM support_items WHERE id = ?').get(id) as { channel: string; ackAt: number; receivedAt: number; outbox: number | null };
    expect(item).toMatchObject({ channel: 'phone', outbox: null });
    expect(item.ackAt).toBe(item.receivedAt);
    expect((await post(path, { action: 'status', to: 'in_progress' }, adminCookie)).status).toBe(400);
    expect((await post(path, { action: 'status', to: 'in_progress', reportedVia: 'phone' }, adminCookie)).status).toBe(303);
    const html = await (await get(path, adminCookie)).text();
    expect(html).toContain('受付 → 対応中');
    expect(html).toContain('電話で連絡した');
    // The client and a visitor are refused, whatever the path looks like.
    expect((await get(path, clientCookie)).status).toBe(403);
    expect((await post('/admin/support/new', { channel: 'phone', category: 'bug', body: 'x', receivedAt: '2026-01-01T00:00' }, clientCookie)).status).toBe(403);
    expect((await get('/admin/support/')).status).toBe(303);
  });

  it('each status change mails the requester; minutes are summed per admin and into the month', async () => {
    const id = itemIdOf(LEARNER);
    const path = `/admin/support/${id}`;
    expect((await post(path, { action: 'status', to: 'in_progress', note: '調査を始めました。' }, adminCookie)).status).toBe(303);
    const mail = await waitFor(() => box.mails.find((m) => m.subject?.includes(`#${id}: 対応中`)), 20_000);
    expect(toOf(mail)).toBe(LEARNER);
    expect(mail.text).toContain('調査を始めました。');
    expect((await post(path, { action: 'status', to: 'consulting' }, adminCookie)).status).toBe(303);
    await waitFor(() => box.mails.find((m) => m.subject?.includes(`#${id}: 協議中`)), 20_000);
    expect((await post(path, { action: 'approach', approach: '次回リリースで修正する', agreedAt: DateTime.now().setZone('Asia/Tokyo').toFormat("yyyy-LL-dd'T'HH:mm") }, adminCookie)).status).toBe(303);
    const workedAt = DateTime.now().setZone('Asia/Tokyo').minus({ minutes: 5 }).toFormat("yyyy-LL-dd'T'HH:mm");
    expect((await post(path, { action: 'minutes', minutes: '90', workedAt }, adminCookie)).status).toBe(303);
    expect((await post(path, { action: 'minutes', minutes: '45', workedAt, minutesNote: '再現確認' }, adminCookie)).status).toBe(303);
    expect((await post(path, { action: 'minutes', minutes: 'lots', workedAt }, adminCookie)).status).toBe(400);
    const html = await (await get(path, adminCookie)).text();
    expect(html).toMatch(/data-testid="minutes-total">135</);
    expect(html).toContain('次回リリースで修正する');
    const list = await (await get('/admin/support/', adminCookie)).text();
    expect(list).toMatch(/data-testid="month">[^<]*作業時間 2時間15分 \(標準 5時間\)/);
    const month = DateTime.fromFormat(workedAt, "yyyy-LL-dd'T'HH:mm", { zone: 'Asia/Tokyo' }).toFormat('yyyy-LL');
    const { stdout, status } = await runScript('scripts/sla.ts', ['--month', month, '--json'], env());
    expect(status).toBe(0);
    const json = JSON.parse(stdout) as { support: { minutes: number; items_opened: number }; rows: Array<{ key: string; measured: string; met: boolean | null }> };
    expect(json.support.minutes).toBe(135);
    expect(json.rows.find((r) => r.key === 'maintenance_support')).toMatchObject({ measured: '2 h 15 min (135 min)', met: false });
  });

  it('closing the item sends a one-time survey link: answered once, then refused', async () => {
    const id = itemIdOf(LEARNER);
    expect((await post(`/admin/support/${id}`, { action: 'status', to: 'done', note: '修正しました。' }, adminCookie)).status).toBe(303);
    await waitFor(() => box.mails.find((m) => m.subject?.includes(`#${id}: 完了`)), 20_000);
    const invite = await waitFor(() => box.mails.find((m) => toOf(m) === LEARNER && m.subject?.includes('満足度アンケート')), 20_000);
    const link = new RegExp(`${site.url}/survey/[\\w-]+`).exec(invite.text ?? '')![0];
    const path = new URL(link).pathname;
    const form = await (await get(path)).text();
    expect(form).toContain('対応の早さ');
    expect(form).toContain('value="mostly_satisfied"');
    const partial = await post(path, { q1: 'satisfied' });
    expect(partial.status).toBe(400);
    const answers = { q1: 'satisfied', q2: 'mostly_satisfied', q3: 'neutral', q4: 'satisfied', q5: 'mostly_satisfied', comment: '<b>ありがとう</b>' };
    const done = await post(path, answers);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('ご回答ありがとうございました。');
    const again = await post(path, { ...answers, q1: 'dissatisfied' });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('すでに回答済み');
    expect((await get(path)).status).toBe(410);
    expect((await get('/survey/not-a-real-token-at-all-xyz')).status).toBe(404);
    expect(db.$client.prepare('SELECT q1, q2, q3, q4, q5 FROM survey_answers').all()).toEqual([{ q1: 100, q2: 80, q3: 60, q4: 100, q5: 80 }]);
  });

  it('a signed-in client raises an item and sees only its own; the month\'s report shows the section as `npm run sla -- --json` does', async () => {
    const res = await post('/support/', { email: CLIENT.email, service: 'website', category: 'request', body: '委託者からの要望です' }, clientCookie);
    expect(res.status).toBe(200);
    const mine = await (await get('/reports/support/', clientCookie)).text();
    expect(mine).toContain('委託者からの要望です');
    expect(mine).not.toContain(LEARNER);
    expect(mine).not.toContain('onerror');
    expect(mine).not.toContain('アカウント追加の申請');
    expect((await get('/reports/support/')).status).toBe(303);

    // Every queued mail sent first, so the acknowledgements counted do not change between the two readings.
    await waitFor(() => db.$client.prepare('SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL').pluck().get() === 0, 20_000);
    const month = DateTime.now().setZone('Asia/Tokyo').toFormat('yyyy-LL');
    const { stdout } = await runScript('scripts/sla.ts', ['--month', month, '--json'], env());
    const support = (JSON.parse(stdout) as { support: SupportJson }).support;
    const report = await (await get(`/reports/${month}`, clientCookie)).text();
    const section = report.slice(report.indexOf('data-testid="support-section"'));
    const summary = [...section.slice(0, section.indexOf('</tbody>')).matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    const ack = support.acknowledged;
    expect(summary.slice(0, 4)).toEqual([`${support.items_opened} 件`, `${support.items_closed} 件`, `${support.open_at_end} 件`, `${ack.met}/${ack.met + ack.missed} 件`]);
    expect(summary[6]).toContain(`（${support.minutes}分）`);
    expect(section).toContain(`${support.survey.answers} 件`);
    // Items name their service as people do (the PDF prints the same table), never by its slug.
    expect(section).toContain('<td>広報啓発WEBサイト</td>');
    expect(section).not.toMatch(/<td>(elearning|website)<\/td>/);
    // Aggregates only: no requester's address or text in the client's report.
    for (const page of [report, await (await get('/')).text(), await (await get('/api/v2/summary.json')).text(), await (await get('/history.atom')).text()]) {
      expect(page).not.toContain('learners.example.jp');
      expect(page).not.toContain('onerror');
    }
  });

  it('one client address is limited too, whatever addresses it gives', async () => {
    const n = items();
    let accepted = 0;
    let refusedAt = 0;
    for (let k = 1; k <= 16 && !refusedAt; k++) {
      const res = await post('/support/', { email: `flood${k}@learners.example.jp`, service: 'elearning', category: 'question', body: 'flood' });
      if (res.status === 429) refusedAt = k;
      else accepted++;
    }
    // Fifteen requests an hour from one client address (the earlier ones above included).
    expect(refusedAt).toBeGreaterThan(0);
    expect(items()).toBe(n + accepted);
    expect((await post('/support/', { email: 'other@learners.example.jp', service: 'elearning', category: 'question', body: 'x' })).status).toBe(429);
  });
});
