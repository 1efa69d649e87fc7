import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/lib/db';
import type { Interchange } from '../../src/lib/interchange/format';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import { tempDir } from '../helpers/temp';
import { startSite, type RunningSite } from '../helpers/site';

export const ADMIN = { email: 'admin@example.jp', password: 'correct horse battery staple' };
export const CLIENT = { email: 'client@example.jp', password: 'client reads only 123' };

/** A database with two services and an admin and a client, and the built site serving it (probe off). */
export async function startAdminSite(env: Record<string, string> = {}): Promise<{ site: RunningSite; dbPath: string; stop: () => Promise<void> }> {
  const { dir, remove } = tempDir('admin-site-');
  const dbPath = join(dir, 'status.db');
  const db = openDatabase(dbPath);
  importInterchange(db, validateInterchange({
    version: 1,
    services: [
      { slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 },
      { slug: 'website', name: { ja: '広報啓発WEBサイト', en: 'Awareness website' }, sla_target_pct: 99.9 },
    ],
  }));
  await createUser(db, systemActor('test'), { email: ADMIN.email, role: 'admin', password: ADMIN.password });
  await createUser(db, systemActor('test'), { email: CLIENT.email, role: 'client', password: CLIENT.password });
  db.$client.close();
  const site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off', ...env });
  return { site, dbPath, stop: async () => { await site.stop(); remove(); } };
}

/** Signs in with a plain HTTP request (as a browser would, with this site's Origin); returns the Cookie header value. */
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

/** A form POST to the site as a signed-in browser sends it (its Origin, Japanese), not following the redirect. */
export function formPoster(url: string, cookie: string): (path: string, fields: Record<string, string>) => Promise<Response> {
  return (path, fields) => fetch(`${url}${path}`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'ja' },
    body: new URLSearchParams(fields),
  });
}

/**
 * The built site (probe off) on a temp database holding `data`, with a config file of
 * `config` and the given users created; `db` stays open for the test to read.
 */
export async function startSiteWithConfig(data: Interchange, config: object, users: Array<{ email: string; password: string; role: 'admin' | 'client' }>): Promise<{ site: RunningSite; db: Db; dbPath: string; stop: () => Promise<void> }> {
  const { dir, remove } = tempDir('config-site-');
  const dbPath = join(dir, 'status.db');
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config));
  const db = openDatabase(dbPath);
  importInterchange(db, data);
  for (const u of users) await createUser(db, systemActor('test'), u);
  const site = await startSite({ DATABASE_PATH: dbPath, CONFIG_PATH: configPath, PROBE: 'off' });
  return { site, db, dbPath, stop: async () => { await site.stop(); db.$client.close(); remove(); } };
}
