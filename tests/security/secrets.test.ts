import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileSite, signInCookie, ADMIN, CLIENT, SECRETS, type HostileSite } from './fixture';

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
    expect((await page(`/admin/monitors/${monitorId('db-check')}`, client)).body).toContain('mysql://monitor:********@127.0.0.1:3306/app');
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

  it('does not carry a kept password to another host', async () => {
    const id = monitorId('db-check');
    const before = stored('db-check');
    const res = await fetch(`${ctx.url}/admin/monitors/${id}`, { method: 'POST', redirect: 'manual', headers: { cookie: admin, origin: ctx.url }, body: await formAsShown(id, { target: 'mysql://monitor:********@evil.example:3306/app' }) });
    expect(res.status).toBe(400);
    expect(stored('db-check')).toEqual(before);
  });
});
