import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ical from 'node-ical';
import { DateTime } from 'luxon';
import { openDatabase } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import { monthOf, previousMonth } from '../../src/lib/time';
import { tempDir } from '../helpers/temp';
import { runScript, startSite, type RunningSite } from '../helpers/site';
import { signInCookie, ADMIN } from './admin-fixture';
import { pageFixture } from './page-fixture';

/**
 * The machine's time zone never leaks: the same data served and printed under TZ=UTC and
 * TZ=America/Los_Angeles (a date behind Tokyo, with daylight saving) gives the same pages,
 * API, feeds, calendar, CSV, PDF text and command output. Only "now" stamps differ between
 * two runs a few seconds apart; they are masked before comparing.
 */
const ZONES = ['UTC', 'America/Los_Angeles'] as const;
type Zone = (typeof ZONES)[number];
const JST = 'Asia/Tokyo';

const now = Date.now();
const month = previousMonth(monthOf(now, JST));
// A stop at 18:30 JST three weeks ahead: 09:30 UTC, and the day before in Los Angeles at 02:30 or 01:30.
const stopStart = DateTime.fromMillis(now, { zone: JST }).plus({ days: 21 }).set({ hour: 18, minute: 30, second: 0, millisecond: 0 });
const stopEnd = stopStart.plus({ hours: 6 });

