import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startSite, waitFor, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import { signInCookie } from './admin-fixture';

/**
 * What the public reads of an outage the probe found: once an operator confirms the draft,
 * every public answer names the service in the public template's words, never the monitor's
 * name or what the probe said.
 */
const ADMIN = { email: 'words-admin@example.jp', password: 'a long and proper passphrase' };
const PROBE_WORDS = ['lms-web-7', 'legacy-mon-3', 'connection refused', 'refused', 'ECONNREFUSED', 'HTTP 503'];

let site: RunningSite;
let db: Db;
let removeDir: () => void;

/** A port nobody listens on: the probe's checks are refused. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', () => ok()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

beforeAll(async () => {
  const port = await closedPort();
  const { dir, remove } = tempDir('public-words-');
  removeDir = remove;
  const dbPath = join(dir, 'status.db');
  const setup = openDatabase(dbPath);
  importInterchange(setup, validateInterchange({
    version: 1,
    services: [
      { slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 },
      { slug: 'website', name: { ja: '広報啓発WEBサイト', en: 'Awareness website' }, sla_target_pct: 99.9 },
    ],
    monitors: [{ slug: 'lms-web-7', service: 'elearning', type: 'http', target: `http://127.0.0.1:${port}/`, interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true }],
  }));
  setup.$client.prepare("UPDATE monitors SET interval_s = 1 WHERE slug = 'lms-web-7'").run();
  // A draft stored by an earlier version, its title holding the probe's words, on the other service.
  const c = setup.$client;
  const website = (c.prepare("SELECT id FROM services WHERE slug = 'website'").get() as { id: number }).id;
  c.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options, paused)
    VALUES ('legacy-mon-3', ?, 'http', 'http://127.0.0.1:9/', 60, 2, 2, 1, '{}', 1)`).run(website);
  const legacyMonitor = (c.prepare("SELECT id FROM monitors WHERE slug = 'legacy-mon-3'").get() as { id: number }).id;
  const started = Date.now() - 30 * 60_000;
  const legacy = Number(c.prepare(`INSERT INTO incidents (key, kind, severity, title_ja, title_en, started_at, detected_at, draft, created_at, updated_at)
    VALUES ('probe-website-99', 'failure', 'major', '広報啓発WEBサイトの障害 (legacy-mon-3: HTTP 503, expected 200-399)', 'Awareness website outage (legacy-mon-3: HTTP 503, expected 200-399)', ?, ?, 1, ?, ?)`)
    .run(started, started + 60_000, started, started).lastInsertRowid);
  c.prepare("INSERT INTO incident_services (incident_id, service_id, impact) VALUES (?, ?, 'major_outage')").run(legacy, website);
  c.prepare(`INSERT INTO alarms (monitor_id, kind, code, severity, message, started_at, detected_at, incident_id)
    VALUES (?, 'outage', 'down', 'critical', 'HTTP 503, expected 200-399', ?, ?, ?)`).run(legacyMonitor, started, started + 60_000, legacy);
  await createUser(setup, systemActor('test'), { email: ADMIN.email, role: 'admin', password: ADMIN.password });
  setup.$client.close();
  site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'on' });
  db = openDatabase(dbPath, { migrate: false });
}, 90_000);

afterAll(async () => {
  db?.$client.close();
  await site?.stop();
  removeDir?.();
});

async function confirm(cookie: string, id: number): Promise<void> {
  const res = await fetch(`${site.url}/admin/incidents/`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie, origin: site.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ action: 'confirm', id: String(id) }),
  });
  expect(res.status).toBe(303);
}

const PUBLIC = ['/', '/en/', '/incidents/', '/en/incidents/', '/history.atom', '/history.rss',
  '/api/v2/incidents.json', '/api/v2/incidents/unresolved.json', '/api/v2/summary.json', '/api/v2/status.json', '/api/v2/components.json'];

describe('an outage the probe found, as the public reads it', () => {
  it('reads in the public template’s words on every public answer, with no monitor name and no probe text', async () => {
    const draft = await waitFor(() => db.$client.prepare(`SELECT i.id, i.key, i.title_ja AS titleJa FROM incidents i JOIN alarms a ON a.incident_id = i.id
      JOIN monitors m ON m.id = a.monitor_id WHERE m.slug = 'lms-web-7'`).get() as { id: number; key: string; titleJa: string } | undefined, 30_000, 200);
    // The operators still learn the reason, on the alarm.
    const alarm = db.$client.prepare("SELECT message FROM alarms WHERE incident_id = ?").get(draft.id) as { message: string };
    expect(alarm.message).toBe('connection refused');
    expect(draft.titleJa).toBe('eラーニングシステムをご利用いただけない状態です');
    const legacy = (db.$client.prepare("SELECT id FROM incidents WHERE key = 'probe-website-99'").get() as { id: number }).id;

    const cookie = await signInCookie(site.url, ADMIN);
    await confirm(cookie, draft.id);
    await confirm(cookie, legacy);

    const confirmed = db.$client.prepare('SELECT key, title_ja AS titleJa, title_en AS titleEn FROM incidents WHERE id IN (?, ?) ORDER BY id').all(draft.id, legacy) as Array<{ key: string; titleJa: string; titleEn: string }>;
    for (const i of confirmed) expect(i.key).toMatch(/^\d{8}-\d+$/);
    const titles = confirmed.map((i) => i.titleJa).sort();
    expect(titles).toEqual(['eラーニングシステムをご利用いただけない状態です', '広報啓発WEBサイトをご利用いただけない状態です']);

    // The public page shows both confirmed outages (rendered within its usual bound).
    await waitFor(async () => {
      const html = await (await fetch(`${site.url}/`)).text();
      return html.includes('eラーニングシステムをご利用いただけない状態です') && html.includes('広報啓発WEBサイトをご利用いただけない状態です');
    }, 30_000, 300);
    const en = await (await fetch(`${site.url}/en/`)).text();
    expect(en).toContain('E-learning system is unavailable');
    expect(en).toContain('Awareness website is unavailable');

    const pages = [...PUBLIC, ...confirmed.flatMap((i) => [`/incidents/${i.key}`, `/en/incidents/${i.key}`])];
    for (const path of pages) {
      const res = await fetch(`${site.url}${path}`);
      expect(res.status, path).toBe(200);
      const body = await res.text();
      for (const word of PROBE_WORDS) expect(body.includes(word), `${path} contains ${word}`).toBe(false);
    }
    const api = await (await fetch(`${site.url}/api/v2/incidents.json`)).json() as { incidents: Array<{ name: string }> };
    expect(api.incidents.map((i) => i.name).sort()).toEqual(['eラーニングシステムをご利用いただけない状態です', '広報啓発WEBサイトをご利用いただけない状態です']);
  }, 90_000);
});
