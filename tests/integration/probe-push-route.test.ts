import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { startSite, waitFor, type RunningSite } from '../helpers/site';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';

const TOKEN = 'nightly-backup-7f3a9c2e5d1b4a68';

describe('the push URL of a push monitor, on the built site with its worker', () => {
  const t = tempDb();
  let site: RunningSite;
  let monitorId = 0;
  beforeAll(async () => {
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'backup', name: { ja: 'バックアップ' }, sla_target_pct: 99.5 }],
      monitors: [{ slug: 'nightly-backup', service: 'backup', type: 'push', target: TOKEN, interval_s: 5, timeout_s: 2, confirm: 1, counts_for_availability: false, options: { every_s: 10, grace_s: 1 } }],
    }));
    monitorId = (t.db.$client.prepare("SELECT id FROM monitors WHERE slug = 'nightly-backup'").get() as { id: number }).id;
    site = await startSite({ DATABASE_PATH: t.path });
  }, 90_000);
  afterAll(async () => {
    await site?.stop();
    t.close();
  });

  /** The newest check the worker wrote after `since`. */
  const checkAfter = (since: number) => t.db.$client.prepare('SELECT at, status, error FROM checks WHERE monitor_id = ? AND at > ? ORDER BY at DESC LIMIT 1')
    .get(monitorId, since) as { at: number; status: number; error: string | null } | undefined;
  const push = (query = '', init: RequestInit = {}) => fetch(`${site.url}/api/push/${TOKEN}${query}`, init);

  it('is down before the first call, up once the job calls, down with the message the job reports, and 404 for an unknown token', async () => {
    const first = await waitFor(() => checkAfter(0), 20_000, 200);
    expect(first).toMatchObject({ status: 2, error: 'the push URL has never been called' });

    const res = await push();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ ok: true });
    let since = Date.now();
    expect(await waitFor(() => checkAfter(since), 15_000, 200)).toMatchObject({ status: 0, error: null });

    const down = await push('?status=down&msg=' + encodeURIComponent('disk full: /var/backups'));
    expect(down.status).toBe(200);
    since = Date.now();
    expect(await waitFor(() => checkAfter(since), 15_000, 200)).toMatchObject({ status: 2, error: 'the job reported a failure: disk full: /var/backups' });
    expect(t.db.$client.prepare('SELECT count, last_status AS s, last_message AS m FROM push_beats WHERE monitor_id = ?').get(monitorId))
      .toEqual({ count: 2, s: 'down', m: 'disk full: /var/backups' });

    // A job may POST too, with a JSON body (curl -X POST -H 'Content-Type: application/json').
    expect((await push('', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
    since = Date.now();
    expect(await waitFor(() => checkAfter(since), 15_000, 200)).toMatchObject({ status: 0 });

    const unknown = await fetch(`${site.url}/api/push/unknown-token-0000000000`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ ok: false, error: 'no push monitor has this token' });
    expect((await fetch(`${site.url}/api/push/short`)).status).toBe(404);
    const bad = await push('?status=late');
    expect(bad.status).toBe(400);
    expect((await bad.json() as { error: string }).error).toMatch(/^status: /);
  }, 60_000);

  it('goes down when nobody calls for longer than every_s + grace_s', async () => {
    expect((await push()).status).toBe(200);
    const calledAt = Date.now();
    const late = await waitFor(() => {
      const c = checkAfter(calledAt);
      return c && c.status === 2 ? c : undefined;
    }, 25_000, 250);
    expect(late.at - calledAt).toBeGreaterThan(11_000);
    expect(late.error).toMatch(/^no push for 1\d s, expected every 10 s$/);
    // Every check in between was up.
    const between = t.db.$client.prepare('SELECT status FROM checks WHERE monitor_id = ? AND at > ? AND at < ?').all(monitorId, calledAt, late.at) as { status: number }[];
    expect(between.length).toBeGreaterThan(0);
    expect(between.every((c) => c.status === 0)).toBe(true);
  }, 40_000);
});
