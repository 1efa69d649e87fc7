import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import { tempDir } from '../helpers/temp';
import { runScript, startSite, type RunningSite } from '../helpers/site';
import { signInCookie, ADMIN, CLIENT } from './admin-fixture';

// Subscribers: all services (confirmed), one service (confirmed), one service chosen but not yet confirmed.
const SUBSCRIBERS = [
  { email: 'alice.tanaka@example.jp', all: true, confirmed: true, services: [] as string[] },
  { email: 'bob@example.co.jp', all: true, confirmed: true, services: [] },
  { email: 'chie@example.jp', all: false, confirmed: true, services: ['elearning'] },
  { email: 'daisuke@example.net', all: true, confirmed: false, services: ['elearning'] },
];
const ADDRESSES = SUBSCRIBERS.map((s) => s.email);

let site: RunningSite;
let db: Db;
let dbPath: string;
let removeDir: () => void;
let adminCookie: string;
let clientCookie: string;

beforeAll(async () => {
  const { dir, remove } = tempDir('admin-subs-');
  removeDir = remove;
  dbPath = join(dir, 'status.db');
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
  const c = setup.$client;
  const t0 = Date.parse('2026-10-01T00:00:00Z');
  for (const s of SUBSCRIBERS) {
    const pending = s.confirmed ? null : JSON.stringify({ incidents: true, maintenances: true, services: s.services, lang: 'ja' });
    const id = Number(c.prepare(`INSERT INTO subscribers (email, lang, all_services, pending, confirm_nonce, confirmed_at, created_at, updated_at)
      VALUES (?, 'ja', ?, ?, ?, ?, ?, ?)`).run(s.email, s.all ? 1 : 0, pending, s.confirmed ? null : 'nonce-hash', s.confirmed ? t0 : null, t0, t0).lastInsertRowid);
    if (s.confirmed && !s.all) for (const slug of s.services) c.prepare('INSERT INTO subscriber_services (subscriber_id, service_id) SELECT ?, id FROM services WHERE slug = ?').run(id, slug);
  }
  setup.$client.close();
  site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off', LOG_LEVEL: 'debug' });
  db = openDatabase(dbPath, { migrate: false });
  [adminCookie, clientCookie] = await Promise.all([signInCookie(site.url, ADMIN), signInCookie(site.url, CLIENT)]);
});

afterAll(async () => {
  db?.$client.close();
  await site?.stop();
  removeDir?.();
});

const exportsRecorded = () => db.$client.prepare("SELECT user_id AS userId, actor, at, before, after FROM audit_log WHERE action = 'subscribers.export' ORDER BY id").all() as
  Array<{ userId: number; actor: string; at: number; before: string | null; after: string }>;

function post(cookie: string, body: Record<string, string>) {
  return fetch(`${site.url}/admin/subscribers/`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie, origin: site.url, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
    body: new URLSearchParams(body),
  });
}

