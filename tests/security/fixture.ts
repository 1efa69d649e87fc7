import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import type { Interchange } from '../../src/lib/interchange/format';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import { monthOf } from '../../src/lib/time';
import { loadConfig } from '../../src/lib/config';
import { raiseFromForm } from '../../src/lib/support/verbs';
import { deskOptions } from '../../src/lib/support/http';
import { startSite, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';

/**
 * A world an attacker would like to read: monitors holding credentials, an unpublished
 * update, a draft, users; and text typed with markup in every field a person fills in.
 */
export const ADMIN = { email: 'admin@example.jp', password: 'correct horse battery staple' };
export const CLIENT = { email: 'client@example.jp', password: 'client reads only 123' };
/** A user only the users page and the audit log name. */
export const HIDDEN_USER = { email: 'hidden-user@example.jp', password: 'nobody sees this one 42' };

export const SECRETS = {
  header: 'Bearer hdr-secret-7f3a9c',
  dbPassword: 'dbpass-s3cr3t-91',
  pushToken: 'pushtokenSECRETabcdef0123456789',
};
/** Text that reaches admins only. */
export const INTERNAL = { update: 'internal-note-zz91', draftTitle: 'draft-title-qq42' };

/** Markup typed into a field: each carries its own marker so a crawl can say which field leaked. */
export const hostile = (field: string) => `${field}<script>alert("${field}")</script><b>${field}-bold</b>&amp;"'`;

const MIN = 60_000;
const iso = (at: number) => new Date(at).toISOString().replace('Z', '+00:00');

export function hostileWorld(now = Date.now()): Interchange {
  const end = Math.floor(now / (5 * MIN)) * 5 * MIN;
  const checks: NonNullable<Interchange['checks']> = [];
  for (let at = end - 2 * 1440 * MIN; at <= end; at += 5 * MIN) {
    const down = at > end - 30 * MIN;
    checks.push(down ? { monitor: 'web-check', at: iso(at), status: 'down', error: hostile('probeError') } : { monitor: 'web-check', at: iso(at), status: 'up', latency_ms: 120 });
  }
  return {
    version: 1,
    services: [
      { slug: 'web', name: { ja: hostile('serviceNameJa'), en: hostile('serviceNameEn') }, sla_target_pct: 99.9 },
      { slug: 'learn', name: { ja: 'eラーニング', en: 'E-learning' }, sla_target_pct: 99.9 },
    ],
    monitors: [
      { slug: 'web-check', service: 'web', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 300, confirm: 2, counts_for_availability: true, paused: true,
        options: { headers: { Authorization: SECRETS.header } } },
      { slug: 'db-check', service: 'learn', type: 'mysql', target: `mysql://monitor:${SECRETS.dbPassword}@127.0.0.1:3306/app`, interval_s: 300, confirm: 2, counts_for_availability: false, paused: true },
      { slug: 'job-push', service: 'learn', type: 'push', target: SECRETS.pushToken, interval_s: 3600, confirm: 1, counts_for_availability: false, paused: false },
    ],
    checks,
    incidents: [
      {
        key: 'hostile-open', kind: 'failure', severity: 'major',
        title: { ja: hostile('incidentTitleJa'), en: hostile('incidentTitleEn') },
        services: [{ service: 'web', impact: 'major_outage' }],
        started_at: iso(end - 30 * MIN), aware_at: iso(end - 25 * MIN), force_majeure: false,
        cause: hostile('cause'), fix: hostile('fix'), prevention: hostile('prevention'),
        updates: [
          { at: iso(end - 20 * MIN), status: 'investigating', body: { ja: hostile('updateJa'), en: hostile('updateEn') } },
          { at: iso(end - 10 * MIN), status: 'identified', body: { ja: INTERNAL.update, en: INTERNAL.update }, published: false },
        ],
      },
      {
        key: 'hostile-draft', kind: 'failure', severity: 'minor', draft: true,
        title: { ja: INTERNAL.draftTitle, en: INTERNAL.draftTitle },
        services: [{ service: 'learn', impact: 'partial_outage' }],
        started_at: iso(end - 15 * MIN), force_majeure: false,
      },
    ],
    maintenances: [
      {
        key: 'hostile-stop', category: 'inspection',
        title: { ja: hostile('maintenanceTitleJa'), en: hostile('maintenanceTitleEn') },
        body: { ja: hostile('maintenanceBodyJa'), en: hostile('maintenanceBodyEn') },
        services: ['web'],
        announced_at: iso(end - 1440 * MIN), scheduled_start: iso(end + 20 * 1440 * MIN), scheduled_end: iso(end + 20 * 1440 * MIN + 120 * MIN),
        status: 'scheduled',
      },
    ],
  };
}

export interface HostileSite {
  site: RunningSite;
  url: string;
  dbPath: string;
  db: Db;
  /** Ids and values the route walk substitutes for a page's parameters. */
  params: Record<string, string>;
  stop: () => Promise<void>;
}

/** The hostile world in a real database, with an admin, a client and a hidden user, served by the built site (probe off). */
export async function startHostileSite(env: Record<string, string> = {}, now = Date.now(), config?: Record<string, unknown>): Promise<HostileSite> {
  const { dir, remove } = tempDir('security-');
  const dbPath = join(dir, 'status.db');
  if (config) {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    env = { CONFIG_PATH: join(dir, 'config.json'), ...env };
  }
  const setup = openDatabase(dbPath);
  importInterchange(setup, validateInterchange(hostileWorld(now)));
  for (const [who, role] of [[ADMIN, 'admin'], [CLIENT, 'client'], [HIDDEN_USER, 'client']] as const) await createUser(setup, systemActor('test'), { ...who, role });
  const c = setup.$client;
  const webCheck = (c.prepare("SELECT id FROM monitors WHERE slug = 'web-check'").get() as { id: number }).id;
  c.prepare(`INSERT INTO alarms (monitor_id, kind, code, severity, message, started_at, detected_at) VALUES (?, 'outage', 'down', 'critical', ?, ?, ?)`)
    .run(webCheck, hostile('alarmMessage'), now - 30 * MIN, now - 20 * MIN);
  // A clock step the worker saw, waiting for an admin's review.
  c.prepare(`INSERT INTO clock_steps (seen_at, offset_ms, seen_by) VALUES (?, ?, 'running')`).run(now - 5 * MIN, 3_600_000);
  // An inquiry to the support desk, typed by a stranger.
  const supportItem = raiseFromForm(setup, { email: 'learner@example.jp', name: hostile('supportName'), service: 'web', category: 'bug', body: hostile('supportBody') },
    { userId: null, lang: 'ja' }, now, deskOptions(loadConfig(undefined), 'http://localhost'));
  const first = (table: string) => String((c.prepare(`SELECT min(id) AS id FROM ${table}`).get() as { id: number }).id);
  const params = {
    'incidents/[id]': first('incidents'),
    'maintenance/[id]': first('maintenances'),
    'monitors/[id]': String(webCheck),
    'services/[id]': first('services'),
    'alarms/[id]': first('alarms'),
    'clock-steps/[id]': first('clock_steps'),
    'support/[id]': String(supportItem),
    '[month]': monthOf(now, 'Asia/Tokyo'),
    '[file]': 'v1.pdf',
    'year/[fy]': String(new Date(now).getUTCFullYear() - 1),
    'incidents/[key]': (c.prepare('SELECT key FROM incidents ORDER BY id LIMIT 1').get() as { key: string }).key,
  };
  setup.$client.close();
  const site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off', ...env });
  const db = openDatabase(dbPath, { migrate: false });
  return { site, url: site.url, dbPath, db, params, stop: async () => { db.$client.close(); await site.stop(); remove(); } };
}

/** A fingerprint of everything stored except sessions' own bookkeeping: equal before and after means nothing changed. */
export function snapshot(db: Db): string {
  const c = db.$client;
  const tables = (c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  return tables.map((t) => {
    if (t === 'sessions') return `${t}:${(c.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n}`;
    return `${t}:${JSON.stringify(c.prepare(`SELECT * FROM "${t}"`).raw().all())}`;
  }).join('\n');
}

/** Signs in with a plain HTTP request from this site's origin; returns the Cookie header value. */
export async function signInCookie(url: string, who: { email: string; password: string }): Promise<string> {
  const res = await fetch(`${url}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: who.email, password: who.password }),
  });
  const set = res.headers.getSetCookie().find((c) => c.startsWith('sid='));
  if (res.status !== 303 || !set) throw new Error(`sign-in failed: ${res.status}`);
  return set.split(';')[0]!;
}
