import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/db';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp';
import { startAdminSite, signInCookie, ADMIN } from './admin-fixture';

/** State-changing requests that must change nothing unless they come signed in, from this site. */
let ctx: Awaited<ReturnType<typeof startAdminSite>>;
const tmp = tempDir('csrf-config-');
let url: string;
let cookie: string;
let db: Db;

const count = (table: string) => (db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const form = (fields: Record<string, string>) => new URLSearchParams(fields);
const incidentForm = () => form({ startedAt: '2026-01-05T09:00', kind: 'failure', severity: 'minor', titleJa: '攻撃者の障害', 'impact.1': 'major_outage', causeKnown: '' });

beforeAll(async () => {
  // Behind a proxy on this machine (as deploy/ sets it up): its X-Forwarded-Proto is believed.
  const config = join(tmp.dir, 'config.json');
  writeFileSync(config, JSON.stringify({ trusted_proxies: ['127.0.0.1'] }));
  ctx = await startAdminSite({ CONFIG_PATH: config });
  url = ctx.site.url;
  cookie = await signInCookie(url, ADMIN);
  db = openDatabase(ctx.dbPath, { migrate: false });
});
afterAll(async () => {
  db?.$client.close();
  await ctx?.stop();
  tmp.remove();
});

describe('state changes need a session and this site as origin', () => {
  it('accepts the same change when signed in and same-origin (so the refusals below are meaningful)', async () => {
    const before = count('incidents');
    const res = await fetch(`${url}/admin/incidents/new`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: url }, body: incidentForm() });
    expect(res.status).toBe(303);
    expect(count('incidents')).toBe(before + 1);
  });

  it('refuses a request without a session', async () => {
    const before = [count('incidents'), count('audit_log')];
    const res = await fetch(`${url}/admin/incidents/new`, { method: 'POST', redirect: 'manual', headers: { origin: url }, body: incidentForm() });
    expect(res.status).toBe(401);
    expect([count('incidents'), count('audit_log')]).toEqual(before);
  });

  it("refuses another site's origin, even with a valid session", async () => {
    const before = [count('incidents'), count('audit_log')];
    for (const body of [incidentForm(), JSON.stringify({ titleJa: 'x' })]) {
      const res = await fetch(`${url}/admin/incidents/new`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: 'http://evil.example' }, body });
      expect(res.status).toBe(403);
    }
    const viaReferer = await fetch(`${url}/admin/incidents/new`, { method: 'POST', redirect: 'manual', headers: { cookie, referer: 'http://evil.example/page', 'content-type': 'application/json' }, body: '{}' });
    expect(viaReferer.status).toBe(403);
    expect([count('incidents'), count('audit_log')]).toEqual(before);
  });

  it('refuses a tampered or unknown session cookie', async () => {
    const before = [count('incidents'), count('audit_log')];
    const token = cookie.slice('sid='.length);
    const tampered = `sid=${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const c of [tampered, 'sid=not-a-token', `sid=${token}x`]) {
      const res = await fetch(`${url}/admin/incidents/new`, { method: 'POST', redirect: 'manual', headers: { cookie: c, origin: url }, body: incidentForm() });
      expect(res.status).toBe(401);
      const page = await fetch(`${url}/admin/`, { redirect: 'manual', headers: { cookie: c } });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toContain('/login');
    }
    expect([count('incidents'), count('audit_log')]).toEqual(before);
  });

  it('ends a session on sign-out: the old cookie changes nothing afterwards', async () => {
    const own = await signInCookie(url, ADMIN);
    const out = await fetch(`${url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: own, origin: url } });
    expect(out.status).toBe(303);
    const before = count('incidents');
    const res = await fetch(`${url}/admin/incidents/new`, { method: 'POST', redirect: 'manual', headers: { cookie: own, origin: url }, body: incidentForm() });
    expect(res.status).toBe(401);
    expect(count('incidents')).toBe(before);
  });

  it('stores only the hash of a session token, in an httpOnly SameSite=Lax cookie', async () => {
    const res = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded' }, body: form({ email: ADMIN.email, password: ADMIN.password }) });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('sid='))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    expect(set).not.toMatch(/Secure/i); // plain HTTP here; Secure is set behind HTTPS
    const token = set.split(';')[0]!.slice(4);
    const ids = (db.$client.prepare('SELECT id FROM sessions').all() as { id: string }[]).map((r) => r.id);
    expect(ids).not.toContain(token);
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
  });

  it('sets the security headers on every page, and HSTS and Secure cookies behind HTTPS', async () => {
    for (const path of ['/', '/login', '/admin/']) {
      const res = await fetch(`${url}${path}`, { redirect: 'manual', headers: { cookie } });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
    // Behind a proxy that terminates TLS, the browser's origin is the https one.
    const https = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { origin: url.replace(/^http:/, 'https:'), 'x-forwarded-proto': 'https', 'content-type': 'application/x-www-form-urlencoded' }, body: form({ email: ADMIN.email, password: ADMIN.password }) });
    expect(https.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(https.headers.getSetCookie().find((c) => c.startsWith('sid='))).toMatch(/Secure/i);
  });

  it('keeps the audit log append-only', () => {
    expect(count('audit_log')).toBeGreaterThan(0);
    expect(() => db.$client.prepare("UPDATE audit_log SET actor = 'someone else'").run()).toThrow(/append-only/);
    expect(() => db.$client.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
  });
});
