import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { startSite, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { pageFixture } from './page-fixture';

/**
 * A planned stop saved without its notice (未告知) is not public until it is announced,
 * since announcing it is what tells the client and the subscribers; once its window has
 * begun it is shown all the same, so learners know what happens now. The fixture's own
 * stop (announced) shows throughout, as the control.
 */
const MIN = 60_000;
const DAY = 1440 * MIN;
const now = Date.now();
const iso = (at: number) => new Date(at).toISOString();
const ANNOUNCED = '定期点検のための計画停止';
const UPCOMING_UNANNOUNCED = 'まだ告知していないサーバー移設';
const RUNNING_UNANNOUNCED = '緊急のメモリ交換';

let site: RunningSite;
let removeDir: () => void;

beforeAll(async () => {
  const { dir, remove } = tempDir('public-stops-');
  removeDir = remove;
  const dbPath = join(dir, 'status.db');
  const db = openDatabase(dbPath);
  const file = pageFixture(now);
  file.maintenances!.push(
    {
      key: 'move-unannounced', category: 'preventive', title: { ja: UPCOMING_UNANNOUNCED, en: 'Server move not announced yet' }, services: ['web'],
      scheduled_start: iso(now + 12 * DAY), scheduled_end: iso(now + 12 * DAY + 120 * MIN), status: 'scheduled',
    },
    {
      key: 'memory-now', category: 'preventive', title: { ja: RUNNING_UNANNOUNCED, en: 'Urgent memory replacement' }, services: ['learn'],
      scheduled_start: iso(now - 20 * MIN), scheduled_end: iso(now + 100 * MIN), actual_start: iso(now - 20 * MIN), status: 'in_progress',
    },
  );
  importInterchange(db, validateInterchange(file));
  db.$client.close();
  site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off' });
});

afterAll(async () => {
  await site?.stop();
  removeDir?.();
});

const get = async (path: string) => {
  const res = await fetch(`${site.url}${path}`);
  return { status: res.status, text: await res.text() };
};

describe('a planned stop not yet announced', () => {
  it('is not on the status page, in English or Japanese, while the running one and the announced one are', async () => {
    const ja = await get('/');
    expect(ja.text).toContain(ANNOUNCED);
    expect(ja.text).toContain(RUNNING_UNANNOUNCED);
    expect(ja.text).not.toContain(UPCOMING_UNANNOUNCED);
    const en = await get('/en/');
    expect(en.text).toContain('Urgent memory replacement');
    expect(en.text).not.toContain('Server move not announced yet');
  });

  it('has no page of its own (404) and no month in the history', async () => {
    expect((await get('/incidents/maintenance/move-unannounced')).status).toBe(404);
    expect((await get('/incidents/maintenance/memory-now')).status).toBe(200);
    const history = await get('/incidents/');
    expect(history.text).not.toContain(UPCOMING_UNANNOUNCED);
  });

  it('is not in the v2 API (all, upcoming, active, summary)', async () => {
    const names = async (path: string) => ((JSON.parse((await get(path)).text) as { scheduled_maintenances: { name: string }[] }).scheduled_maintenances).map((m) => m.name);
    expect(await names('/api/v2/scheduled-maintenances.json')).toEqual(expect.arrayContaining([ANNOUNCED, RUNNING_UNANNOUNCED]));
    expect(await names('/api/v2/scheduled-maintenances.json')).not.toContain(UPCOMING_UNANNOUNCED);
    expect(await names('/api/v2/scheduled-maintenances/upcoming.json')).toEqual([ANNOUNCED]);
    expect(await names('/api/v2/scheduled-maintenances/active.json')).toEqual([RUNNING_UNANNOUNCED]);
    expect(await names('/api/v2/summary.json')).not.toContain(UPCOMING_UNANNOUNCED);
  });

  it('is not in the calendar (.ics) nor in the feeds', async () => {
    const ics = await get('/maintenance.ics');
    expect(ics.status).toBe(200);
    expect(ics.text).toContain(`SUMMARY:${ANNOUNCED}`);
    expect(ics.text).toContain(`SUMMARY:${RUNNING_UNANNOUNCED}`);
    expect(ics.text).not.toContain(UPCOMING_UNANNOUNCED);
    for (const feed of ['/history.atom', '/history.rss']) {
      const text = (await get(feed)).text;
      expect(text, feed).toContain(ANNOUNCED);
      expect(text, feed).not.toContain(UPCOMING_UNANNOUNCED);
    }
  });
});
