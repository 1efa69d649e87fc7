import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { DateTime } from 'luxon';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import { startSite, waitFor, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { signInCookie, CLIENT } from './admin-fixture';

/**
 * The client's home after a fresh install: the worker issues the final report of the last
 * closed month at its start (nobody clicks), the client's contacts are mailed its link, and
 * /reports/ shows every SLA row of that month with what failed first, and links the
 * support items.
 */
describe('the client home tells what failed', () => {
  const dir = tempDir();
  const dbPath = join(dir.dir, 'status.db');
  const configPath = join(dir.dir, 'config.json');
  const CONTACT = 'tantou@city.example.lg.jp';
  const lastMonth = DateTime.now().setZone('Asia/Tokyo').startOf('month').minus({ months: 1 });
  const month = lastMonth.toFormat('yyyy-LL');
  let site: RunningSite;
  let db: Db;

  beforeAll(async () => {
    writeFileSync(configPath, JSON.stringify({ client: { contacts: [CONTACT] }, report: { client: '〇〇協議会 御中', contractor: '株式会社〇〇' } }));
    db = openDatabase(dbPath);
    // A three-hour major outage in the middle of last month: availability missed (99.9 % allows about 43 min).
    const start = lastMonth.plus({ days: 10, hours: 10 });
    importInterchange(db, validateInterchange({
      version: 1,
      services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 }],
      incidents: [{
        key: 'outage', kind: 'failure', severity: 'major', title: { ja: 'eラーニングシステムの停止' }, services: [{ service: 'elearning', impact: 'major_outage' }],
        started_at: start.toISO()!, aware_at: start.toISO()!, recovered_at: start.plus({ hours: 3 }).toISO()!, client_notified_at: start.plus({ minutes: 10 }).toISO()!,
        force_majeure: false,
      }],
    }));
    await createUser(db, systemActor('test'), { email: CLIENT.email, role: 'client', password: CLIENT.password });
    // Links in mail are built on PUBLIC_URL, so the port is chosen before the site starts.
    const port = await new Promise<number>((ready) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => ready(p));
      });
    });
    site = await startSite({ DATABASE_PATH: dbPath, CONFIG_PATH: configPath, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
  }, 90_000);
  afterAll(async () => {
    await site?.stop();
    db?.$client.close();
    dir.remove();
  });

  it('issues the last closed month\'s final report at start, once, and mails its link to the client', async () => {
    const report = await waitFor(() => db.$client.prepare('SELECT version, provisional, trigger FROM reports WHERE month = ?').get(month), 60_000, 500);
    expect(report).toEqual({ version: 1, provisional: 0, trigger: 'schedule' });
    const mail = db.$client.prepare("SELECT to_addr AS toAddr, subject, text FROM mail_outbox WHERE kind = 'client_notice.report'").all() as Array<{ toAddr: string; subject: string; text: string }>;
    expect(mail).toHaveLength(1);
    expect(mail[0]!.toAddr).toBe(CONTACT);
    expect(mail[0]!.subject).toBe(`【SLA月次報告書の発行】${lastMonth.toFormat('yyyy')}年${lastMonth.month}月 第1版（確定）`);
    expect(mail[0]!.text).toContain(`${site.url}/reports/${month}/v1.pdf`);
  }, 90_000);

  it('shows every SLA row of the month with 未達成 first, and links the support items', async () => {
    const cookie = await signInCookie(site.url, CLIENT);
    const html = await (await fetch(`${site.url}/reports/`, { headers: { cookie } })).text();
    const table = /data-testid="latest-rows">([\s\S]*?)<\/table>/.exec(html)![1]!;
    const judged = [...table.matchAll(/<tr data-row="([^"]+)">[\s\S]*?class="judge"><span class="(\w+)">([^<]*)<\/span>/g)].map((m) => ({ key: m[1], cls: m[2], text: m[3] }));
    expect(judged.length).toBeGreaterThan(10); // every row of the catalogue, not only availability
    const firstMet = judged.findIndex((r) => r.text !== '未達成');
    expect(firstMet).toBeGreaterThan(0);
    expect(judged.slice(firstMet).some((r) => r.text === '未達成')).toBe(false);
    expect(judged.slice(0, firstMet).map((r) => r.key)).toEqual(expect.arrayContaining(['availability.elearning']));
    expect(html).toMatch(/SLA項目（\d+項目、うち未達成 \d+項目）/);
    expect(html).toContain('href="/reports/support/"');
  });
});
