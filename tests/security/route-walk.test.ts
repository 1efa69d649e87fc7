import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { startHostileSite, snapshot, signInCookie, ADMIN, CLIENT, HIDDEN_USER, INTERNAL, SECRETS, type HostileSite } from './fixture';
import { rawRequest, type RawResponse } from './raw-http';

/**
 * Point 1 of the security review: access never depends on how a path is spelled. Every
 * page and endpoint under /admin and /reports is found from the file tree (a new page is
 * walked without touching this file), its parameters filled from the fixture, and then
 * asked for under many spellings, anonymously and as a client, by GET and by POST.
 */
const PAGES = resolve('src/pages');

interface Route { file: string; path: string }

function discover(dir: string): Route[] {
  const routes: Route[] = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('_') || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) { routes.push(...discover(full)); continue; }
    if (!/\.(astro|ts|js|md|mdx|html)$/.test(name)) continue;
    routes.push({ file: relative(PAGES, full).split(sep).join('/'), path: '' });
  }
  return routes;
}

/** The URL of a page file, with each [param] filled from the fixture (by `folder/[param]`, else by `[param]`). */
function urlOf(file: string, params: Record<string, string>): string {
  const segments = file.replace(/\.(astro|ts|js|md|mdx|html)$/, '').split('/');
  if (segments.at(-1) === 'index') segments.pop();
  const out = segments.map((s, i) => {
    if (!s.startsWith('[')) return s;
    const value = params[`${segments[i - 1]}/${s}`] ?? params[s];
    if (value === undefined) throw new Error(`the route walk has no fixture value for ${s} in ${file}: add one to tests/security/fixture.ts`);
    return value;
  });
  return `/${out.join('/')}`;
}

const pct = (s: string) => [...s].map((ch) => (/[a-z]/i.test(ch) ? `%${ch.charCodeAt(0).toString(16)}` : ch)).join('');
const mixed = (s: string) => [...s].map((ch, i) => (i % 2 ? ch.toUpperCase() : ch)).join('');