/** Where two texts first differ, with some context, for a readable failure. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i >= a.length && i >= b.length ? '' : `at ${i}:\n  ${a.slice(Math.max(0, i - 160), i + 160)}\n  ${b.slice(Math.max(0, i - 160), i + 160)}`;
}

/** Masks the instants that are "now" of one run (issue and generation times), nothing else. */
const stamp = (s: string) => s
  .replace(/算定時刻[: ]\s*\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?/g, '算定時刻 <now>')
  .replace(/発行日時\s+\d{4}-\d\d-\d\d \d\d:\d\d/g, '発行日時 <now>')
  .replace(/"generated_at": "[^"]+"/g, '"generated_at": "<now>"')
  .replace(/("page":\{[^}]*"updated_at":\s*)"[^"]+"/g, '$1"<now>"')
  .replace(/\d{4}-\d\d-\d\d \d\d:\d\d(\s*)発行/g, '<now>$1発行')
  .replace(/issued \d{4}-\d\d-\d\d \d\d:\d\d/g, 'issued <now>')
  .replace(/<p class="updated">[\s\S]*?<\/p>/g, '<p class="updated"><now></p>')
  .replace(/data-server-now="\d+"/g, 'data-server-now="<now>"')
  .replace(/sha256 [0-9a-f]{64}/g, 'sha256 <hash>')
  .replace(/\/_astro\/[^"']+/g, '/_astro/<asset>')
  .replace(/name="csrf[^"]*" value="[^"]*"/g, 'name="csrf" value="<token>"');

interface Outputs {
  http: Record<string, string>;
  ics: string;
  cli: Record<string, string>;
  pdfText: string;
  csv: string;
  recordedPage: string;
  formStartedAt: number;
  formAwareAt: number;
  formPostedAt: number;
}

const outputs: Partial<Record<Zone, Outputs>> = {};
const dir = tempDir('tz-');
const sites: RunningSite[] = [];

async function collect(zone: Zone): Promise<Outputs> {
  const dbPath = join(dir.dir, `${zone.replace('/', '-')}.db`);
  copyFileSync(join(dir.dir, 'base.db'), dbPath);
  const env = { DATABASE_PATH: dbPath, TZ: zone, LOG_LEVEL: 'warn' };
  const site = await startSite({ ...env, PROBE: 'off' });
  sites.push(site);
  const cookie = await signInCookie(site.url, ADMIN);
  const get = async (path: string, signedIn = false) => {
    const res = await fetch(`${site.url}${path}`, { headers: signedIn ? { cookie } : {} });
    expect(res.status, path).toBe(200);
    return res.text();
  };
  const http: Record<string, string> = {};
  for (const path of ['/', '/en/', '/incidents/', '/incidents/login-failure', '/incidents/maintenance/evening-stop', '/api/v2/summary.json', '/api/v2/incidents.json',
    '/api/v2/scheduled-maintenances.json', '/history.atom', '/history.rss', '/history.atom?lang=en']) {
    http[path] = await get(path);
  }
  for (const path of [`/reports/${month}`, '/admin/incidents/', '/admin/maintenance/']) http[path] = await get(path, true);
  const ics = await get('/maintenance.ics');

  const cli: Record<string, string> = {};
  const run = async (name: string, script: string, args: string[]) => {
    const r = await runScript(script, args, env);
    expect(r.status, `${name}: ${r.stderr}`).toBe(0);
    cli[name] = r.stdout;
  };
  await run('sla --json', 'scripts/sla.ts', ['--month', month, '--json']);
  await run('sla', 'scripts/sla.ts', ['--month', month]);
  await run('data:export', 'scripts/data-export.ts', []);
  const pdfPath = join(dir.dir, `${zone.replace('/', '-')}.pdf`);
  await run('report', 'scripts/report.ts', ['--month', month, '--out', pdfPath]);
  cli.report = cli.report!.replace(pdfPath, '<pdf>');
  const pdfText = spawnSync('pdftotext', ['-enc', 'UTF-8', '-layout', pdfPath, '-'], { encoding: 'utf8' }).stdout;
  const csv = readFileSync(pdfPath.replace(/\.pdf$/, '.csv'), 'utf8');
  // The admin records an incident by hand: 発生 typed as Tokyo wall time, 認知 left to the moment of recording.
  const formPostedAt = Date.now();
  const res = await fetch(`${site.url}/admin/incidents/new`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie, origin: site.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ startedAt: stopStart.minus({ days: 30 }).set({ hour: 8, minute: 15 }).toFormat("yyyy-LL-dd'T'HH:mm"), kind: 'failure', severity: 'minor', titleJa: '手入力の障害', titleEn: '', causeKnown: '' }),
  });
  expect(res.status).toBe(303);
  const location = res.headers.get('location')!;
  const page = await get(location, true);
  const recordedPage = page;
  const db = openDatabase(dbPath, { migrate: false });
  const row = db.$client.prepare("SELECT started_at AS startedAt, aware_at AS awareAt FROM incidents WHERE title_ja = '手入力の障害'").get() as { startedAt: number; awareAt: number };
  db.$client.close();

  // The admin issues a report of the month still running from its page: refused as final, issued as 速報.
  const running = monthOf(Date.now(), JST);
  const issue = (kind: string) => fetch(`${site.url}/reports/${running}`, {
    method: 'POST', redirect: 'manual', headers: { cookie, origin: site.url, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ kind }),
  });
  const refused = await issue('final');
  expect(refused.status).toBe(400);
  // Said in the admin's language, never the command line's English.
  expect(await refused.text()).toContain('この月はまだ終わっていません');
  expect((await issue('provisional')).status).toBe(303);
  expect(await get(`/reports/${running}`, true)).toMatch(/第1版（[^）]+）【速報・\d{4}-\d\d-\d\d \d\d:\d\d 時点】/);

  await site.stop();
  return { http, ics, cli, pdfText, csv, recordedPage, formStartedAt: row.startedAt, formAwareAt: row.awareAt, formPostedAt };
}

beforeAll(async () => {
  const db = openDatabase(join(dir.dir, 'base.db'));
  const file = pageFixture(now, 40);
  // Nothing still running, and nothing today: the outage and its incident are moved two days
  // back, so no figure moves between the two runs a few seconds apart.
  const TWO_DAYS = 2 * 86_400_000;
  const last = Math.max(...file.checks!.map((c) => Date.parse(c.at)));
  for (const c of file.checks!) {
    if (c.monitor !== 'learn-check') continue;
    const at = Date.parse(c.at);
    const down = at >= last - TWO_DAYS - 40 * 60_000 && at < last - TWO_DAYS - 20 * 60_000;
    Object.assign(c, down ? { status: 'down', error: 'HTTP 502, expected 200-399', latency_ms: undefined } : { status: 'up', latency_ms: 240, error: undefined });
    for (const k of ['latency_ms', 'error'] as const) if (c[k] === undefined) delete c[k];
  }
  const incident = file.incidents!.find((i) => i.key === 'login-failure')!;
  const back = (iso: string) => new Date(Date.parse(iso) - TWO_DAYS).toISOString();
  incident.started_at = back(incident.started_at);
  incident.aware_at = back(incident.aware_at!);
  incident.recovered_at = new Date(last - TWO_DAYS - 20 * 60_000).toISOString();
  for (const u of incident.updates ?? []) u.at = back(u.at);
  file.maintenances!.push({
    key: 'evening-stop', category: 'inspection', title: { ja: '夕方の定期点検', en: 'Evening inspection' }, services: ['web'],
    announced_at: new Date(now - 86_400_000).toISOString(), scheduled_start: stopStart.toISO()!, scheduled_end: stopEnd.toISO()!, status: 'scheduled',
  });
  importInterchange(db, validateInterchange(file));
  await createUser(db, systemActor('test'), { email: ADMIN.email, role: 'admin', password: ADMIN.password });
  db.$client.close();
  for (const zone of ZONES) outputs[zone] = await collect(zone);
}, 600_000);

