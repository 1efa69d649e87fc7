import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startAdminSite, signInCookie, ADMIN } from './admin-fixture';
import { waitFor } from '../helpers/site';

/** Tokyo wall-clock time `ms` ago as the admin form's datetime-local value. */
function tokyoLocal(at: number): string {
  return new Date(at + 9 * 3_600_000).toISOString().slice(0, 16);
}

describe('public answers rendered off the serving thread, one way, for visitors and the snapshot', () => {
  let ctx: Awaited<ReturnType<typeof startAdminSite>>;
  let url: string;

  beforeAll(async () => {
    ctx = await startAdminSite();
    url = ctx.site.url;
  });
  afterAll(async () => {
    await ctx?.stop();
  });

  it('shows an admin the change they just made on the public page at once', async () => {
    const cookie = await signInCookie(url, ADMIN);
    const before = await (await fetch(`${url}/`, { headers: { cookie } })).text();
    expect(before).not.toContain('管理者が記録した障害');
    const res = await fetch(`${url}/admin/incidents/new`, {
      method: 'POST', redirect: 'manual', headers: { cookie, origin: url },
      body: new URLSearchParams({ startedAt: tokyoLocal(Date.now() - 10 * 60_000), kind: 'failure', severity: 'major', titleJa: '管理者が記録した障害', 'impact.1': 'major_outage', causeKnown: '' }),
    });
    expect(res.status).toBe(303);
    // The very next request of that admin, without waiting for the render thread's round.
    const after = await (await fetch(`${url}/`, { headers: { cookie } })).text();
    expect(after).toContain('管理者が記録した障害');
    const api = (await (await fetch(`${url}/api/v2/incidents/unresolved.json`, { headers: { cookie } })).json()) as { incidents: Array<{ name: string }> };
    expect(api.incidents.map((i) => i.name)).toContain('管理者が記録した障害');
  });

  it('serves an unknown incident as a 404 page and a bad language as a 400 naming it', async () => {
    const missing = await fetch(`${url}/incidents/no-such-incident`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('text/html');
    const bad = await fetch(`${url}/api/v2/status.json?lang=xx`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('lang');
  });

  it('writes the page, the API, the feeds, the calendar and the badges to snapshot/ next to the database, the very bytes visitors get', async () => {
    const dir = join(dirname(ctx.dbPath), 'snapshot');
    const file = (p: string) => join(dir, p);
    await waitFor(() => existsSync(file('lang-en/badge/website.svg')) && existsSync(file('updated-at.txt')), 20_000);
    for (const p of ['index.html', 'en/index.html', 'api/v2/summary.json', 'lang-en/api/v2/summary.json', 'history.atom', 'history.rss', 'maintenance.ics', 'badge/elearning.svg']) {
      expect(existsSync(file(p)), p).toBe(true);
    }
    const page = readFileSync(file('index.html'), 'utf8');
    expect(page).toContain('最終更新');
    expect(page).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">/);
    const summary = JSON.parse(readFileSync(file('lang-en/api/v2/summary.json'), 'utf8')) as { components: Array<{ name: string }> };
    expect(summary.components.map((c) => c.name)).toContain('E-learning system');
    // No half-written file is ever left where a web server would read it.
    const all = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(join(d, e.name)) : [e.name]));
    expect(all(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // The same rendering as the live answer (while the data stays as it is).
    const live = await fetch(`${url}/api/v2/components.json`);
    const snap = readFileSync(file('api/v2/components.json'));
    expect(Buffer.from(await live.arrayBuffer()).equals(snap)).toBe(true);
  });
});
