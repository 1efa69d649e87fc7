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

  it('after a data change, the next visitor gets the rebuilt page; a crowd meanwhile gets the last one at once', async () => {
    const first = await fetch(`${site.url}/en/`);
    const oldEtag = first.headers.get('etag')!;
    expect(await first.text()).toContain('Learners cannot sign in');
    const db = openDatabase(dbPath, { migrate: false });
    const now = Date.now();
    const id = db.$client.prepare("SELECT id FROM incidents WHERE key = 'login-failure'").pluck().get() as number;
    db.$client.prepare("INSERT INTO incident_updates (incident_id, at, status, body_ja, body_en, published) VALUES (?, ?, 'resolved', '復旧しました。', 'Service is back.', 1)").run(id, now);
    db.$client.prepare('UPDATE incidents SET recovered_at = ?, updated_at = ? WHERE id = ?').run(now, now, id);
    await new Promise((r) => setTimeout(r, 60)); // the version of another process's data is read every 50 ms
    const next = await fetch(`${site.url}/en/`);
    expect(next.headers.get('etag')).not.toBe(oldEtag);
    const newEtag = next.headers.get('etag')!;
    expect(await next.text()).toContain('No incidents right now.');

    // Another change, then 20 visitors at once: all answered, with the last page or the new one.
    db.$client.prepare('UPDATE incidents SET title_en = ? WHERE id = ?').run('Learners could not sign in', id);
    db.$client.close();
    await new Promise((r) => setTimeout(r, 60));
    const crowd = await Promise.all(Array.from({ length: 20 }, () => fetch(`${site.url}/en/`)));
    const etags = crowd.map((r) => r.headers.get('etag'));
    expect(crowd.every((r) => r.status === 200)).toBe(true);
    expect(etags.every((e) => e === newEtag || e !== oldEtag)).toBe(true);
    expect(etags.some((e) => e !== newEtag)).toBe(true);
    const after = await fetch(`${site.url}/en/`);
    expect(after.headers.get('etag')).toBe(etags.find((e) => e !== newEtag));
  });
});
