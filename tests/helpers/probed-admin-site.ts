import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { startSite, type RunningSite } from './site';
import { tempDir } from './temp';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';

export const OPS_ADMIN = { email: 'ops-admin@example.jp', password: 'a long and proper passphrase' };

export interface ProbedAdminSite {
  site: RunningSite;
  browser: Browser;
  /** The database, open for the test to read while the site and its worker write. */
  db: Db;
  /** The HTTP target the monitor checks: it answers "ok" until the test closes it. */
  target: Server;
  stop: () => Promise<void>;
}

/**
 * The built site with its worker on (PROBE=on) watching one service's HTTP monitor
 * (`elearning-web`, every 5 s) on a local target, an admin, and Chromium. `seed` adds
 * what a test needs to the database before the site starts.
 */
export async function startProbedAdminSite(prefix: string, seed: (db: Db) => void = () => {}): Promise<ProbedAdminSite> {
  const target = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((ok) => target.listen(0, '127.0.0.1', () => ok()));
  const port = (target.address() as AddressInfo).port;
  const { dir, remove } = tempDir(prefix);
  const dbPath = join(dir, 'status.db');
  const setup = openDatabase(dbPath);
  importInterchange(setup, validateInterchange({
    version: 1,
    services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 }],
    monitors: [{ slug: 'elearning-web', service: 'elearning', type: 'http', target: `http://127.0.0.1:${port}/`, interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true }],
  }));
  seed(setup);
  await createUser(setup, systemActor('test'), { email: OPS_ADMIN.email, role: 'admin', password: OPS_ADMIN.password });
  setup.$client.close();
  const [site, browser] = await Promise.all([startSite({ DATABASE_PATH: dbPath, PROBE: 'on' }), launchBrowser()]);
  const db = openDatabase(dbPath, { migrate: false });
  return {
    site, browser, db, target,
    stop: async () => {
      db.$client.close();
      await browser.close();
      await site.stop();
      await new Promise((ok) => (target.listening ? target.close(ok) : ok(undefined)));
      remove();
    },
  };
}

/** Signs the admin in on the dashboard, in the page's browser context. */
export async function signInOnDashboard(page: Page, url: string, who = OPS_ADMIN): Promise<void> {
  await page.goto(`${url}/admin/`);
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${url}/admin/`);
}
