import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import ical from 'node-ical';
import { launchBrowser } from '../helpers/browser';
import { startHostileSite, signInCookie, snapshot, hostile, ADMIN, CLIENT, SECRETS, type HostileSite } from './fixture';
import { rawRequest, type RawResponse } from './raw-http';
import { tempDir } from '../helpers/temp';
import { monthOf } from '../../src/lib/time';

/**
 * Text typed with markup in every field a person fills in (titles, updates, names, causes,
 * maintenance notes, alarm and push messages) is shown as text everywhere it goes: public
 * pages, feeds, the calendar, badges, the API, admin pages and the PDF. Also: requests from
 * other sites change nothing, and no answer anywhere carries a stack trace.
 */
let ctx: HostileSite;
let admin: string;
const answers: Array<{ what: string; res: RawResponse }> = [];
const RAW_MARKUP = [/<script>alert\(/i, /<b>[a-zA-Z]+-bold<\/b>/];
const STACK = /\bat [\w$.<>]+ \((?:file:|node:|\/)[^)]*:\d+:\d+\)|\/node_modules\/|\n\s+at [^\n]+:\d+:\d+/;

async function get(what: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const res = await rawRequest(ctx.url, 'GET', path, { 'accept-encoding': 'identity', ...headers });
  answers.push({ what, res });
  return res;
}

beforeAll(async () => {
  ctx = await startHostileSite();
  admin = await signInCookie(ctx.url, ADMIN);
  // A job reports its own failure through the push URL, with markup in its message.
  const push = await rawRequest(ctx.url, 'GET', `/api/push/${SECRETS.pushToken}?status=down&msg=${encodeURIComponent(hostile('pushMessage'))}`);
  expect(push.status).toBe(200);
});
afterAll(async () => { await ctx?.stop(); });

