import { describe, it, expect, beforeAll, afterAll } from 'vitest';
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
import { parseConfig } from '../../src/lib/config';
import { monthFigures } from '../../src/lib/sla/month';
import { startSite, waitFor, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { signInCookie, ADMIN } from './admin-fixture';

/** A real SMTP server on 127.0.0.1 that keeps what it receives. */
function mailbox(): Promise<{ server: SMTPServer; port: number; mails: ParsedMail[] }> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, _session, done) {
      simpleParser(stream).then((m) => { mails.push(m); done(); }, done);
    },
  });
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => ready({ server, port: (server.server.address() as { port: number }).port, mails })));
}

const to = (m: ParsedMail) => (m.to && 'text' in m.to ? m.to.text : '');

/** The next weekday evening (19:00 JST) at least `days` days from now. */
function weekdayEvening(days: number): DateTime {
  let d = DateTime.now().setZone('Asia/Tokyo').plus({ days }).startOf('day');
  while (d.weekday > 4) d = d.plus({ days: 1 }); // Monday to Thursday: the window is plainly inside the rules
  return d.set({ hour: 19 });
}

/**
 * Announcing a planned stop is sending it: the admin saves a stop 17 days ahead, the built
 * site and its worker mail the confirmed subscriber (through the real double opt-in) and the
 * client's contacts through real SMTP, and the notice row is measured from when the client's
 * notice was sent, not from a time anyone typed.
 */
