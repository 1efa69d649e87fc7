import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDb } from '../helpers/temp';
import { startSite, waitFor, type RunningSite } from '../helpers/site';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { systemActor } from '../../src/lib/audit';
import { parseConfig } from '../../src/lib/config';
import { serviceAvailabilityFor } from '../../src/lib/sla/month';
import { startAgent, freePort, closedPort, type RunningAgent } from './agents-fixture';

/**
 * Three agents as their own processes and the local probe, against a real HTTP target, one
 * monitor checked from all four with a quorum of 2. One agent's network is broken by
 * pointing its connections at a closed port (real sockets, refused).
 */
describe('probe agents with a quorum, as processes', () => {
  const t = tempDb();
  const config = parseConfig({});
  let target: Server;
  let targetPort = 0;
  let brokenPort = 0;
  let sitePort = 0;
  let site: RunningSite | null = null;
  const agents: Record<string, RunningAgent> = {};
  const tokens: Record<string, string> = {};
  const locationIds: Record<string, number> = {};
  let monitorId = 0;
  const startedAt = Date.now();
  const q = <T>(sql: string, ...args: unknown[]) => t.db.$client.prepare(sql).get(...args) as T;
  const spool = (name: string) => join(t.dir, `spool-${name}`);
  const run = (name: string, broken = false) => {
    agents[name] = startAgent(['--site', `http://127.0.0.1:${sitePort}`, '--token', tokens[name]!, '--spool', spool(name),
      ...(broken ? ['--override-target', `127.0.0.1:${targetPort}=127.0.0.1:${brokenPort}`] : [])]);
  };
  /** A location's first failed check of its latest confirmed outage. */
  const confirmedDownSince = (name: string) => q<{ firstAt: number } | undefined>(
    'SELECT first_at AS firstAt FROM location_check_runs WHERE location_id = ? AND monitor_id = ? AND status = 2 AND count >= 2 ORDER BY first_at DESC LIMIT 1',
    locationIds[name], monitorId)?.firstAt;
  const availability = () => serviceAvailabilityFor({ db: t.db, config, now: Date.now() }, 'web', { start: startedAt, end: Date.now() });
  const componentStatus = async () => {
    const body = await (await fetch(`http://127.0.0.1:${sitePort}/api/v2/components.json`)).json() as { components: { name: string; status: string }[] };
    return body.components[0]!.status;
  };

  beforeAll(async () => {
    target = createServer((_q, r) => r.end('ok'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    targetPort = (target.address() as AddressInfo).port;
    brokenPort = await closedPort();
    sitePort = await freePort();
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'web', name: { ja: 'ウェブ', en: 'Web' }, sla_target_pct: 99.9 }],
      monitors: [{ slug: 'web-http', service: 'web', type: 'http', target: `http://127.0.0.1:${targetPort}/`, interval_s: 5, confirm: 2, counts_for_availability: true }],
    }));
    monitorId = q<{ id: number }>("SELECT id FROM monitors WHERE slug = 'web-http'").id;
    for (const [name, label] of [['tokyo', '東京'], ['osaka', '大阪'], ['nagoya', '名古屋']] as const) {
      const added = addAgent(t.db, systemActor('test'), { name, labelJa: label });
      tokens[name] = added.token;
      locationIds[name] = added.location.id;
    }
    locationIds.local = q<{ id: number }>("SELECT id FROM probe_locations WHERE slug = 'local'").id;
    setMonitorLocations(t.db, systemActor('test'), monitorId, ['local', 'tokyo', 'osaka', 'nagoya'], 2);
    site = await startSite({ DATABASE_PATH: t.path, PORT: String(sitePort) });
    run('tokyo');
    run('osaka');
    // The broken agent starts once the others vote: a location voting alone is its own quorum (SLA.md rule 1).
    await waitFor(() => q<{ n: number }>('SELECT count(*) AS n FROM checks WHERE monitor_id = ?', monitorId).n >= 1
      && ['tokyo', 'osaka'].every((n) => q<{ n: number }>('SELECT count(*) AS n FROM location_checks WHERE location_id = ?', locationIds[n]).n >= 1), 60_000);
    run('nagoya', true);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(Object.values(agents).map((a) => a.stop()));
    await site?.stop();
    await new Promise<void>((r) => target.close(() => r()));
    t.close();
  });

  it('one agent whose network is broken: its confirmed failures are kept, and are no outage', async () => {
    await waitFor(() => confirmedDownSince('nagoya'), 40_000);
    await waitFor(() => q<{ n: number }>('SELECT count(*) AS n FROM checks WHERE monitor_id = ?', monitorId).n >= 3, 30_000);
    await waitFor(() => ['tokyo', 'osaka'].every((n) => q<{ n: number }>('SELECT count(*) AS n FROM location_checks WHERE location_id = ? AND status = 0', locationIds[n]).n >= 3), 30_000);
    const failed = q<{ error: string }>('SELECT error FROM location_checks WHERE location_id = ? AND status = 2 LIMIT 1', locationIds.nagoya);
    expect(failed.error).toMatch(/refused/i);
    expect(availability().downtimeMs).toBe(0);
    expect(availability().outages).toEqual([]);
    expect(await componentStatus()).toBe('operational');
    const page = await (await fetch(`http://127.0.0.1:${sitePort}/`)).text();
    expect(page).not.toMatch(/refused/i);
    expect(page).toContain('4 か所から監視');
    // Nor an alarm: operators are not mailed about one location's trouble.
    expect(q<{ n: number }>("SELECT count(*) AS n FROM alarms WHERE kind = 'outage'").n).toBe(0);
  }, 90_000);

  it('an agent killed and restarted loses nothing and stores nothing twice; a second failing location makes the outage from its confirmed failure', async () => {
    // Killed outright: what it made but had not sent is still in its spool.
    await new Promise((r) => setTimeout(r, 2500));
    await agents.osaka!.stop('SIGKILL');
    const unsent: string[] = [];
    const current = join(spool('osaka'), 'current.jsonl');
    if (existsSync(current)) for (const line of readFileSync(current, 'utf8').split('\n').filter(Boolean)) {
      const e = JSON.parse(line) as { k: string; at: string };
      if (e.k === 'r') unsent.push(e.at);
    }
    for (const f of readdirSync(spool('osaka')).filter((f) => f.startsWith('batch-'))) {
      for (const r of (JSON.parse(readFileSync(join(spool('osaka'), f), 'utf8')) as { results: { at: string }[] }).results) unsent.push(r.at);
    }
    const storedBefore = q<{ n: number }>('SELECT count(*) AS n FROM location_checks WHERE location_id = ?', locationIds.osaka).n;
    expect(storedBefore).toBeGreaterThan(0);

    // Restarted with its network broken too: two of four locations now fail.
    run('osaka', true);
    const secondSince = await waitFor(() => confirmedDownSince('osaka'), 40_000);
    const stored = new Set((t.db.$client.prepare('SELECT at FROM location_checks WHERE location_id = ?').pluck().all(locationIds.osaka) as number[]));
    for (const at of unsent) expect(stored.has(Date.parse(at))).toBe(true);
    const batches = q<{ n: number }>('SELECT sum(results) AS n FROM agent_batches WHERE location_id = ?', locationIds.osaka).n;
    expect(batches).toBe(stored.size);

    const outages = await waitFor(() => {
      const a = availability();
      return a.outages.length > 0 ? a.outages : null;
    }, 20_000);
    expect(outages).toHaveLength(1);
    expect(outages[0]!.start).toBe(secondSince);
    expect(outages[0]!.start).toBeGreaterThan(confirmedDownSince('nagoya')!);
    expect(outages[0]!.locations?.sort()).toEqual(['nagoya', 'osaka']);
    await waitFor(async () => (await componentStatus()) === 'major_outage', 20_000);
    // The worker raises the alarm from the quorum: from the second location's confirmed failure, naming both.
    const alarm = await waitFor(() => q<{ startedAt: number; message: string } | undefined>(
      "SELECT started_at AS startedAt, message FROM alarms WHERE kind = 'outage' AND monitor_id = ?", monitorId), 20_000);
    expect(alarm.startedAt).toBe(secondSince);
    expect(alarm.message).toBe('confirmed from nagoya, osaka');
  }, 120_000);

  it('the site down for two minutes: the agent keeps its results and sends them in order afterwards', async () => {
    const tokyo = locationIds.tokyo!;
    await site!.stop();
    const downFrom = Date.now();
    await new Promise((r) => setTimeout(r, 120_000));
    const downUntil = Date.now();
    expect(q<{ n: number }>('SELECT count(*) AS n FROM location_checks WHERE location_id = ? AND at > ?', tokyo, downFrom + 5000).n).toBe(0);
    expect(agents.tokyo!.output()).toContain('agent.send_failed');
    site = await startSite({ DATABASE_PATH: t.path, PORT: String(sitePort) });
    await waitFor(() => q<{ n: number }>('SELECT count(*) AS n FROM location_checks WHERE location_id = ? AND at > ?', tokyo, downUntil).n > 0, 30_000);
    await waitFor(() => readdirSync(spool('tokyo')).filter((f) => f.startsWith('batch-')).length === 0, 30_000);
    // Every 5 s while the site was away: about 24 checks, none missing, all in one run in time order.
    const during = q<{ n: number }>('SELECT count(*) AS n FROM location_checks WHERE location_id = ? AND at >= ? AND at < ?', tokyo, downFrom, downUntil).n;
    expect(during).toBeGreaterThanOrEqual(22);
    expect(q<{ n: number }>('SELECT count(*) AS n FROM location_check_gaps WHERE location_id = ?', tokyo).n).toBe(0);
    const runs = t.db.$client.prepare('SELECT status, count FROM location_check_runs WHERE location_id = ?').all(tokyo) as { status: number; count: number }[];
    const total = q<{ n: number }>('SELECT count(*) AS n FROM location_checks WHERE location_id = ?', tokyo).n;
    expect(runs).toEqual([{ status: 0, count: total }]);
    expect(agents.tokyo!.output()).not.toContain('out_of_order');
  }, 240_000);
});
