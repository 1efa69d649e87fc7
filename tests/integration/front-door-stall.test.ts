import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange } from '../../src/lib/interchange/import';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { systemActor } from '../../src/lib/audit';
import { FORWARDED_PER_CLIENT } from '../../src/lib/status/forward-gate';
import { FORM_READ_WITHIN_MS } from '../../src/lib/auth/body-limit';
import { startSite, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { pageFixture } from './page-fixture';

/**
 * One client cannot stall the others: slow request bodies are read at the front door before
 * they take one of the few sockets into the site, one address has a few requests in the site
 * at most, and a flood of one-off public addresses never keeps the status page's reader
 * waiting. Real sockets against the built site; bounds generous for a loaded machine and
 * far below what a stalled site takes (tens of seconds).
 */
const ATTACKER = '203.0.113.7';
/** What a person or an agent waits at most here for an answer that needs no render. */
const ANSWER_WITHIN_MS = 3_000;

describe('one client cannot stall the site', () => {
  const dir = tempDir('front-door-');
  let site: RunningSite;
  let db: Db;
  let token = '';
  let monitorId = 0;

  beforeAll(async () => {
    const path = join(dir.dir, 'status.db');
    db = openDatabase(path);
    const world = pageFixture();
    world.monitors!.push({ slug: 'agent-check', service: 'web', type: 'tcp', target: '127.0.0.1:9', interval_s: 60, confirm: 2, counts_for_availability: true });
    importInterchange(db, world);
    const actor = systemActor('test');
    const agent = addAgent(db, actor, { name: 'osaka', labelJa: '大阪' });
    token = agent.token;
    monitorId = (db.$client.prepare("SELECT id FROM monitors WHERE slug = 'agent-check'").get() as { id: number }).id;
    setMonitorLocations(db, actor, monitorId, ['local', 'osaka'], null);
    // Behind a proxy on this machine: X-Forwarded-For names the client, as nginx sends it.
    writeFileSync(join(dir.dir, 'config.json'), JSON.stringify({ trusted_proxies: ['127.0.0.1'] }));
    site = await startSite({ DATABASE_PATH: path, PROBE: 'off', CONFIG_PATH: join(dir.dir, 'config.json') });
    // The site has served these before the attack (its first request of a route loads the route).
    for (const path of ['/login', '/healthz', '/support/']) await (await fetch(`${site.url}${path}`)).arrayBuffer();
    await (await fetch(`${site.url}/api/agent/v1/assignment`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer();
  });
  afterAll(async () => {
    await site?.stop();
    db?.$client.close();
    dir.remove();
  });

  /** A POST whose 4 KB body trickles in, a byte every 300 ms, until the site answers. */
  const slowPost = (path: string, client: string) => new Promise<{ status: number; retryAfter: string | null; afterMs: number }>((done, fail) => {
    const { port } = new URL(site.url);
    const started = Date.now();
    const s = connect(Number(port), '127.0.0.1');
    let got = '';
    let trickle: NodeJS.Timeout | undefined;
    s.on('connect', () => {
      s.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${site.url}\r\nX-Forwarded-For: ${client}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\nemail=`);
      trickle = setInterval(() => s.writable && s.write('a'), 300);
    });
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (!got.includes('\r\n\r\n')) return;
      clearInterval(trickle);
      s.destroy();
      done({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1]), retryAfter: /\r\nretry-after: *(\S+)/i.exec(got)?.[1] ?? null, afterMs: Date.now() - started });
    });
    s.on('error', (err) => {
      clearInterval(trickle);
      fail(err);
    });
  });

  /** Sends GETs of `paths` at once on one connection; resolves with the answers' statuses. */
  const pipelined = (paths: string[]) => new Promise<number[]>((done, fail) => {
    const { port } = new URL(site.url);
    const s = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('connect', () => s.write(paths.map((p, i) => `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join('')));
    s.on('data', (d) => chunks.push(d));
    s.on('error', fail);
    s.setTimeout(60_000, () => s.destroy(new Error('no answer in 60 s')));
    s.on('close', () => done([...Buffer.concat(chunks).toString('latin1').matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))));
  });

  const timed = async (what: string, go: () => Promise<Response>) => {
    const started = Date.now();
    const res = await go();
    await res.arrayBuffer();
    return { what, status: res.status, ms: Date.now() - started };
  };
  const from = (client: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': client, ...headers });

  it('64 slow request bodies (sign-in, the support form) from one client hold nothing: sign-in, /healthz and the agent API answer at once', async () => {
    const slow = Array.from({ length: 64 }, (_, i) => slowPost(i % 2 ? '/login' : '/support/', ATTACKER));
    await new Promise((r) => setTimeout(r, 500));
    const signal = () => AbortSignal.timeout(20_000);
    const batch = {
      batch_id: randomUUID(), sent_at: new Date().toISOString(),
      results: [{ monitor_id: monitorId, at: new Date(Date.now() - 1000).toISOString(), status: 'up', latency_ms: 3, error: null }],
    };
    const others = await Promise.all([
      timed('GET /login', () => fetch(`${site.url}/login`, { headers: from('198.51.100.1'), signal: signal() })),
      timed('GET /healthz', () => fetch(`${site.url}/healthz`, { headers: from('198.51.100.2'), signal: signal() })),
      timed('GET assignment', () => fetch(`${site.url}/api/agent/v1/assignment`, { headers: from('198.51.100.3', { authorization: `Bearer ${token}` }), signal: signal() })),
      timed('POST results', () => fetch(`${site.url}/api/agent/v1/results`, {
        method: 'POST', headers: from('198.51.100.3', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }), body: JSON.stringify(batch), signal: signal(),
      })),
    ]);
    expect(others.map((o) => [o.what, o.status])).toEqual([['GET /login', 200], ['GET /healthz', expect.any(Number)], ['GET assignment', 200], ['POST results', 200]]);
    expect([200, 503]).toContain(others[1]!.status); // 503 only because the probe is off here
    for (const o of others) expect(o.ms, `${o.what} took ${o.ms} ms`).toBeLessThan(ANSWER_WITHIN_MS);

    // The attacker: a few requests at once at most (the rest told to come back), and those
    // few answered 408 once their body has not arrived within the deadline.
    const answers = await Promise.all(slow);
    const refused = answers.filter((a) => a.status === 429);
    const late = answers.filter((a) => a.status === 408);
    expect(refused).toHaveLength(64 - FORWARDED_PER_CLIENT);
    expect(late).toHaveLength(FORWARDED_PER_CLIENT);
    for (const a of refused) {
      expect(a.retryAfter).toMatch(/^\d+$/);
      expect(a.afterMs).toBeLessThan(ANSWER_WITHIN_MS);
    }
    for (const a of late) {
      expect(a.afterMs).toBeGreaterThanOrEqual(FORM_READ_WITHIN_MS - 500);
      expect(a.afterMs).toBeLessThan(FORM_READ_WITHIN_MS + ANSWER_WITHIN_MS);
    }
    // Once they are gone, the same address is served again.
    expect((await fetch(`${site.url}/login`, { headers: from(ATTACKER) })).status).toBe(200);
  }, 60_000);

  it('a flood of unknown incident addresses does not keep the next reader of the status page waiting', async () => {
    // The data changed since the page was rendered (as a check the probe writes): its next
    // reader, the first in a while, asks for a new render.
    db.$client.prepare("UPDATE services SET name_en = 'Public website (renamed)' WHERE slug = 'web'").run();
    // 1,500 addresses, pipelined over 30 connections (as a crawler or a script sends them).
    const flood = Array.from({ length: 30 }, (_, c) => pipelined(Array.from({ length: 50 }, (_, i) => `/incidents/${900_000 + c * 50 + i}`)));
    await new Promise((r) => setTimeout(r, 1000));
    const page = await timed('GET /', () => fetch(`${site.url}/`, { signal: AbortSignal.timeout(30_000) }));
    expect(page.status).toBe(200);
    expect(page.ms, `the status page took ${page.ms} ms`).toBeLessThan(ANSWER_WITHIN_MS);
    const statuses = (await Promise.all(flood)).flat();
    expect(statuses).toHaveLength(1500);
    // Each unknown address: its "not found" page, or "being prepared" once too many were asked at once.
    expect(statuses.every((s) => s === 404 || s === 503)).toBe(true);
    // And the status page renders the change soon after.
    const until = Date.now() + 20_000;
    let fresh = '';
    while (Date.now() < until && !fresh.includes('Public website (renamed)')) {
      fresh = await (await fetch(`${site.url}/en/`)).text();
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(fresh).toContain('Public website (renamed)');
  }, 90_000);
});
