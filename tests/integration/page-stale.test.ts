import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openDatabase } from '../../src/lib/db';
import { waitFor } from '../helpers/site';
import { startFixtureSite } from './page-fixture';

describe('the public page while it is rebuilt: nobody waits', () => {
  let site: Awaited<ReturnType<typeof startFixtureSite>>;
  let dbPath: string;

  beforeAll(async () => {
    site = await startFixtureSite();
    dbPath = site.dbPath;
  });
  afterAll(async () => {
    await site?.close();
  });

  it('serves brotli to clients that take it, once it is ready, and gzip meanwhile', async () => {
    await fetch(`${site.url}/`);
    const br = await waitFor(async () => {
      const res = await fetch(`${site.url}/`, { headers: { 'accept-encoding': 'br, gzip' } });
      return res.headers.get('content-encoding') === 'br' ? res : null;
    }, 5_000, 100);
    expect(await br.text()).toContain('ログインできない障害');
    expect(br.headers.get('vary')).toMatch(/accept-encoding/i);
    const gz = await fetch(`${site.url}/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
  });

  it('after a data change, answers at once with the last page, then with the rebuilt one', async () => {
    const first = await fetch(`${site.url}/en/`);
    const oldEtag = first.headers.get('etag')!;
    expect(await first.text()).toContain('Learners cannot sign in');
    const db = openDatabase(dbPath, { migrate: false });
    const now = Date.now();
    const id = db.$client.prepare("SELECT id FROM incidents WHERE key = 'login-failure'").pluck().get() as number;
    db.$client.prepare("INSERT INTO incident_updates (incident_id, at, status, body_ja, body_en, published) VALUES (?, ?, 'resolved', '復旧しました。', 'Service is back.', 1)").run(id, now);
    db.$client.prepare('UPDATE incidents SET recovered_at = ?, updated_at = ? WHERE id = ?').run(now, now, id);
    db.$client.close();
    // Rebuilds happen at most every 5 s: past that, the change is seen.
    await new Promise((r) => setTimeout(r, 5_200));
    const stale = await fetch(`${site.url}/en/`);
    expect(stale.headers.get('etag')).toBe(oldEtag);
    expect(await stale.text()).toContain('Learners cannot sign in');
    const fresh = await waitFor(async () => {
      const res = await fetch(`${site.url}/en/`);
      return res.headers.get('etag') !== oldEtag ? res.text() : null;
    }, 5_000, 50);
    expect(fresh).toContain('No incidents right now.');
  });
});
