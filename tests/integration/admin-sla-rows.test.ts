import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import { defaultSlaRows } from '../../src/lib/sla/catalogue';
import { tempDir } from '../helpers/temp';
import { runScript, startSite, type RunningSite } from '../helpers/site';
import { signInCookie, ADMIN, CLIENT } from './admin-fixture';

const MONTH = '2026-10';
let site: RunningSite;
let db: Db;
let env: Record<string, string>;
let removeDir: () => void;
let adminCookie: string;
let clientCookie: string;

beforeAll(async () => {
  const { dir, remove } = tempDir('admin-sla-');
  removeDir = remove;
  const dbPath = join(dir, 'status.db');
  const configPath = join(dir, 'config.json');
  // The contract's table plus a satisfaction score the admin enters each month (at least 4 of 5).
  writeFileSync(configPath, JSON.stringify({
    sla: { rows: [...defaultSlaRows.filter((r) => r.key !== 'maintenance_support'),
      { key: 'maintenance_support', name: { ja: '保守対応時間', en: 'Maintenance support' }, measure: 'manual', unit: 'h', op: '>=', threshold: 5 },
      { key: 'satisfaction', name: { ja: '利用者満足度', en: 'User satisfaction' }, target: { ja: '4.0以上', en: '4.0 or more' }, measure: 'manual', unit: 'pt', op: '>=', threshold: 4 }] },
  }));
  const setup = openDatabase(dbPath);
  importInterchange(setup, validateInterchange({
    version: 1,
    services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 }],
  }));
  await createUser(setup, systemActor('test'), { email: ADMIN.email, role: 'admin', password: ADMIN.password });
  await createUser(setup, systemActor('test'), { email: CLIENT.email, role: 'client', password: CLIENT.password });
  setup.$client.close();
  env = { DATABASE_PATH: dbPath, CONFIG_PATH: configPath };
  site = await startSite({ ...env, PROBE: 'off' });
  db = openDatabase(dbPath, { migrate: false });
  [adminCookie, clientCookie] = await Promise.all([signInCookie(site.url, ADMIN), signInCookie(site.url, CLIENT)]);
});

afterAll(async () => {
  db?.$client.close();
  await site?.stop();
  removeDir?.();
});

const stored = () => db.$client.prepare('SELECT month, row_key AS rowKey, value, note, entered_by AS enteredBy FROM sla_manual_values ORDER BY row_key').all();
const audited = () => (db.$client.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'sla.manual_value'").get() as { n: number }).n;

function post(cookie: string, body: Record<string, string>) {
  return fetch(`${site.url}/admin/sla?month=${MONTH}`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie, origin: site.url, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
    body: new URLSearchParams(body),
  });
}

async function slaRows(): Promise<Array<{ key: string; target: string; measured: string; met: boolean | null; note: string | null }>> {
  const { status, stdout, stderr } = await runScript('scripts/sla.ts', ['--month', MONTH, '--json'], { ...env, LOG_LEVEL: 'error' });
  expect(stderr).toBe('');
  expect(status).toBe(0);
  return (JSON.parse(stdout) as { rows: Array<{ key: string; target: string; measured: string; met: boolean | null; note: string | null }> }).rows;
}

describe('admin-entered SLA rows (/admin/sla)', () => {
  it('shows the month’s manual rows as fields to an admin', async () => {
    const html = await (await fetch(`${site.url}/admin/sla?month=${MONTH}`, { headers: { cookie: adminCookie, 'accept-language': 'en' } })).text();
    expect(html).toMatch(/<label for="f-v-satisfaction">User satisfaction<\/label>/);
    expect(html).toMatch(/<input id="f-v-satisfaction" name="value\.satisfaction" type="text" value(="")?[ >]/);
    expect(html).toContain('name="value.maintenance_support"');
  });

  it('refuses bad input beside the field and writes nothing, not even the valid rows of the same form', async () => {
    const res = await post(adminCookie, { 'value.satisfaction': 'very good', 'value.maintenance_support': '6', 'note.maintenance_support': 'on-site visits' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/<p class="error" data-error-for="value\.satisfaction">[^<]+<\/p>/);
    expect(html).not.toContain('data-error-for="value.maintenance_support"');
    expect(html).toMatch(/<input id="f-v-satisfaction" name="value\.satisfaction" type="text" value="very good" aria-invalid="true"/);
    expect(stored()).toEqual([]);
    expect(audited()).toBe(0);
    const rows = await slaRows();
    expect(rows.find((r) => r.key === 'satisfaction')).toMatchObject({ met: null });
  });

  it('refuses the client with 403 and writes nothing', async () => {
    const res = await post(clientCookie, { 'value.satisfaction': '4.5' });
    expect(res.status).toBe(403);
    expect(stored()).toEqual([]);
    expect(audited()).toBe(0);
    // The client still reads the page, with the fields disabled and no save button.
    const html = await (await fetch(`${site.url}/admin/sla?month=${MONTH}`, { headers: { cookie: clientCookie, 'accept-language': 'en' } })).text();
    expect(html).toMatch(/<input id="f-v-satisfaction"[^>]*disabled/);
    expect(html).not.toContain('>Save</button>');
  });

  it('stores an admin’s value for the month, audits it, and `npm run sla -- --json` shows it judged', async () => {
    const res = await post(adminCookie, { 'value.satisfaction': '4.3', 'note.satisfaction': 'アンケート回答 128 件', 'value.maintenance_support': '', 'note.maintenance_support': '' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/sla?month=${MONTH}&saved=1`);
    expect(stored()).toEqual([{ month: MONTH, rowKey: 'satisfaction', value: '4.3', note: 'アンケート回答 128 件', enteredBy: ADMIN.email }]);
    expect(audited()).toBe(1);
    const html = await (await fetch(`${site.url}/admin/sla?month=${MONTH}`, { headers: { cookie: adminCookie, 'accept-language': 'en' } })).text();
    expect(html).toMatch(/<input id="f-v-satisfaction" name="value\.satisfaction" type="text" value="4\.3"/);

    const rows = await slaRows();
    const row = rows.find((r) => r.key === 'satisfaction')!;
    expect(row.met).toBe(true);
    expect(row.measured).toContain('4.3');
    expect(row.target).toBe('4.0 or more');

    // A value under the threshold is judged missed.
    expect((await post(adminCookie, { 'value.satisfaction': '3.5' })).status).toBe(303);
    expect((await slaRows()).find((r) => r.key === 'satisfaction')).toMatchObject({ met: false });
    expect(audited()).toBe(2);
  });
});