describe('subscribers on the admin side (personal data)', () => {
  it('shows an admin the count per service and confirmation state, with masked addresses only', async () => {
    const res = await fetch(`${site.url}/admin/subscribers/`, { headers: { cookie: adminCookie, 'accept-language': 'en' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const cell = (service: string, state: string) => new RegExp(`<tr data-service="${service.replace('*', '\\*')}"[^>]*>.*?<td data-count="${state}"[^>]*>(\\d+)</td>`, 's').exec(html)?.[1];
    expect([cell('*', 'confirmed'), cell('*', 'unconfirmed')]).toEqual(['2', '0']);
    expect([cell('elearning', 'confirmed'), cell('elearning', 'unconfirmed')]).toEqual(['1', '1']);
    expect([cell('website', 'confirmed'), cell('website', 'unconfirmed')]).toEqual(['0', '0']);
    for (const masked of ['a***@example.jp', 'b***@example.co.jp', 'c***@example.jp', 'd***@example.net']) expect(html).toContain(masked);
    for (const address of ADDRESSES) expect(html).not.toContain(address);
    expect(html).not.toContain('alice');
    expect(html).toContain('href="/admin/subscribers/"');
  });

  it('refuses the client: 403 on the page and on the export, and nothing is recorded', async () => {
    const page = await fetch(`${site.url}/admin/subscribers/`, { headers: { cookie: clientCookie } });
    expect(page.status).toBe(403);
    const pageText = await page.text();
    for (const address of ADDRESSES) expect(pageText).not.toContain(address);
    const res = await post(clientCookie, { confirm: 'on', reason: 'I would like the list of addresses' });
    expect(res.status).toBe(403);
    const text = await res.text();
    for (const address of ADDRESSES) expect(text).not.toContain(address);
    expect(exportsRecorded()).toEqual([]);
    // No session at all: refused too.
    const anon = await fetch(`${site.url}/admin/subscribers/`, { method: 'POST', redirect: 'manual', headers: { origin: site.url, 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=on&reason=someone+without+a+session' });
    expect(anon.status).toBe(401);
    expect(exportsRecorded()).toEqual([]);
  });

  it('refuses an export without the ticked box or a reason, beside the fields, recording nothing', async () => {
    const res = await post(adminCookie, { reason: 'short' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toMatch(/<p class="error" id="f-confirm-err" data-error-for="confirm">Tick the box to export\.<\/p>/);
    expect(html).toMatch(/<p class="error" id="f-reason-err" data-error-for="reason">Give the reason, at least 10 characters\.<\/p>/);
    for (const address of ADDRESSES) expect(html).not.toContain(address);
    // Ticked but without a reason: still refused.
    const noReason = await post(adminCookie, { confirm: 'on', reason: '   ' });
    expect(noReason.status).toBe(400);
    const html2 = await noReason.text();
    expect(html2).toContain('data-error-for="reason"');
    expect(html2).not.toContain('data-error-for="confirm"');
    // From another site: refused before anything happens.
    const cross = await fetch(`${site.url}/admin/subscribers/`, { method: 'POST', redirect: 'manual', headers: { cookie: adminCookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=on&reason=a+reason+that+is+long+enough' });
    expect(cross.status).toBe(403);
    expect(exportsRecorded()).toEqual([]);
  });

  it('exports the full list as CSV for an admin who confirms and says why, and audits who, when, why and how many, never the addresses', async () => {
    const before = Date.now();
    const reason = '委託元からの依頼による年次の購読者確認 (ticket 42)';
    const res = await post(adminCookie, { confirm: 'on', reason });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="subscribers-\d{8}-\d{6}\.csv"$/);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const csv = (await res.text()).replace(/^\uFEFF/, '');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('email,lang,confirmed_at,incidents,maintenances,services,created_at,updated_at');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(ADDRESSES);
    expect(lines[3]).toBe('chie@example.jp,ja,2026-10-01T00:00:00.000Z,yes,yes,elearning,2026-10-01T00:00:00.000Z,2026-10-01T00:00:00.000Z');
    expect(lines[4]!.split(',')[2]).toBe('');

    const audit = exportsRecorded();
    expect(audit).toHaveLength(1);
    const admin = db.$client.prepare('SELECT id FROM users WHERE email = ?').get(ADMIN.email) as { id: number };
    expect(audit[0]).toMatchObject({ userId: admin.id, actor: ADMIN.email, before: null });
    expect(audit[0]!.at).toBeGreaterThanOrEqual(before - 1000);
    expect(audit[0]!.at).toBeLessThanOrEqual(Date.now());
    expect(JSON.parse(audit[0]!.after)).toEqual({ reason, rows: 4 });
    const everything = JSON.stringify(db.$client.prepare('SELECT * FROM audit_log').all());
    for (const address of ADDRESSES) expect(everything).not.toContain(address);
    // The audit page shows the export to admins.
    const auditPage = await (await fetch(`${site.url}/admin/audit`, { headers: { cookie: adminCookie } })).text();
    expect(auditPage).toContain('subscribers.export');
    // The site's own log (at debug level) never holds an address.
    const output = site.output();
    expect(output).toContain('subscribers.export');
    for (const address of ADDRESSES) expect(output).not.toContain(address);
  });

  it('keeps subscribers and users out of `npm run data:export`', async () => {
    const { status, stdout, stderr } = await runScript('scripts/data-export.ts', [], { DATABASE_PATH: dbPath, LOG_LEVEL: 'error' });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const data = JSON.parse(stdout) as Record<string, unknown>;
    expect(data.services).toHaveLength(2);
    for (const key of Object.keys(data)) expect(key).not.toMatch(/subscri|user|session|audit/i);
    for (const email of [...ADDRESSES, ADMIN.email, CLIENT.email]) expect(stdout).not.toContain(email);
    expect(stdout).not.toMatch(/password|scrypt\$/i);
  });
});
