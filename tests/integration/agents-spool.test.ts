import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { systemActor } from '../../src/lib/audit';
import { AGENT_BATCH_BODY_LIMIT } from '../../src/lib/auth/body-limit';
import { DEAD_LETTER_FILE, type DeadLetter } from '../../src/lib/agents/spool';
import { startSite, waitFor, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { freePort, startAgent, type RunningAgent } from './agents-fixture';

/**
 * An agent's results survive the site's absence: a real agent spools while the site is
 * stopped, and once it is back every result arrives, through a proxy that refuses large
 * bodies (413, as nginx's client_max_body_size would) so the agent must cut its batch. What
 * the site refuses for good lands in the dead-letter file beside the spool, with its reason,
 * and in the agent's health; nothing is thrown away.
 */
const MONITORS = 200;
/** The proxy's body limit: a spool of a thousand results is larger. */
const PROXY_BODY_LIMIT = 64 * 1024;
const HOUR = 3_600_000;

describe('the agent keeps every result through the site\'s absence', () => {
  const dir = tempDir('agent-spool-');
  const dbPath = join(dir.dir, 'status.db');
  const spoolDir = join(dir.dir, 'spool');
  const env: Record<string, string> = { DATABASE_PATH: dbPath, PROBE: 'off' };
  let db: Db;
  let site: RunningSite | null = null;
  let agent: RunningAgent | null = null;
  let target: ReturnType<typeof createNetServer>;
  let proxy: Server;
  let proxyUrl = '';
  const proxied = { tooLarge: 0, passed: 0 };
  let osaka = { id: 0, token: '' };
  let nagoya = { id: 0, token: '' };
  let extraMonitor = 0;
  let firstMonitor = 0;

  beforeAll(async () => {
    // The targets: a TCP port that accepts (every check is up).
    target = createNetServer((s) => s.end());
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const targetPort = (target.address() as AddressInfo).port;
    db = openDatabase(dbPath);
    importInterchange(db, validateInterchange({
      version: 1,
      services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }],
      monitors: [
        ...Array.from({ length: MONITORS }, (_, i) => ({ slug: `m${i}`, service: 'web', type: 'tcp' as const, target: `127.0.0.1:${targetPort}`, interval_s: 5, confirm: 2, counts_for_availability: true })),
        { slug: 'extra', service: 'web', type: 'tcp' as const, target: `127.0.0.1:${targetPort}`, interval_s: 60, confirm: 2, counts_for_availability: true },
      ],
    }));
    const actor = systemActor('test');
    const a = addAgent(db, actor, { name: 'osaka', labelJa: '大阪' });
    const b = addAgent(db, actor, { name: 'nagoya', labelJa: '名古屋' });
    osaka = { id: a.location.id, token: a.token };
    nagoya = { id: b.location.id, token: b.token };
    const ids = db.$client.prepare('SELECT id, slug FROM monitors ORDER BY id').all() as { id: number; slug: string }[];
    for (const m of ids) {
      if (m.slug === 'extra') setMonitorLocations(db, actor, m.id, ['nagoya'], null);
      else setMonitorLocations(db, actor, m.id, ['osaka'], null);
    }
    extraMonitor = ids.find((m) => m.slug === 'extra')!.id;
    firstMonitor = ids[0]!.id;
    env.PORT = String(await freePort());
    site = await startSite(env);

    // A proxy before the site that refuses bodies over its limit, and answers 502 while the site is away.
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (body.length > PROXY_BODY_LIMIT) {
          proxied.tooLarge++;
          res.writeHead(413, { 'content-type': 'text/html' });
          res.end('<html><body><h1>413 Request Entity Too Large</h1></body></html>');
          return;
        }
        proxied.passed++;
        const up = request({ host: '127.0.0.1', port: Number(env.PORT), method: req.method, path: req.url, headers: { ...req.headers, 'content-length': String(body.length) } }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        up.on('error', () => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/html' });
          res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        });
        up.end(body);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await site?.stop();
    proxy?.close();
    target?.close();
    db?.$client.close();
    dir.remove();
  });

  const post = (token: string, body: unknown) => fetch(`${site!.url}/api/agent/v1/results`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const result = (monitorId: number, at: number, error: string | null = null) => ({ monitor_id: monitorId, at: new Date(at).toISOString(), status: error ? 'down' : 'up', latency_ms: error ? null : 4, error });

  it('the front door takes a batch as large as the agent API does, and refuses a result stamped in the future with its reason', async () => {
    const now = Date.now();
    // 3,000 results with their errors: over a megabyte, under the API's 8 MB.
    const results = Array.from({ length: 3000 }, (_, i) => result(extraMonitor, now - 2 * HOUR + i * 1000, `connection refused ${'x'.repeat(300)}`));
    const big = { batch_id: randomUUID(), sent_at: new Date(now).toISOString(), results };
    expect(JSON.stringify(big).length).toBeGreaterThan(1024 * 1024);
    const res = await post(nagoya.token, big);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, stored: 3000 });

    // Declared over the limit: refused at once, before it is read.
    const over = await new Promise<string>((done, fail) => {
      const s = connect(Number(new URL(site!.url).port), '127.0.0.1', () => {
        s.write(`POST /api/agent/v1/results HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${nagoya.token}\r\nContent-Type: application/json\r\nContent-Length: ${AGENT_BATCH_BODY_LIMIT + 1}\r\n\r\n{`);
      });
      let got = '';
      s.on('data', (d) => { got += d.toString('latin1'); if (got.includes('\r\n\r\n')) { s.destroy(); done(got); } });
      s.on('error', fail);
    });
    expect(over).toMatch(/^HTTP\/1\.1 413 /);

    // Stamped 30 s after the agent's own clock said it sent the batch: refused, the entry named.
    const count = () => (db.$client.prepare('SELECT count(*) AS n FROM location_checks WHERE location_id = ?').get(nagoya.id) as { n: number }).n;
    const before = count();
    const future = await post(nagoya.token, { batch_id: randomUUID(), sent_at: new Date(now).toISOString(), results: [result(extraMonitor, now - 500), result(extraMonitor, now + 30_000)] });
    expect(future.status).toBe(422);
    const answer = await future.json() as { code: string; error: string; refused: unknown[] };
    expect(answer.code).toBe('future_result');
    expect(answer.error).toMatch(/later than the batch's sent_at .*clock offset/);
    expect(answer.refused).toEqual([{ list: 'results', index: 1, code: 'future_result', error: answer.error }]);
    expect(count()).toBe(before);
  });

  it('spools through a stop of the site, cuts a batch a proxy refuses as too large, and sets aside what the site refuses', async () => {
    // A result the agent held for longer than the site takes (as after days away): set aside, not lost.
    mkdirSync(spoolDir, { recursive: true });
    const stale = result(firstMonitor, Date.now() - 100 * HOUR);
    writeFileSync(join(spoolDir, 'current.jsonl'), `${JSON.stringify({ k: 'r', ...stale })}\n`);
    agent = startAgent(['--site', proxyUrl, '--token', osaka.token, '--spool', spoolDir]);
    const stored = () => new Set((db.$client.prepare('SELECT monitor_id AS m, at FROM location_checks WHERE location_id = ?').all(osaka.id) as { m: number; at: number }[]).map((r) => `${r.m}@${r.at}`));
    await waitFor(() => stored().size >= MONITORS, 60_000);
    const deadLetterPath = join(spoolDir, DEAD_LETTER_FILE);
    await waitFor(() => existsSync(deadLetterPath), 30_000);
    const dead = readFileSync(deadLetterPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DeadLetter);
    expect(dead).toEqual([{ refused_at: expect.any(String), code: 'too_old', error: expect.stringMatching(/older than 72 h/), entry: { k: 'r', ...stale } }]);

    // The site stops; the agent goes on checking into its spool.
    await site!.stop();
    site = null;
    const spooled = () => {
      const out: string[] = [];
      for (const f of readdirSync(spoolDir)) {
        if (f === 'current.jsonl') {
          for (const line of readFileSync(join(spoolDir, f), 'utf8').split('\n')) {
            if (!line) continue;
            const e = JSON.parse(line) as { k: string; monitor_id: number; at: string };
            if (e.k === 'r') out.push(`${e.monitor_id}@${Date.parse(e.at)}`);
          }
        } else if (/^batch-.*\.json$/.test(f)) {
          for (const r of (JSON.parse(readFileSync(join(spoolDir, f), 'utf8')) as { results: { monitor_id: number; at: string }[] }).results) out.push(`${r.monitor_id}@${Date.parse(r.at)}`);
        }
      }
      return out;
    };
    await waitFor(() => spooled().length >= 1100, 120_000, 1000);
    const waiting = spooled();
    expect(waiting.length).toBeGreaterThanOrEqual(1100);

    // Back on the same address: every result that waited arrives.
    site = await startSite(env);
    await waitFor(() => {
      const have = stored();
      return waiting.every((k) => have.has(k));
    }, 120_000, 1000);
    expect(proxied.tooLarge).toBeGreaterThanOrEqual(1);
    expect(agent.output()).toContain('agent.batch_split');
    expect(agent.output()).not.toContain('"will_retry":false');

    // The agent says what it set aside, in its health as the site shows it.
    await waitFor(() => {
      const health = JSON.parse((db.$client.prepare('SELECT health FROM probe_locations WHERE id = ?').get(osaka.id) as { health: string }).health) as Record<string, unknown>;
      return health.dead_letter_results === 1 && String(health.last_refusal).startsWith('too_old: ');
    }, 30_000);
  }, 400_000);
});
