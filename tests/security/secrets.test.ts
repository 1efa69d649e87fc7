import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHostileSite, signInCookie, ADMIN, CLIENT, SECRETS, type HostileSite } from './fixture';
import { runScript } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { openDatabase } from '../../src/lib/db';

/** Point 2: a monitor's secrets are write-only once saved; nobody reads one back, a client least of all. */
let ctx: HostileSite;
let admin: string;
let client: string;
const monitorId = (slug: string) => (ctx.db.$client.prepare('SELECT id FROM monitors WHERE slug = ?').get(slug) as { id: number }).id;
const stored = (slug: string) => ctx.db.$client.prepare('SELECT target, options FROM monitors WHERE slug = ?').get(slug) as { target: string; options: string };
const page = async (path: string, cookie: string) => {
  const res = await fetch(`${ctx.url}${path}`, { headers: { cookie }, redirect: 'manual' });
  return { status: res.status, body: await res.text() };
};
const leaks = (body: string) => Object.values(SECRETS).filter((s) => body.includes(s) || body.includes(encodeURIComponent(s)));

/** The monitor form as the page fills it in, with `change` applied: what an admin's browser sends back. */
async function formAsShown(id: number, change: Record<string, string>): Promise<URLSearchParams> {
  const { body } = await page(`/admin/monitors/${id}`, admin);
  // The monitor's form: the one whose submit button saves it.
  const save = body.indexOf('name="action" value="save"');
  const from = body.lastIndexOf('<form', save);
  const form = body.slice(from, body.indexOf('</form>', save));
  const fields = new URLSearchParams();
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of form.matchAll(/<input\b([^>]*)>/g)) {
    const name = /\bname="([^"]*)"/.exec(m[1]!)?.[1];
    if (!name) continue;
    const type = /\btype="([^"]*)"/.exec(m[1]!)?.[1];
    if (type === 'checkbox') { if (/\bchecked\b/.test(m[1]!)) fields.set(name, 'on'); continue; }
    fields.set(name, unescape(/\bvalue="([^"]*)"/.exec(m[1]!)?.[1] ?? ''));
  }
  for (const m of form.matchAll(/<select\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)" selected/.exec(m[2]!)?.[1];
    if (selected !== undefined) fields.set(m[1]!, selected);
  }
  for (const m of form.matchAll(/<textarea\b[^>]*\bname="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields.set(m[1]!, unescape(m[2]!));
  fields.set('action', 'save');
  for (const [k, v] of Object.entries(change)) fields.set(k, v);
  return fields;
}

beforeAll(async () => {
  ctx = await startHostileSite();
  admin = await signInCookie(ctx.url, ADMIN);
  client = await signInCookie(ctx.url, CLIENT);
});
afterAll(async () => { await ctx?.stop(); });

describe('monitor secrets are write-only', () => {
  it('shows no token, password or header value to a client, nor to an admin', async () => {
    for (const cookie of [client, admin]) {
      // A client's start page is the reports (its /admin/ sends it there).
      for (const path of ['/admin/monitors', ...['web-check', 'db-check', 'job-push'].map((s) => `/admin/monitors/${monitorId(s)}`), '/admin/dashboard.json', cookie === admin ? '/admin/' : '/reports/']) {
        const res = await page(path, cookie);
        expect(res.status, path).toBe(200);
        expect(leaks(res.body), `${path} as ${cookie === admin ? 'admin' : 'client'}`).toEqual([]);
      }
    }
    // The pages still say a secret is there: masked.
    const web = await page(`/admin/monitors/${monitorId('web-check')}`, admin);
    expect(web.body).toContain('Authorization');
    expect(web.body).toContain('********');
    expect((await page(`/admin/monitors/${monitorId('db-check')}`, admin)).body).toContain('mysql://monitor:********@127.0.0.1:3306/app');
    // A client does not even read the user name.
    expect((await page(`/admin/monitors/${monitorId('db-check')}`, client)).body).toContain('mysql://********:********@127.0.0.1:3306/app');
  });

  it('keeps the saved secrets when the form comes back with the mask', async () => {
    for (const slug of ['web-check', 'db-check', 'job-push']) {
      const before = stored(slug);
      const id = monitorId(slug);
      const res = await fetch(`${ctx.url}/admin/monitors/${id}`, { method: 'POST', redirect: 'manual', headers: { cookie: admin, origin: ctx.url }, body: await formAsShown(id, { intervalS: '600' }) });
      expect(res.status, `${slug}: ${await res.text()}`).toBe(303);
      const after = stored(slug);
      expect(after.target, slug).toBe(before.target);
      expect(JSON.parse(after.options).headers ?? {}, slug).toEqual(JSON.parse(before.options).headers ?? {});
    }
    expect(stored('web-check').options).toContain(SECRETS.header);
  });

  it('replaces a secret an admin types, and never shows the new one either', async () => {
    const id = monitorId('web-check');
    const res = await fetch(`${ctx.url}/admin/monitors/${id}`, { method: 'POST', redirect: 'manual', headers: { cookie: admin, origin: ctx.url }, body: await formAsShown(id, { 'opt.headers': JSON.stringify({ Authorization: 'Bearer replaced-0042' }) }) });
    expect(res.status).toBe(303);
    expect(JSON.parse(stored('web-check').options).headers).toEqual({ Authorization: 'Bearer replaced-0042' });
    expect((await page(`/admin/monitors/${id}`, admin)).body).not.toContain('replaced-0042');
    // Nor does the audit log, which records the change.
    const audit = await page('/admin/audit', admin);
    expect(audit.status).toBe(200);
    expect(audit.body).not.toContain('replaced-0042');
    expect(leaks(audit.body)).toEqual([]);
  });

  it('does not carry a kept password to another host: saving there clears it', async () => {
    const id = monitorId('db-check');
    const res = await fetch(`${ctx.url}/admin/monitors/${id}`, { method: 'POST', redirect: 'manual', headers: { cookie: admin, origin: ctx.url }, body: await formAsShown(id, { target: 'mysql://monitor:********@evil.example:3306/app' }) });
    expect(res.status).toBe(303);
    expect(stored('db-check').target).toBe('mysql://monitor@evil.example:3306/app');
    const shown = await page(res.headers.get('location')!, admin);
    expect(shown.body).toContain('保存済みのパスワード・トークン・ヘッダーの値を消去しました');
  });

  it('clears header secrets when the target moves, so the test button sends none to the new address', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const other = createServer((req, res) => { seen.push(req.headers); res.end('ok'); });
    await new Promise<void>((ready) => other.listen(0, '127.0.0.1', ready));
    try {
      const id = monitorId('web-check');
      expect(JSON.parse(stored('web-check').options).headers.Authorization).toBeTruthy();
      const moved = `http://127.0.0.1:${(other.address() as AddressInfo).port}/collect`;
      // The form as shown (Authorization: ********) with only the address changed.
      const res = await fetch(`${ctx.url}/admin/monitors/${id}`, { method: 'POST', redirect: 'manual', headers: { cookie: admin, origin: ctx.url }, body: await formAsShown(id, { target: moved }) });
      expect(res.status).toBe(303);
      expect(stored('web-check').target).toBe(moved);
      expect(JSON.parse(stored('web-check').options).headers ?? {}).toEqual({});
      expect((await page(res.headers.get('location')!, admin)).body).toContain('data-testid="secrets-cleared"');
      const test = await fetch(`${ctx.url}/admin/monitors/${id}`, { method: 'POST', headers: { cookie: admin, origin: ctx.url }, body: new URLSearchParams({ action: 'test' }) });
      expect(test.status).toBe(200);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.authorization).toBeUndefined();
      expect(JSON.stringify(seen)).not.toContain('Bearer');
      // Typed again in the same save, a secret goes with the new address.
      const again = await fetch(`${ctx.url}/admin/monitors/${id}`, { method: 'POST', redirect: 'manual', headers: { cookie: admin, origin: ctx.url },
        body: await formAsShown(id, { target: `${moved}?again=1`, 'opt.headers': JSON.stringify({ 'X-Api-Key': 'typed-for-new-host' }) }) });
      expect(again.status).toBe(303);
      expect(JSON.parse(stored('web-check').options).headers).toEqual({ 'X-Api-Key': 'typed-for-new-host' });
    } finally {
      await new Promise((done) => other.close(done));
    }
  });
});