describe('hostile text stays text', () => {
  it('in the public and admin HTML pages', async () => {
    const pages = ['/', '/en/', '/incidents/', '/en/incidents/', '/incidents/hostile-open', '/en/incidents/hostile-open', '/incidents/maintenance/hostile-stop', '/en/incidents/maintenance/hostile-stop', `/incidents/month/${ctx.params['[month]']}`, '/subscribe/', '/en/subscribe/', '/login'];
    const adminPages = ['/admin/', '/admin/incidents/', `/admin/incidents/${ctx.params['incidents/[id]']}`, '/admin/maintenance/', `/admin/maintenance/${ctx.params['maintenance/[id]']}`, '/admin/monitors/', `/admin/monitors/${ctx.params['monitors/[id]']}`, `/admin/services/${ctx.params['services/[id]']}`, '/admin/audit', '/admin/support/', `/admin/support/${ctx.params['support/[id]']}`, '/reports/', `/reports/${ctx.params['[month]']}`];
    let escapedSeen = 0;
    for (const [path, cookie] of [...pages.map((p) => [p, ''] as const), ...adminPages.map((p) => [p, admin] as const)]) {
      const res = await get(`page ${path}`, path, cookie ? { cookie } : {});
      expect(res.status, path).toBe(200);
      // Inside a quoted attribute value `<` is harmless (only `"` and `&` end or change it): look outside them.
      const outsideAttributes = res.body.replace(/="[^"]*"/g, '=""');
      for (const re of RAW_MARKUP) expect(outsideAttributes, `${path} has raw markup`).not.toMatch(re);
      expect(res.body, `${path} lets a value out of its attribute`).not.toMatch(/="[^"]*"[^\s>\/]*alert/);
      if (res.body.includes('&lt;script&gt;alert(')) escapedSeen++;
    }
    // Probe errors and push messages are for admins: no public page carries them.
    for (const a of answers.filter((x) => pages.some((p) => x.what === `page ${p}`))) expect(a.res.body, a.what).not.toMatch(/probeError|pushMessage|alarmMessage/);
    // The fields are on the pages, escaped (the test is not vacuous).
    expect(escapedSeen).toBeGreaterThan(10);
    const incident = answers.find((a) => a.what === 'page /incidents/hostile-open')!.res.body;
    for (const field of ['incidentTitleJa', 'updateJa', 'serviceNameJa']) expect(incident, field).toContain(`${field}&lt;script&gt;alert(`);
  });

  it('in a browser: nothing runs, the text reads as typed', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      let dialogs = 0;
      page.on('dialog', (d) => { dialogs++; void d.dismiss(); });
      for (const path of ['/', '/incidents/hostile-open', '/en/incidents/maintenance/hostile-stop']) {
        await page.goto(`${ctx.url}${path}`);
        const text = await page.evaluate(() => document.body.innerText);
        expect(text).toMatch(/(incidentTitle|maintenanceTitle)(Ja|En)<script>alert\("/);
        expect(await page.evaluate(() => document.querySelectorAll('b').length === 0 || [...document.querySelectorAll('b')].every((b) => !/-bold$/.test(b.textContent ?? '')))).toBe(true);
      }
      expect(dialogs).toBe(0);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('in the Atom and RSS feeds: titles and summaries are text', async () => {
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', cdataPropName: '#cdata', parseTagValue: false, processEntities: true, htmlEntities: false });
    for (const q of ['', '?lang=en']) {
      const atom = await get(`atom${q}`, `/history.atom${q}`);
      expect(atom.status).toBe(200);
      expect(atom.body).not.toMatch(/<(title|summary) type="html"/);
      for (const re of RAW_MARKUP) expect(atom.body).not.toMatch(re);
      const entries = [parser.parse(atom.body).feed.entry].flat();
      const incident = entries.find((e: { id: string }) => e.id.endsWith('/incidents/hostile-open'));
      expect(incident.title['@type']).toBe('text');
      expect(incident.title['#text']).toContain(q ? hostile('incidentTitleEn') : hostile('incidentTitleJa'));
      expect(incident.summary['@type']).toBe('text');
      expect(incident.summary['#text']).toContain(q ? hostile('updateEn') : hostile('updateJa'));

      const rss = await get(`rss${q}`, `/history.rss${q}`);
      for (const re of RAW_MARKUP) expect(rss.body).not.toMatch(re);
      const items = [parser.parse(rss.body).rss.channel.item].flat();
      const item = items.find((i: { link: string }) => i.link.includes('/incidents/hostile-open'));
      expect(typeof item.title).toBe('string');
      expect(item.title).toContain(q ? hostile('incidentTitleEn') : hostile('incidentTitleJa'));
      // RSS descriptions are HTML: the text is in it escaped, so a reader shows it as typed.
      const description = item.description['#cdata'] ?? item.description;
      expect(description).toContain(`${q ? 'updateEn' : 'updateJa'}&lt;script&gt;alert(`);
      expect(description).not.toMatch(/<script/i);
    }
  });

  it('in the calendar, the badges and the API', async () => {
    const ics = await get('ics', '/maintenance.ics');
    expect(ics.status).toBe(200);
    const events = Object.values(ical.sync.parseICS(ics.body)).filter((e) => e.type === 'VEVENT') as Array<{ summary: string; description: string }>;
    const stop = events.find((e) => String(e.summary).startsWith('maintenanceTitleJa'))!;
    expect(String(stop.summary)).toBe(hostile('maintenanceTitleJa'));
    expect(String(stop.description)).toContain(hostile('maintenanceBodyJa'));

    for (const path of ['/badge/web.svg', '/badge/learn.svg']) {
      const badge = await get(`badge ${path}`, path);
      expect(badge.status, path).toBe(200);
      expect(badge.headers['content-type']).toMatch(/image\/svg\+xml/);
      expect(badge.body).not.toMatch(/<script|<b>|on\w+=/i);
    }

    for (const path of ['/api/v2/summary.json', '/api/v2/status.json', '/api/v2/components.json', '/api/v2/incidents.json', '/api/v2/incidents/unresolved.json', '/api/v2/scheduled-maintenances.json', '/api/v2/scheduled-maintenances/upcoming.json', '/api/v2/scheduled-maintenances/active.json']) {
      for (const q of ['', '?lang=en']) {
        const res = await get(`api ${path}${q}`, `${path}${q}`);
        expect(res.status, path).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        JSON.parse(res.body); // data, not markup: consumers get the text exactly
      }
    }
    const incidents = JSON.parse(answers.find((a) => a.what === 'api /api/v2/incidents.json')!.res.body) as { incidents: Array<{ name: string; incident_updates: Array<{ body: string }> }> };
    const open = incidents.incidents.find((i) => i.name.startsWith('incidentTitleJa'))!;
    expect(open.name).toBe(hostile('incidentTitleJa'));
    expect(open.incident_updates.map((u) => u.body)).toContain(hostile('updateJa'));
    expect(JSON.stringify(incidents)).not.toContain('internal-note-zz91');
    for (const a of answers.filter((x) => /^(api|badge|ics)/.test(x.what))) expect(a.res.body, a.what).not.toMatch(/probeError|pushMessage|alarmMessage|internal-note|draft-title/);
  });

  it('in the monthly PDF report', () => {
    const out = tempDir('hostile-pdf-');
    try {
      const pdf = join(out.dir, 'report.pdf');
      // The fixture's month may still be running (a provisional report) or have just ended.
      const month = ctx.params['[month]']!;
      const running = month === monthOf(Date.now());
      const r = spawnSync(process.execPath, ['--import', 'tsx', resolve('scripts/report.ts'), '--month', month, '--out', pdf, ...(running ? ['--provisional'] : [])], { env: { ...process.env, LOG_LEVEL: 'warn', DATABASE_PATH: ctx.dbPath }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(STACK);
      const text = spawnSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, '');
      expect(text).toContain('incidentTitleJa<script>alert("incidentTitleJa")</script>'.replace(/\s+/g, ''));
    } finally {
      out.remove();
    }
  }, 120_000);
});

describe('requests from other sites', () => {
  it('change nothing, signed in or not', async () => {
    const client = await signInCookie(ctx.url, CLIENT);
    const before = snapshot(ctx.db);
    const tries: Array<[string, Record<string, string>, string]> = [
      ['/admin/incidents/new', { cookie: admin, origin: 'https://evil.example' }, 'titleJa=x&kind=failure&severity=minor&startedAt=2026-01-05T09:00'],
      ['/admin/users', { cookie: admin, origin: 'null' }, 'action=create&email=evil%40evil.example&role=admin&password=evil+password+12345'],
      ['/admin/users', { cookie: admin, referer: 'https://evil.example/x' }, 'action=create&email=evil%40evil.example&role=admin&password=evil+password+12345'],
      ['/admin/users', { cookie: admin, 'sec-fetch-site': 'cross-site' }, 'action=create&email=evil%40evil.example&role=admin&password=evil+password+12345'],
      ['/admin/monitors/1', { cookie: admin, origin: `${ctx.url}.evil.example` }, 'action=pause'],
      ['/subscribe/', { origin: 'https://evil.example' }, 'email=victim%40example.jp&incidents=on'],
      ['/logout', { cookie: client, origin: 'https://evil.example' }, ''],
      // No origin information at all: not a browser's request, so never with the session.
      ['/admin/users', { cookie: admin }, 'action=create&email=evil%40evil.example&role=admin&password=evil+password+12345'],
    ];
    for (const [path, headers, body] of tries) {
      const res = await rawRequest(ctx.url, 'POST', path, { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body);
      answers.push({ what: `cross-site ${path}`, res });
      expect([401, 403], `${path} ${JSON.stringify(headers)}`).toContain(res.status);
      expect(res.body.trim().length).toBeGreaterThan(0);
    }
    expect(snapshot(ctx.db)).toBe(before);
    // The client's session survived the cross-site sign-out attempt.
    expect((await rawRequest(ctx.url, 'GET', '/reports/', { cookie: client })).status).toBe(200);
  });
});

describe('no stack trace anywhere', () => {
  it('in any answer of this file, nor in odd requests', async () => {
    for (const [method, path, body, headers] of [
      ['POST', '/subscribe/', '{"email":', { 'content-type': 'application/json', origin: ctx.url }],
      ['POST', '/login', '\u0000\u0001', { 'content-type': 'multipart/form-data; boundary=x', origin: ctx.url }],
      ['GET', '/api/v2/summary.json?lang=xx', undefined, {}],
      ['GET', '/badge/%E2%80%AE.svg', undefined, {}],
      ['GET', '/incidents/%F0%9F%92%A5', undefined, {}],
      ['GET', '/reports/9999-99/v1.pdf', undefined, { cookie: admin }],
      ['GET', '/admin/incidents/999999', undefined, { cookie: admin }],
      ['GET', '/admin/monitors/abc', undefined, { cookie: admin }],
      ['POST', '/admin/incidents/new', 'startedAt=not-a-date&impact.abc=zzz', { cookie: admin, origin: ctx.url, 'content-type': 'application/x-www-form-urlencoded' }],
      ['POST', `/api/push/${SECRETS.pushToken}?status=sideways`, undefined, {}],
      ['GET', '/%ff', undefined, {}],
    ] as const) {
      const res = await rawRequest(ctx.url, method, path, headers, body);
      answers.push({ what: `${method} ${path}`, res });
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
    }
    expect(answers.length).toBeGreaterThan(40);
    for (const { what, res } of answers) {
      expect(res.body, what).not.toMatch(STACK);
      expect(res.body, what).not.toMatch(/\b(TypeError|ReferenceError|SqliteError|ZodError)\b/);
    }
    expect(ctx.site.output()).not.toMatch(/\n\s+at [^\n]+:\d+:\d+/);
  });
});
