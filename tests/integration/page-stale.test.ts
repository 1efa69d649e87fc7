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

  it('after another process changes the data, a crowd is answered at once with the last page, and the new one follows within seconds', async () => {
    const first = await fetch(`${site.url}/en/`);
    const oldEtag = first.headers.get('etag')!;
    expect(await first.text()).toContain('Learners cannot sign in');
    const db = openDatabase(dbPath, { migrate: false });
    const now = Date.now();
    const id = db.$client.prepare("SELECT id FROM incidents WHERE key = 'login-failure'").pluck().get() as number;
    db.$client.prepare("INSERT INTO incident_updates (incident_id, at, status, body_ja, body_en, published) VALUES (?, ?, 'resolved', '復旧しました。', 'Service is back.', 1)").run(id, now);
    db.$client.prepare('UPDATE incidents SET recovered_at = ?, updated_at = ? WHERE id = ?').run(now, now, id);
    db.$client.close();
    // The crowd right after the change: every visitor answered, with the last page or the new one.
    const crowd = await Promise.all(Array.from({ length: 20 }, () => fetch(`${site.url}/en/`)));
    expect(crowd.every((r) => r.status === 200)).toBe(true);
    const bodies = await Promise.all(crowd.map((r) => r.text()));
    expect(bodies.every((b) => b.includes('Learners cannot sign in') || b.includes('No incidents right now.'))).toBe(true);
    // The render thread rebuilds at most every 2 s: the new page comes within the bound (with room for a loaded machine).
    const started = Date.now();
    const next = await waitFor(async () => {
      const res = await fetch(`${site.url}/en/`);
      const html = await res.text();
      return html.includes('No incidents right now.') ? res : null;
    }, 10_000, 100);
    expect(next.headers.get('etag')).not.toBe(oldEtag);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