/** The same path spelled the ways a router, a proxy or an old server might read as the same page. */
function spellings(path: string): string[] {
  const [, first, ...rest] = path.split('/');
  const tail = rest.join('/');
  const after = tail ? `/${tail}` : '';
  return [...new Set([
    path,
    `/${path}`,
    `//${path}`,
    `/\\${path.slice(1)}`,
    `\\${path.slice(1)}`,
    path.replace(/\//g, '//'),
    path.replace(/\//g, '\\'),
    `/${first}\\${tail}`,
    `//%${first!.charCodeAt(0).toString(16)}${first!.slice(1)}${after}`,
    `/%${first!.charCodeAt(0).toString(16)}${first!.slice(1)}${after}`,
    `/${pct(first!)}${after}`,
    `/${pct(first!)}/${pct(tail)}`,
    `/%25${first!.charCodeAt(0).toString(16)}${first!.slice(1)}${after}`,
    `${path}/`,
    `${path}//`,
    `${path}.`,
    `${path}/.`,
    `/${first}.${after}`,
    `/${first}./${after.slice(1)}`,
    `/${first}/.${after}`,
    `/x/..${path}`,
    `/x/%2e%2e${path}`,
    `/%2e${path}`,
    `/${first}%2f${tail}`,
    `/${first}%5c${tail}`,
    `/${first}%2F${tail}`,
    path.toUpperCase(),
    mixed(path),
    `/${first![0]!.toUpperCase()}${first!.slice(1)}${after}`,
    `${path}%00`,
    `${path}%09`,
    `/${first}%0a${after}`,
    `${path};x=1`,
    `${path}?next=//evil.example`,
    `http://evil.example${path}`,
  ])];
}

/** Text only admins may read; client pages (those a client may read) must still not name the hidden user. */
const ADMIN_MARKERS = [HIDDEN_USER.email, ADMIN.email, INTERNAL.update, INTERNAL.draftTitle, ...Object.values(SECRETS)];
const ADMIN_ONLY_READ = /^\/admin\/(users|audit)(\/|$)/;

/** A form that would change something on most admin pages, if it were accepted. */
const attackForm = new URLSearchParams({
  action: 'create', email: 'attacker@evil.example', role: 'admin', password: 'attacker password 12345',
  startedAt: '2026-01-05T09:00', kind: 'failure', severity: 'minor', titleJa: '攻撃者', 'impact.1': 'major_outage', causeKnown: '',
  slug: 'attacker', serviceId: '1', type: 'http', target: 'http://evil.example/', intervalS: '60', timeoutS: '10', confirm: '1',
}).toString();

let ctx: HostileSite;
let routes: Route[];
let clientCookie: string;
let adminCookie: string;

beforeAll(async () => {
  ctx = await startHostileSite();
  routes = [...discover(join(PAGES, 'admin')), ...discover(join(PAGES, 'reports'))].map((r) => ({ ...r, path: urlOf(r.file, ctx.params) }));
  clientCookie = await signInCookie(ctx.url, CLIENT);
  adminCookie = await signInCookie(ctx.url, ADMIN);
});
afterAll(async () => { await ctx?.stop(); });

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

function describeAnswer(how: string, res: RawResponse): string {
  return `${how} → ${res.status} ${res.headers.location ?? ''} ${res.body.slice(0, 160).replace(/\s+/g, ' ')}`;
}

describe('every admin and report route, under every spelling', () => {
  it('finds the routes from the file tree, and an admin reads them at their plain address', async () => {
    expect(routes.map((r) => r.path)).toEqual(expect.arrayContaining(['/admin/users', '/admin/audit', '/admin/dashboard.json', '/reports']));
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const r of routes) {
      const res = await rawRequest(ctx.url, 'GET', r.path, { cookie: adminCookie });
      // An endpoint that only takes POST, or a report file not issued yet, is not a page to read.
      if (/\/(ack|review)$|\.pdf$/.test(r.path)) expect(res.status, describeAnswer(r.path, res)).toBeLessThan(500);
      else expect(res.status, describeAnswer(r.path, res)).toBe(200);
    }
    // The markers are real: the users page names the hidden user to an admin.
    expect((await rawRequest(ctx.url, 'GET', '/admin/users', { cookie: adminCookie })).body).toContain(HIDDEN_USER.email);
  });

  it('shows nothing and changes nothing for an anonymous visitor', async () => {
    const before = snapshot(ctx.db);
    const failures: string[] = [];
    const tries = routes.flatMap((r) => spellings(r.path).flatMap((p) => [['GET', p], ['POST', p]] as const));
    await inBatches(tries, 4, async ([method, p]) => {
      const res = await rawRequest(ctx.url, method, p, method === 'POST' ? { origin: ctx.url, 'content-type': 'application/x-www-form-urlencoded' } : {}, method === 'POST' ? attackForm : undefined);
      const how = `anonymous ${method} ${JSON.stringify(p)}`;
      if (res.status < 300 || res.status >= 500) failures.push(describeAnswer(how, res));
      else if (res.status < 400 && !(res.headers.location ?? '').startsWith('/login')) failures.push(describeAnswer(how, res));
      else if (ADMIN_MARKERS.some((m) => res.body.includes(m))) failures.push(`${how} shows admin text`);
    });
    expect(failures).toEqual([]);
    expect(snapshot(ctx.db)).toBe(before);
  }, 240_000);

  it('shows a client only what a client may read, and changes nothing for one', async () => {
    const before = snapshot(ctx.db);
    const failures: string[] = [];
    const tries = routes.flatMap((r) => spellings(r.path).flatMap((p) => [['GET', p, r.path], ['POST', p, r.path]] as const));
    await inBatches(tries, 4, async ([method, p, plain]) => {
      const res = await rawRequest(ctx.url, method, p, { cookie: clientCookie, origin: ctx.url, 'content-type': 'application/x-www-form-urlencoded' }, method === 'POST' ? attackForm : undefined);
      const how = `client ${method} ${JSON.stringify(p)}`;
      if (res.status >= 500) failures.push(describeAnswer(how, res));
      else if (method === 'POST' && res.status < 400) failures.push(describeAnswer(how, res));
      else if (ADMIN_ONLY_READ.test(plain) && res.status < 300) failures.push(describeAnswer(how, res));
      else if (res.body.includes(HIDDEN_USER.email)) failures.push(`${how} names the hidden user`);
      else if (Object.values(SECRETS).some((secret) => res.body.includes(secret))) failures.push(`${how} shows a monitor's secret`);
    });
    expect(failures).toEqual([]);
    expect(snapshot(ctx.db)).toBe(before);
  }, 240_000);

  it('takes the same form from an admin (so the refusals above refused a real change)', async () => {
    const before = snapshot(ctx.db);
    const res = await rawRequest(ctx.url, 'POST', '/admin/users', { cookie: adminCookie, origin: ctx.url, 'content-type': 'application/x-www-form-urlencoded' }, attackForm);
    expect(res.status).toBeLessThan(400);
    expect(snapshot(ctx.db)).not.toBe(before);
  });
});
