import { afterAll, beforeAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openDatabase, type Db } from '../../src/lib/db';
import { startAdminSite } from '../integration/admin-fixture';

export interface AdminBrowser {
  url: string;
  dbPath: string;
  browser: Browser;
  /** The site's database, open for the test to read. */
  db: Db;
  /** A page in a new browser context speaking `lang` (and of the given window size). */
  newPage: (lang?: string, viewport?: { width: number; height: number }) => Promise<Page>;
  stop: () => Promise<void>;
}

/** startAdminSite with Chromium beside it: the admin pages' browser tests. */
export async function startAdminBrowser(): Promise<AdminBrowser> {
  const [ctx, browser] = await Promise.all([startAdminSite(), launchBrowser()]);
  const db = openDatabase(ctx.dbPath, { migrate: false });
  return {
    url: ctx.site.url, dbPath: ctx.dbPath, browser, db,
    newPage: async (lang = 'ja-JP', viewport) => (await browser.newContext({ locale: lang, extraHTTPHeaders: { 'accept-language': lang }, ...(viewport ? { viewport } : {}) })).newPage(),
    stop: async () => {
      db.$client.close();
      await browser.close();
      await ctx.stop();
    },
  };
}

/**
 * The admin site with Chromium for the tests of one file: started before them, stopped after
 * (vitest hooks); its fields are there once the tests run.
 */
export function adminBrowserForTests(): AdminBrowser {
  const world = {} as AdminBrowser;
  beforeAll(async () => { Object.assign(world, await startAdminBrowser()); });
  afterAll(async () => { await world.stop?.(); });
  return world;
}
