import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { tempDb } from '../helpers/temp';
import { startSite, runScript, waitFor, type RunningSite } from '../helpers/site';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { addAgent, revokeAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { systemActor } from '../../src/lib/audit';
import { startAgent, clockAhead } from './agents-fixture';

/** The agent API as an agent meets it: the assignment, batches, and every refusal storing nothing. */
describe('agent API', () => {
  const t = tempDb();
  let site: RunningSite;
  const tokens: Record<string, string> = {};
  const ids: Record<string, number> = {};
  const actor = systemActor('test');
  const count = (sql: string, ...args: unknown[]) => (t.db.$client.prepare(sql).get(...args) as { n: number }).n;

  beforeAll(async () => {
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }],
      monitors: [
        { slug: 'web-http', service: 'web', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 60, confirm: 2, counts_for_availability: true },
        { slug: 'web-other', service: 'web', type: 'tcp', target: '127.0.0.1:9', interval_s: 60, confirm: 2, counts_for_availability: true },
      ],
    }));
    for (const slug of ['web-http', 'web-other']) ids[slug] = (t.db.$client.prepare('SELECT id FROM monitors WHERE slug = ?').get(slug) as { id: number }).id;
    for (const name of ['osaka', 'nagoya', 'kyoto']) {
      const added = addAgent(t.db, actor, { name, labelJa: name });
      tokens[name] = added.token;
      ids[name] = added.location.id;
    }
    setMonitorLocations(t.db, actor, ids['web-http']!, ['local', 'osaka', 'nagoya', 'kyoto'], 2);
    const config = join(t.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ agents: { requests_per_min: 20, max_skew_s: 60 } }));
    site = await startSite({ DATABASE_PATH: t.path, PROBE: 'off', CONFIG_PATH: config });
  });
  afterAll(async () => {
    await site?.stop();
    t.close();
  });

  const get = (token: string | null) => fetch(`${site.url}/api/agent/v1/assignment`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const post = (token: string, body: unknown) => fetch(`${site.url}/api/agent/v1/results`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const batch = (results: { monitor_id: number; at: number; status?: string }[], sentAt = Date.now()) => ({
    batch_id: randomUUID(),
    sent_at: new Date(sentAt).toISOString(),
    results: results.map((r) => ({ monitor_id: r.monitor_id, at: new Date(r.at).toISOString(), status: r.status ?? 'up', latency_ms: 12, error: null })),
    controls: [{ at: new Date(sentAt - 1000).toISOString(), ok: true }],
    health: { version: '1', spool_results: 0 },
  });

  it('the assignment lists the monitors of this location only, with their intervals and options', async () => {
    const res = await get(tokens.osaka!);
    expect(res.status).toBe(200);
    const body = await res.json() as Record<string, unknown>;
    expect(body).toMatchObject({
      location: { name: 'osaka', label_ja: 'osaka', label_en: null },
      max_skew_s: 60, batch_max: 5000, control: null,
      monitors: [{ id: ids['web-http'], slug: 'web-http', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 60, timeout_s: 10, options: {} }],
    });
    expect(Math.abs(Date.parse(body.server_time as string) - Date.now())).toBeLessThan(5000);
  });

  it('a missing or unknown token is refused with a reason; the token is compared, not guessed', async () => {
    const none = await get(null);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'no_token' });
    const wrong = await get(tokens.osaka!.slice(0, -4) + 'AAAA');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'token_refused' });
    // The secret is everything after `pa_<id>_`; base64url may itself hold `_`, so never split on it.
    const secret = tokens.osaka!.replace(/^pa_\d+_/, '');
    expect(secret).toHaveLength(43);
    const stored = t.db.$client.prepare('SELECT token_hash FROM probe_locations WHERE slug = ?').pluck().get('osaka') as string;
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret, 'base64url').toString('hex'));
  });

  it('a batch is stored once, however often it is sent', async () => {
    const now = Date.now();
    const b = batch([{ monitor_id: ids['web-http']!, at: now - 120_000 }, { monitor_id: ids['web-http']!, at: now - 60_000, status: 'down' }]);
    const first = await post(tokens.osaka!, b);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ ok: true, batch_id: b.batch_id, duplicate: false, stored: 2 });
    const again = await post(tokens.osaka!, b);
    expect(await again.json()).toMatchObject({ ok: true, duplicate: true, stored: 0 });
    expect(count('SELECT count(*) AS n FROM location_checks WHERE location_id = ?', ids.osaka)).toBe(2);
    expect(count('SELECT count(*) AS n FROM location_controls WHERE location_id = ?', ids.osaka)).toBe(1);
    const loc = t.db.$client.prepare('SELECT last_contact_at AS lastContactAt, lag_ms AS lagMs, clock_offset_ms AS offset, health FROM probe_locations WHERE id = ?').get(ids.osaka) as Record<string, unknown>;
    expect(loc.lastContactAt).toBeGreaterThan(now - 5000);
    expect(loc.lagMs).toBeGreaterThanOrEqual(60_000);
    expect(Math.abs(loc.offset as number)).toBeLessThan(5000);
    expect(JSON.parse(loc.health as string)).toEqual({ version: '1', spool_results: 0 });
  });

  it('a result for a monitor not assigned to the location refuses the whole batch; nothing is stored', async () => {
    const before = count('SELECT count(*) AS n FROM location_checks');
    const b = batch([{ monitor_id: ids['web-http']!, at: Date.now() - 1000 }, { monitor_id: ids['web-other']!, at: Date.now() - 1000 }]);
    const res = await post(tokens.osaka!, b);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'foreign_monitor', monitor_id: ids['web-other'], error: `monitor ${ids['web-other']} is not assigned to location "osaka"` });
    expect(count('SELECT count(*) AS n FROM location_checks')).toBe(before);
    expect(count('SELECT count(*) AS n FROM agent_batches WHERE batch_id = ?', b.batch_id)).toBe(0);
  });

  it('a clock further off than the allowed skew is refused with a clear error; nothing is stored', async () => {
    const before = count('SELECT count(*) AS n FROM location_checks');
    const res = await post(tokens.osaka!, batch([{ monitor_id: ids['web-http']!, at: Date.now() + 300_000 }], Date.now() + 600_000));
    expect(res.status).toBe(422);
    const body = await res.json() as { code: string; error: string };
    expect(body.code).toBe('clock_skew');
    expect(body.error).toMatch(/^the agent's clock is 600 s off the site's .*at most 60 s is allowed/);
    expect(count('SELECT count(*) AS n FROM location_checks')).toBe(before);
    // The offset measured is recorded before the refusal: the admins' agents page and /healthz show it.
    const offset = t.db.$client.prepare("SELECT clock_offset_ms FROM probe_locations WHERE slug = 'osaka'").pluck().get() as number;
    expect(Math.round(offset / 1000)).toBe(-600);
    const health = await (await fetch(`${site.url}/healthz`)).json() as { warnings: string[] };
    expect(health.warnings).toContain('agent_clock_skew');
  });

  it('a revoked token is refused from then on; its results so far stay', async () => {
    expect((await post(tokens.nagoya!, batch([{ monitor_id: ids['web-http']!, at: Date.now() - 1000 }]))).status).toBe(200);
    revokeAgent(t.db, actor, ids.nagoya!);
    const before = count('SELECT count(*) AS n FROM location_checks');
    const res = await post(tokens.nagoya!, batch([{ monitor_id: ids['web-http']!, at: Date.now() - 500 }]));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'token_refused' });
    expect((await get(tokens.nagoya!)).status).toBe(401);
    expect(count('SELECT count(*) AS n FROM location_checks')).toBe(before);
    expect(count('SELECT count(*) AS n FROM location_checks WHERE location_id = ?', ids.nagoya)).toBe(1);
  });

  it('an agent sending too often is answered 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await get(tokens.kyoto!)).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    const last = await get(tokens.kyoto!);
    expect(last.status).toBe(429);
    expect(last.headers.get('retry-after')).toBe('60');
  });

  it('the agent exits non-zero with a clear message for a bad URL and for a refused token', async () => {
    const bad = await runScript('scripts/agent.ts', ['--site', 'not a url', '--token', 'x', '--spool', join(t.dir, 'spool-bad')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--site must be the site\'s http(s) address');
    const refused = await runScript('scripts/agent.ts', ['--site', site.url, '--token', tokens.nagoya!, '--spool', join(t.dir, 'spool-refused')]);
    expect(refused.status).toBe(5);
    expect(refused.stderr).toContain('error: the site refused the token: the token is unknown or revoked');
  });

  it('an agent whose clock is an hour ahead logs the refusal and stores nothing', async () => {
    const loc = addAgent(t.db, actor, { name: 'sendai' });
    const http = t.db.$client.prepare("INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options, paused) SELECT 'web-sendai', service_id, 'http', ?, 5, 2, 2, 1, '{}', 0 FROM monitors WHERE slug = 'web-http'");
    http.run(`${site.url}/healthz`);
    const monitorId = (t.db.$client.prepare("SELECT id FROM monitors WHERE slug = 'web-sendai'").get() as { id: number }).id;
    setMonitorLocations(t.db, actor, monitorId, ['sendai'], null);
    const agent = startAgent(['--site', site.url, '--token', loc.token, '--spool', join(t.dir, 'spool-sendai')], {}, clockAhead(3600));
    try {
      await waitFor(() => agent.output().includes('"code":"clock_skew"'), 30_000);
      expect(agent.output()).toContain("the agent's clock is 3600 s off the site's");
      expect(count('SELECT count(*) AS n FROM location_checks WHERE location_id = ?', loc.location.id)).toBe(0);
    } finally {
      await agent.stop();
    }
  });
});