describe('a planned stop announced from the admin page reaches people by mail', () => {
  const dir = tempDir();
  const dbPath = join(dir.dir, 'status.db');
  const configPath = join(dir.dir, 'config.json');
  const CONTACT = 'tantou@city.example.lg.jp';
  let site: RunningSite;
  let box: Awaited<ReturnType<typeof mailbox>>;
  let db: Db;
  let cookie = '';

  beforeAll(async () => {
    box = await mailbox();
    writeFileSync(configPath, JSON.stringify({ client: { contacts: [CONTACT] } }));
    db = openDatabase(dbPath);
    importInterchange(db, validateInterchange({
      version: 1,
      services: [
        { slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 },
        { slug: 'website', name: { ja: '広報啓発WEBサイト', en: 'Awareness website' }, sla_target_pct: 99.9 },
      ],
    }));
    await createUser(db, systemActor('test'), { email: ADMIN.email, role: 'admin', password: ADMIN.password });
    const port = await new Promise<number>((ready) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => ready(p));
      });
    });
    site = await startSite({
      DATABASE_PATH: dbPath, CONFIG_PATH: configPath, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`,
      SMTP_URL: `smtp://127.0.0.1:${box.port}?from=status@example.jp`,
    });
    cookie = await signInCookie(site.url, ADMIN);
  }, 90_000);
  afterAll(async () => {
    await site?.stop();
    db?.$client.close();
    await new Promise<void>((done) => box.server.close(() => done()));
    dir.remove();
  });

  const post = (path: string, fields: Array<[string, string]>, withCookie = true) => fetch(`${site.url}${path}`, {
    method: 'POST', redirect: 'manual',
    headers: { ...(withCookie ? { cookie } : {}), origin: site.url, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'ja' },
    body: new URLSearchParams(fields),
  });
  const stopRow = (id: number) => db.$client.prepare('SELECT announced_at AS announcedAt FROM maintenances WHERE id = ?').get(id) as { announcedAt: number | null };

  it('mails a confirmed subscriber within 90 s naming its date, and the client notice stamps the notice time', async () => {
    // A learner subscribes to planned stops of the e-learning system and confirms.
    await post('/subscribe/', [['email', 'learner@example.jp'], ['maintenances', 'on'], ['services', 'elearning']], false);
    const confirm = await waitFor(() => box.mails.find((m) => to(m) === 'learner@example.jp' && m.subject?.includes('メール通知登録の確認')), 30_000);
    const link = new URL(new RegExp(`${site.url}/subscribe/confirm\\?token=[\\w.-]+`).exec(confirm.text ?? '')![0]);
    const confirmed = await post(`${link.pathname}${link.search}`, [['token', link.searchParams.get('token')!]], false);
    expect(await confirmed.text()).toContain('登録が完了しました');

    const start = weekdayEvening(17);
    const date = start.toFormat('yyyy-LL-dd');
    const before = Date.now();
    const saved = await post('/admin/maintenance/new', [
      ['category', 'inspection'], ['titleJa', 'eラーニング定期点検'], ['titleEn', 'E-learning inspection'], ['serviceIds', '1'],
      ['scheduledStart', start.toFormat("yyyy-LL-dd'T'HH:mm")], ['scheduledEnd', start.plus({ hours: 2 }).toFormat("yyyy-LL-dd'T'HH:mm")],
      ['bodyJa', 'サーバーの定期点検を行います。'], ['announce', 'on'],
    ]);
    expect(saved.status).toBe(303);
    const after = Date.now();
    const id = Number(/\/admin\/maintenance\/(\d+)/.exec(saved.headers.get('location')!)![1]);

    const learner = await waitFor(() => box.mails.find((m) => to(m) === 'learner@example.jp' && m.subject?.includes('計画停止のお知らせ')), 90_000, 500);
    expect(learner.subject).toContain(date);
    expect(learner.text).toContain(`${date} (`);
    expect(learner.text).toContain('eラーニング定期点検');
    const client = await waitFor(() => box.mails.find((m) => to(m) === CONTACT), 30_000, 500);
    expect(client.subject).toBe('【計画停止予定通知】eラーニング定期点検');
    expect(client.text).toContain(`予定日時: ${date} 19:00 (JST)`);

    // The notice time is the sending time, and the page and the SLA rows count from it.
    const { announcedAt } = stopRow(id);
    expect(announcedAt).toBeGreaterThanOrEqual(before);
    expect(announcedAt).toBeLessThanOrEqual(after);
    const page = await (await fetch(`${site.url}/admin/maintenance/${id}`, { headers: { cookie } })).text();
    // Whole days from the notice to the start: about 17, more when the start skips a weekend.
    const noticeDays = Math.floor((start.toMillis() - announcedAt!) / 86_400_000);
    expect(noticeDays).toBeGreaterThanOrEqual(16);
    expect(page).toContain(`data-testid="announced-at">`);
    expect(page).toMatch(new RegExp(`data-testid="announced-at">[^<]*\\(通知日数: ${noticeDays}\\)`));
    const month = start.toFormat('yyyy-LL');
    const config = parseConfig({ client: { contacts: [CONTACT] } });
    const figures = monthFigures({ db, config, now: start.plus({ hours: 3 }).toMillis() }, month);
    expect(figures.stops.find((s) => s.id === id)).toMatchObject({ announcedAt, noticeMet: true });
    expect(figures.rows.find((r) => r.key === 'planned_stop.notice')!.met).toBe(true);
  }, 180_000);

  it('a stop saved without announcing reads 未告知 and mails no one until it is announced', async () => {
    const start = weekdayEvening(40);
    const mailsBefore = box.mails.length;
    const saved = await post('/admin/maintenance/new', [
      ['category', 'security'], ['titleJa', 'セキュリティ修正'], ['serviceIds', '1'],
      ['scheduledStart', start.toFormat("yyyy-LL-dd'T'HH:mm")], ['scheduledEnd', start.plus({ hours: 1 }).toFormat("yyyy-LL-dd'T'HH:mm")],
    ]);
    expect(saved.status).toBe(303);
    const id = Number(/\/admin\/maintenance\/(\d+)/.exec(saved.headers.get('location')!)![1]);
    expect(stopRow(id).announcedAt).toBeNull();
    const list = await (await fetch(`${site.url}/admin/maintenance/`, { headers: { cookie } })).text();
    expect(list).toMatch(new RegExp(`data-stop="${id}"[\\s\\S]*?未告知`));
    await new Promise((r) => setTimeout(r, 6_000)); // the mail job runs every 5 s
    expect(box.mails.length).toBe(mailsBefore);
    expect(db.$client.prepare("SELECT count(*) FROM mail_outbox WHERE subject LIKE '%セキュリティ修正%'").pluck().get()).toBe(0);

    const sent = Date.now();
    expect((await post(`/admin/maintenance/${id}`, [['action', 'announce']])).status).toBe(303);
    expect(stopRow(id).announcedAt).toBeGreaterThanOrEqual(sent);
    await waitFor(() => box.mails.find((m) => to(m) === CONTACT && m.subject?.includes('セキュリティ修正')), 30_000, 500);
  }, 120_000);
});