afterAll(async () => {
  for (const s of sites) await s.stop();
  dir.remove();
});

describe('the same data under TZ=UTC and TZ=America/Los_Angeles', () => {
  const both = () => [outputs.UTC!, outputs['America/Los_Angeles']!] as const;

  it('the calendar feed puts the 18:30 JST stop at 18:30 JST for a calendar app (node-ical), under both', () => {
    for (const o of both()) {
      const events = Object.values(ical.sync.parseICS(o.ics)).filter((e) => e.type === 'VEVENT') as ical.VEvent[];
      const e = events.find((x) => String(x.summary) === '夕方の定期点検')!;
      expect(DateTime.fromJSDate(e.start, { zone: JST }).toFormat('yyyy-LL-dd HH:mm')).toBe(stopStart.toFormat('yyyy-LL-dd HH:mm'));
      expect(DateTime.fromJSDate(e.start, { zone: JST }).toFormat('HH:mm')).toBe('18:30');
      expect(e.end.getTime() - e.start.getTime()).toBe(6 * 3_600_000);
      // RFC 5545: DTSTAMP in UTC; instants in UTC with Z, no TZID without a VTIMEZONE.
      expect(o.ics).toContain(`DTSTART:${stopStart.toUTC().toFormat("yyyyLLdd'T'HHmmss'Z'")}`);
      expect(o.ics).toMatch(/^DTSTAMP:\d{8}T\d{6}Z\r?$/m);
      expect(o.ics).not.toContain('TZID=');
    }
    expect(both()[0].ics).toBe(both()[1].ics);
  });

  it('pages, API and feeds are the same', () => {
    const [utc, la] = both();
    for (const path of Object.keys(utc.http)) expect(firstDifference(stamp(utc.http[path]!), stamp(la.http[path]!)), path).toBe('');
    // And they speak Tokyo time: the stop is shown at 18:30.
    expect(utc.http['/incidents/maintenance/evening-stop']).toContain('18:30');
  });

  it('the CLI output, the export, the PDF text and the CSV are the same', () => {
    const [utc, la] = both();
    for (const name of Object.keys(utc.cli)) expect(firstDifference(stamp(utc.cli[name]!), stamp(la.cli[name]!)), name).toBe('');
    expect(firstDifference(stamp(utc.pdfText), stamp(la.pdfText)), 'PDF text').toBe('');
    expect(firstDifference(utc.csv, la.csv), 'CSV').toBe('');
  });

  it('a datetime-local field is read as Tokyo time, and a hand-recorded incident is aware from its recording', () => {
    for (const o of both()) {
      expect(o.formStartedAt).toBe(stopStart.minus({ days: 30 }).set({ hour: 8, minute: 15 }).toMillis());
      expect(o.formAwareAt).toBeGreaterThanOrEqual(o.formPostedAt - 1000);
      expect(o.formAwareAt).toBeLessThan(o.formPostedAt + 60_000);
      // The form shows the time as typed, in Tokyo time, whatever the server's zone.
      expect(o.recordedPage).toContain(`name="value" value="${stopStart.minus({ days: 30 }).toFormat('yyyy-LL-dd')}T08:15"`);
      // Its timers run from the recording: the notification timer is under way, not 開始前.
      const row = /data-timer="client_notified">([\s\S]*?)<\/tr>/.exec(o.recordedPage)![1]!;
      expect(row).toContain('state-pending');
      expect(row).not.toContain('開始前');
    }
  });
});
