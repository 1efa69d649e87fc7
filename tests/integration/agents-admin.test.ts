import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/db';
import { LocationCheckStore } from '../../src/lib/agents/store';
import { startAdminSite, signInCookie, ADMIN, CLIENT } from './admin-fixture';
import { waitFor, type RunningSite } from '../helpers/site';

/** The admin pages of probe locations: add with the token shown once, revoke, per-monitor locations and quorum. */
describe('admin pages for probe agents', () => {
  let site: RunningSite;
  let stop: () => Promise<void>;
  let db: Db;
  let admin = '';
  let monitorId = 0;
  const form = (path: string, cookie: string, fields: [string, string][]) => fetch(`${site.url}${path}`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie, origin: site.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  const page = async (path: string, cookie: string) => (await fetch(`${site.url}${path}`, { headers: { cookie }, redirect: 'manual' }));

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

  it('an admin adds an agent: its token is shown once, stored only as a hash, and works', async () => {
    const res = await form('/admin/agents', admin, [['action', 'add'], ['name', 'osaka'], ['labelJa', '大阪'], ['labelEn', 'Osaka']]);
    expect(res.status).toBe(200);
    const html = await res.text();
    const token = /<code data-testid="token">(pa_\d+_[A-Za-z0-9_-]{43})<\/code>/.exec(html)?.[1];
    expect(token).toBeTruthy();
    expect(html).toContain(`npm run agent -- --site ${site.url} --token ${token}`);
    const again = await (await page('/admin/agents', admin)).text();
    expect(again).toContain('大阪');
    expect(again).not.toContain(token!);
    const assignment = await fetch(`${site.url}/api/agent/v1/assignment`, { headers: { Authorization: `Bearer ${token}` } });
    expect(assignment.status).toBe(200);
    expect(((await assignment.json()) as { location: { name: string } }).location.name).toBe('osaka');
    // Then revoked from the page: refused from now on.
    const id = /name="id" value="(\d+)"/.exec(again)![1]!;
    expect((await form('/admin/agents', admin, [['action', 'revoke'], ['id', id]])).status).toBe(303);
    expect((await fetch(`${site.url}/api/agent/v1/assignment`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(401);
    expect(await (await page('/admin/agents', admin)).text()).toContain('失効');
  });

  it('a new token replaces a lost one: the old is refused at once, the new works, a revoked agent comes back', async () => {
    const res = await form('/admin/agents', admin, [['action', 'add'], ['name', 'sendai'], ['labelJa', '仙台']]);
    const first = /<code data-testid="token">(pa_\d+_[A-Za-z0-9_-]{43})<\/code>/.exec(await res.text())![1]!;
    const id = /^pa_(\d+)_/.exec(first)![1]!;
    const assignment = (token: string) => fetch(`${site.url}/api/agent/v1/assignment`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await assignment(first)).status).toBe(200);
    const reissued = await form('/admin/agents', admin, [['action', 'reissue'], ['id', id]]);
    expect(reissued.status).toBe(200);
    const second = /<code data-testid="token">(pa_\d+_[A-Za-z0-9_-]{43})<\/code>/.exec(await reissued.text())?.[1];
    expect(second).toMatch(new RegExp(`^pa_${id}_`));
    expect(second).not.toBe(first);
    expect((await assignment(first)).status).toBe(401);
    expect((await assignment(second!)).status).toBe(200);
    expect(await (await page('/admin/agents', admin)).text()).not.toContain(second!);
    // Revoked, then given a new token: the same location (name, id) works again.
    expect((await form('/admin/agents', admin, [['action', 'revoke'], ['id', id]])).status).toBe(303);
    expect((await assignment(second!)).status).toBe(401);
    const back = await form('/admin/agents', admin, [['action', 'reissue'], ['id', id]]);
    const third = /<code data-testid="token">(pa_\d+_[A-Za-z0-9_-]{43})<\/code>/.exec(await back.text())![1]!;
    expect((await assignment(third)).status).toBe(200);
    expect(db.$client.prepare("SELECT count(*) FROM probe_locations WHERE slug = 'sendai'").pluck().get()).toBe(1);
    expect(db.$client.prepare("SELECT action FROM audit_log WHERE entity = 'probe_location' AND entity_id = ? ORDER BY id").pluck().all(id))
      .toEqual(['agent.add', 'agent.reissue', 'agent.revoke', 'agent.reissue']);
    // A client may not; the built-in probe has no token to reissue.
    const client = await signInCookie(site.url, CLIENT);
    expect((await form('/admin/agents', client, [['action', 'reissue'], ['id', id]])).status).toBe(403);
    const local = db.$client.prepare("SELECT id FROM probe_locations WHERE slug = 'local'").pluck().get() as number | undefined;
    if (local !== undefined) expect((await form('/admin/agents', admin, [['action', 'reissue'], ['id', String(local)]])).status).toBe(400);
    expect((await assignment(third)).status).toBe(200);
  });

  it('/healthz warns of an agent that watches monitors and has not been heard from, and stays 200', async () => {
    const res = await form('/admin/agents', admin, [['action', 'add'], ['name', 'kochi'], ['labelJa', '高知']]);
    expect(res.status).toBe(200);
    const kochi = db.$client.prepare("SELECT id FROM probe_locations WHERE slug = 'kochi'").pluck().get() as number;
    // The details are for a signed-in admin; anyone else reads codes only (below).
    const health = async () => (await (await fetch(`${site.url}/healthz`, { headers: { cookie: admin } })).json()) as { status: string; warnings: string[] };
    // Watching nothing: no warning, however long it has been silent.
    db.$client.prepare('UPDATE probe_locations SET created_at = ? WHERE id = ?').run(Date.now() - 3_600_000, kochi);
    expect((await health()).warnings.join('\n')).not.toContain('kochi');
    const service = db.$client.prepare("SELECT id FROM services WHERE slug = 'website'").pluck().get() as number;
    const watched = Number(db.$client.prepare("INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options, paused) VALUES ('kochi-watched', ?, 'http', 'http://127.0.0.1:9/', 60, 10, 2, 1, '{}', 0)").run(service).lastInsertRowid);
    db.$client.prepare('INSERT INTO monitor_locations (monitor_id, location_id) VALUES (?, ?)').run(watched, kochi);
    expect((await health()).warnings.join('\n')).toMatch(/agent kochi: never heard from/);
    // Anonymous: the warning's code, no agent's name, no timing.
    const anonymous = await (await fetch(`${site.url}/healthz`)).text();
    expect(JSON.parse(anonymous).warnings).toEqual(['agent_silent']);
    expect(anonymous).not.toContain('kochi');
    expect(anonymous).not.toMatch(/ s ago|pid|host/);
    db.$client.prepare('UPDATE probe_locations SET last_contact_at = ? WHERE id = ?').run(Date.now() - 600_000, kochi);
    expect((await health()).warnings.join('\n')).toMatch(/agent kochi: last heard from 6\d\d s ago/);
    db.$client.prepare('UPDATE probe_locations SET last_contact_at = ? WHERE id = ?').run(Date.now() - 5_000, kochi);
    expect((await health()).warnings.join('\n')).not.toContain('kochi');
    db.$client.prepare('DELETE FROM monitor_locations WHERE monitor_id = ?').run(watched);
    db.$client.prepare('DELETE FROM monitors WHERE id = ?').run(watched);
  });

  it('a bad name is refused with its reason and nothing is added', async () => {
    const res = await form('/admin/agents', admin, [['action', 'add'], ['name', 'Local Osaka!']]);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/<p class="error" id="f-name-err" data-error-for="name">半角英小文字/);
    expect(db.$client.prepare("SELECT count(*) FROM probe_locations WHERE slug LIKE '%osaka!%'").pluck().get()).toBe(0);
  });

  it('the page is for admins: a client is refused, a visitor is sent to sign in', async () => {
    const client = await signInCookie(site.url, CLIENT);
    expect((await page('/admin/agents', client)).status).toBe(403);
    expect((await form('/admin/agents', client, [['action', 'add'], ['name', 'kobe']])).status).toBe(403);
    const anonymous = await page('/admin/agents', '');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toContain('/login');
  });

  it('a monitor\'s locations and quorum are chosen on its page; one location\'s failure is shown to admins only', async () => {
    await form('/admin/agents', admin, [['action', 'add'], ['name', 'nagoya'], ['labelJa', '名古屋']]);
    const service = db.$client.prepare("SELECT id FROM services WHERE slug = 'website'").pluck().get() as number;
    monitorId = Number(db.$client.prepare("INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options, paused) VALUES ('website-http', ?, 'http', 'http://127.0.0.1:9/', 60, 10, 2, 1, '{}', 0)").run(service).lastInsertRowid);
    const refused = await form(`/admin/monitors/${monitorId}`, admin, [['action', 'locations'], ['location', 'local'], ['location', 'nagoya'], ['quorum', '5']]);
    expect(refused.status).toBe(400);
    expect(db.$client.prepare('SELECT count(*) FROM monitor_locations WHERE monitor_id = ?').pluck().get(monitorId)).toBe(0);
    const saved = await form(`/admin/monitors/${monitorId}`, admin, [['action', 'locations'], ['location', 'local'], ['location', 'nagoya'], ['quorum', '2']]);
    expect(saved.status).toBe(303);
    expect(db.$client.prepare('SELECT l.slug FROM monitor_locations x JOIN probe_locations l ON l.id = x.location_id WHERE monitor_id = ? ORDER BY l.id').pluck().all(monitorId)).toEqual(['local', 'nagoya']);
    expect(db.$client.prepare('SELECT quorum FROM monitors WHERE id = ?').pluck().get(monitorId)).toBe(2);

    const nagoya = db.$client.prepare("SELECT id FROM probe_locations WHERE slug = 'nagoya'").pluck().get() as number;
    const now = Date.now();
    db.$client.transaction(() => new LocationCheckStore(db).record(nagoya, [
      { monitorId, at: now - 120_000, status: 'down', latencyMs: null, error: 'connect ECONNREFUSED 127.0.0.1:9' },
      { monitorId, at: now - 60_000, status: 'down', latencyMs: null, error: 'connect ECONNREFUSED 127.0.0.1:9' },
    ]))();
    const adminView = await (await page(`/admin/monitors/${monitorId}`, admin)).text();
    expect(adminView).toMatch(/data-location="nagoya"[^]*?停止[^]*?connect ECONNREFUSED 127\.0\.0\.1:9/);
    // The public answers are rendered off the serving thread, a couple of seconds behind the data at most.
    // Every service says how many places watch it ("1 か所から監視" before the change), so wait for the website's own line.
    const websiteRow = (html: string) => /<li class="service" data-service="website"[^]*?<\/li>\s*<\/ul>|<li class="service" data-service="website"[^]*?(?=<li class="service")/.exec(html)?.[0] ?? '';
    const publicView = await waitFor(async () => {
      const html = await (await fetch(`${site.url}/`)).text();
      return websiteRow(html).includes('2 か所から監視') ? html : null;
    }, 15_000);
    expect(publicView).not.toContain('ECONNREFUSED');
    expect(websiteRow(publicView)).toContain('2 か所から監視');
  });
});

