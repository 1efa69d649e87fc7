import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openDatabase } from '../../src/lib/db';
import { waitFor } from '../helpers/site';
import { startFixtureSite } from './page-fixture';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp';

describe('the public page under a crowd: cached, validated, rebuilt when the data changes', () => {
  let site: Awaited<ReturnType<typeof startFixtureSite>>;
  let dbPath: string;

  const tmp = tempDir('cache-config-');
  beforeAll(async () => {
    // Behind a proxy on this machine (as deploy/ sets it up): its X-Forwarded-Proto is believed.
    writeFileSync(join(tmp.dir, 'config.json'), JSON.stringify({ trusted_proxies: ['127.0.0.1'] }));
    site = await startFixtureSite({ CONFIG_PATH: join(tmp.dir, 'config.json') });
    dbPath = site.dbPath;
  });
  afterAll(async () => {
    await site?.close();
    tmp.remove();
  });

  it('sends HSTS from the cache only to visitors who came over HTTPS', async () => {
    for (let i = 0; i < 2; i++) {
      const viaProxy = await fetch(`${site.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(viaProxy.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      const direct = await fetch(`${site.url}/`);
      expect(direct.headers.get('strict-transport-security')).toBeNull();
      expect(direct.headers.get('content-security-policy')).toBeTruthy();
    }
  });

  it('serves the page with ETag and Cache-Control, and 304 to a client that has it', async () => {
    const first = await fetch(`${site.url}/`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    expect(first.headers.get('content-security-policy')).toBeTruthy();
    const html = await first.text();
    expect(html).toContain('ログインできない障害');
    expect(html).toContain('定期点検のための計画停止');
    expect(html).not.toContain('未確認の下書き');
    expect(html).not.toContain('内部メモ');
    const again = await fetch(`${site.url}/`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    // The page is rendered again every 30 s in any case (an ongoing incident's duration moves with
    // the clock): the gzip body is compared with the plain one of the same render, the same ETag.
    for (let tries = 1; ; tries++) {
      const gz = await fetch(`${site.url}/`, { headers: { 'accept-encoding': 'gzip' } });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      const plain = await fetch(`${site.url}/`);
      if (gz.headers.get('etag') !== plain.headers.get('etag') && tries < 3) continue;
      expect(gz.headers.get('etag')).toBe(plain.headers.get('etag'));
      expect(await gz.text()).toBe(await plain.text());
      break;
    }
  });

  it('API answers carry ETags too, refuse an unknown lang naming it, and allow other sites to read them', async () => {
    const res = await fetch(`${site.url}/api/v2/summary.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const etag = res.headers.get('etag')!;
    expect((await fetch(`${site.url}/api/v2/summary.json`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const bad = await fetch(`${site.url}/api/v2/summary.json?lang=fr`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('lang');
  });

  it('rebuilds the page after another process changes the data', async () => {
    const before = await (await fetch(`${site.url}/en/`)).text();
    expect(before).toContain('Learners cannot sign in');
    // The worker (another connection) publishes an update and recovers the incident.
    const db = openDatabase(dbPath, { migrate: false });
    const now = Date.now();
    const id = db.$client.prepare("SELECT id FROM incidents WHERE key = 'login-failure'").pluck().get() as number;
    db.$client.prepare("INSERT INTO incident_updates (incident_id, at, status, body_ja, body_en, published) VALUES (?, ?, 'resolved', '復旧しました。', 'Service is back.', 1)").run(id, now);
    db.$client.prepare('UPDATE incidents SET recovered_at = ?, updated_at = ? WHERE id = ?').run(now, now, id);
    db.$client.close();
    const after = await waitFor(async () => {
      const html = await (await fetch(`${site.url}/en/`)).text();
      return html.includes('No incidents right now.') ? html : null;
    }, 10_000);
    expect(after).not.toContain('data-testid="active-incidents"');
    // An answer nobody has read yet is checked against the data for its first reader: current at once.
    const api = (await (await fetch(`${site.url}/api/v2/incidents/unresolved.json`)).json()) as { incidents: unknown[] };
    expect(api.incidents).toEqual([]);
  });

  it('keeps permanent pages for each incident and the history by month, in both languages', async () => {
    const ja = await fetch(`${site.url}/incidents/slow-pages`);
    expect(ja.status).toBe(200);
    const html = await ja.text();
    expect(html).toContain('ページの表示が遅い');
    expect(html).toContain('復旧しました。');
    expect(html).toContain('hreflang="en" href="/en/incidents/slow-pages"');
    const en = await (await fetch(`${site.url}/en/incidents/slow-pages`)).text();
    expect(en).toContain('Pages were slow');
    // The month pages are found by what they hold, never by their place in the index:
    // which month comes first depends on the day the tests run.
    const index = await (await fetch(`${site.url}/incidents/`)).text();
    const months = [...index.matchAll(/href="(\/incidents\/month\/\d{4}-\d{2})"/g)].map((m) => m[1]!);
    expect(months.length).toBeGreaterThan(0);
    const monthPages = await Promise.all(months.map(async (m) => (await fetch(`${site.url}${m}`)).text()));
    expect(monthPages.some((html) => html.includes('ページの表示が遅い'))).toBe(true);
    expect(monthPages.some((html) => html.includes('ログインできない障害'))).toBe(true);
    expect((await fetch(`${site.url}/incidents/no-such-incident`)).status).toBe(404);
    expect((await fetch(`${site.url}/en/render/ja/`)).status).toBe(404);
    const badge = await fetch(`${site.url}/badge/learn.svg`);
    expect(badge.headers.get('content-type')).toContain('image/svg+xml');
    expect(await badge.text()).toContain('eラーニング');
    expect((await fetch(`${site.url}/badge/nope.svg`)).status).toBe(404);
  });
});