describe('a client sees no credential in a target', () => {
  it('masks the user name and every query value for a client, not only secret-named ones', async () => {
    const signed = 'https://reader-u7x:pw-q1@files.example/report.csv?X-Amz-Signature=sig-a1b2c3&key=key-z9y8x7&sig=s-55aa&page=2';
    const service = ctx.db.$client.prepare("SELECT id FROM services WHERE slug = 'learn'").pluck().get() as number;
    const id = Number(ctx.db.$client.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options, paused)
      VALUES ('signed-url', ?, 'http', ?, 300, 10, 2, 0, '{}', 1)`).run(service, signed).lastInsertRowid);
    try {
      for (const path of ['/admin/monitors', `/admin/monitors/${id}`]) {
        const res = await page(path, client);
        expect(res.status, path).toBe(200);
        for (const secret of ['reader-u7x', 'pw-q1', 'sig-a1b2c3', 'key-z9y8x7', 's-55aa']) expect(res.body, `${path}: ${secret}`).not.toContain(secret);
        expect(res.body).toContain('files.example/report.csv');
      }
      // Nor the probe's own error texts (the latest result by location is for admins).
      expect((await page(`/admin/monitors/${monitorId('web-check')}`, client)).body).not.toContain('probeError');
      expect((await page(`/admin/monitors/${monitorId('web-check')}`, admin)).body).toContain('probeError');
      // An admin still reads the user name and the plain query values, to edit them; never the password.
      const forAdmin = await page(`/admin/monitors/${id}`, admin);
      expect(forAdmin.body).toContain('reader-u7x');
      expect(forAdmin.body).not.toContain('pw-q1');
    } finally {
      ctx.db.$client.prepare('DELETE FROM monitors WHERE id = ?').run(id);
    }
  });
});

describe('npm run data:export', () => {
  it('writes no secret without --with-secrets, always mode 0600; import takes either file', async () => {
    const { dir, remove } = tempDir('export-secrets-');
    try {
      const plain = join(dir, 'plain.json');
      writeFileSync(plain, 'old', { mode: 0o644 });
      const out = await runScript('scripts/data-export.ts', ['--out', plain], { DATABASE_PATH: ctx.dbPath, LOG_LEVEL: 'error' });
      expect(out.status, out.stderr).toBe(0);
      expect(statSync(plain).mode & 0o777).toBe(0o600);
      const text = readFileSync(plain, 'utf8');
      expect(leaks(text)).toEqual([]);
      expect(text).not.toContain('typed-for-new-host');
      const monitors = (JSON.parse(text) as { monitors: { slug: string; target: string }[] }).monitors;
      expect(monitors.find((m) => m.slug === 'job-push')!.target).toBe('********');
      const stdout = await runScript('scripts/data-export.ts', [], { DATABASE_PATH: ctx.dbPath, LOG_LEVEL: 'error' });
      expect(leaks(stdout.stdout)).toEqual([]);

      const full = join(dir, 'full.json');
      const withSecrets = await runScript('scripts/data-export.ts', ['--out', full, '--with-secrets'], { DATABASE_PATH: ctx.dbPath, LOG_LEVEL: 'error' });
      expect(withSecrets.status, withSecrets.stderr).toBe(0);
      expect(statSync(full).mode & 0o777).toBe(0o600);
      expect(readFileSync(full, 'utf8')).toContain(SECRETS.pushToken);
      expect(readFileSync(full, 'utf8')).toContain('typed-for-new-host');

      // Both import; a mask is never stored as a secret.
      for (const [file, name] of [[plain, 'plain.db'], [full, 'full.db']] as const) {
        const imported = await runScript('scripts/data-import.ts', [file], { DATABASE_PATH: join(dir, name), LOG_LEVEL: 'error' });
        expect(imported.status, imported.stderr).toBe(0);
      }
      const fromPlain = openDatabase(join(dir, 'plain.db'), { migrate: false });
      const rows = fromPlain.$client.prepare('SELECT slug, target, options FROM monitors').all() as { slug: string; target: string; options: string }[];
      fromPlain.$client.close();
      expect(JSON.stringify(rows)).not.toContain('********');
      expect(leaks(JSON.stringify(rows))).toEqual([]);
      expect(rows.find((r) => r.slug === 'job-push')!.target).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
      const fromFull = openDatabase(join(dir, 'full.db'), { migrate: false });
      expect(fromFull.$client.prepare("SELECT target FROM monitors WHERE slug = 'job-push'").pluck().get()).toBe(SECRETS.pushToken);
      fromFull.$client.close();
    } finally {
      remove();
    }
  }, 60_000);
});
