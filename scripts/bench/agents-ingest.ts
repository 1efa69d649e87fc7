import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { systemActor } from '../../src/lib/audit';
import { startSite } from '../../tests/helpers/site';
import { tempDir } from '../../tests/helpers/temp';

/**
 * Ingest of probe agents into one site as `npm start` serves it: 1,000 monitors checked
 * every 60 s from 3 agent locations. Three simulated agents post what real ones would (each
 * result of the last 5 s, one batch every 5 s each: about 83 results a batch) over HTTP to
 * /api/agent/v1/results for DURATION_S seconds. Prints the ingest latency (p50, p99, max),
 * results stored, and the site process's CPU (share of one core) and memory. Then the public
 * page under a crowd (autocannon, 20 connections, CROWD_S s) without and with agents sending.
 *
 *   npm run build && npx tsx scripts/bench/agents-ingest.ts
 */
const MONITORS = Number(process.env.MONITORS ?? 1000);
const AGENTS = 3;
const INTERVAL_S = 60;
const BATCH_EVERY_MS = 5000;
const DURATION_S = Number(process.env.DURATION_S ?? 120);
const CROWD_S = Number(process.env.CROWD_S ?? 8);
const root = resolve(import.meta.dirname, '../..');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
};

/** CPU seconds (user + system) the process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function crowd(url: string, seconds: number): Promise<{ rps: number; p99: number }> {
  const bin = join(root, 'node_modules/autocannon/autocannon.js');
  const child = spawn(process.execPath, [bin, '-c', '20', '-d', String(seconds), '-H', 'accept-encoding: gzip', '-j', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((done) => child.on('exit', () => {
    const r = JSON.parse(out) as { requests: { average: number }; latency: { p99: number } };
    done({ rps: r.requests.average, p99: r.latency.p99 });
  }));
}

async function main(): Promise<void> {
  const dir = tempDir('status-bench-agents-');
  const dbPath = join(dir.dir, 'status.db');
  const db = openDatabase(dbPath);
  importInterchange(db, validateInterchange({
    version: 1,
    services: Array.from({ length: 10 }, (_, s) => ({ slug: `svc-${s}`, name: { ja: `サービス${s}` }, sla_target_pct: 99.9 })),
    monitors: Array.from({ length: MONITORS }, (_, i) => ({
      slug: `m-${i}`, service: `svc-${i % 10}`, type: 'http' as const, target: `http://127.0.0.1:9/${i}`, interval_s: INTERVAL_S, confirm: 2, counts_for_availability: true,
    })),
  }));
  const agents = Array.from({ length: AGENTS }, (_, k) => addAgent(db, systemActor('bench'), { name: `agent-${k}` }));
  const ids = db.$client.prepare('SELECT id FROM monitors ORDER BY id').pluck().all() as number[];
  for (const id of ids) setMonitorLocations(db, systemActor('bench'), id, agents.map((a) => a.location.slug), null);
  db.$client.close();

  // The agents' monitors are not the local probe's, so the worker only runs its jobs.
  const site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'on', LOG_LEVEL: 'error' });
  const pid = site.process.pid!;
  const pageUrl = `${site.url}/`;
  try {
    await fetch(pageUrl);
    const quiet = await crowd(pageUrl, CROWD_S);

    const latencies: number[] = [];
    let failures = 0;
    let stored = 0;
    let resets = 0;
    let sending = true;
    const sendLoop = async (token: string, offset: number) => {
      await new Promise((r) => setTimeout(r, offset));
      let windowStart = Date.now() - BATCH_EVERY_MS;
      while (sending) {
        const windowEnd = Date.now();
        const results = [];
        // Each monitor is checked once per interval, at its own phase.
        for (const id of ids) {
          const phase = (id * 7919) % (INTERVAL_S * 1000);
          for (let at = windowStart - ((windowStart - phase) % (INTERVAL_S * 1000)) + INTERVAL_S * 1000 - INTERVAL_S * 1000; at < windowEnd; at += INTERVAL_S * 1000) {
            if (at >= windowStart) results.push({ monitor_id: id, at: new Date(at).toISOString(), status: id % 97 === 0 ? 'down' : 'up', latency_ms: id % 97 === 0 ? null : 80 + (id % 50), error: id % 97 === 0 ? 'connect ECONNREFUSED' : null });
          }
        }
        windowStart = windowEnd;
        const body = JSON.stringify({ batch_id: randomUUID(), sent_at: new Date().toISOString(), results, controls: [{ at: new Date().toISOString(), ok: true }], health: { spool_results: 0 } });
        const post = () => fetch(`${site.url}/api/agent/v1/results`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
        const t0 = performance.now();
        // A kept-alive connection the server closed at the same moment is sent again at once, as the agent does.
        const res = await post().catch(() => (resets++, post()));
        const answer = await res.json() as { ok: boolean; stored?: number };
        latencies.push(performance.now() - t0);
        if (!answer.ok) failures++;
        else stored += answer.stored ?? 0;
        await new Promise((r) => setTimeout(r, Math.max(0, BATCH_EVERY_MS - (Date.now() - windowEnd))));
      }
    };
    const cpu0 = cpuSeconds(pid);
    const t0 = Date.now();
    const loops = agents.map((a, k) => sendLoop(a.token, (k * BATCH_EVERY_MS) / AGENTS));
    await new Promise((r) => setTimeout(r, Math.max(0, DURATION_S - CROWD_S - 2) * 1000));
    const cpuIngest = ((cpuSeconds(pid) - cpu0) / ((Date.now() - t0) / 1000)) * 100;
    const quietLatencies = [...latencies];
    const busy = await crowd(pageUrl, CROWD_S);
    sending = false;
    await Promise.all(loops);
    const wallS = (Date.now() - t0) / 1000;

    console.log(`agents: ${AGENTS} × ${MONITORS} monitors every ${INTERVAL_S} s, a batch every ${BATCH_EVERY_MS / 1000} s each, ${wallS.toFixed(0)} s`);
    console.log(`batches: ${latencies.length}, refused: ${failures}, resent after a closed keep-alive connection: ${resets}, results stored: ${stored.toLocaleString('en')} (${(stored / wallS).toFixed(1)}/s)`);
    console.log(`ingest latency per batch, no crowd: p50 ${pct(quietLatencies, 0.5).toFixed(1)} ms, p99 ${pct(quietLatencies, 0.99).toFixed(1)} ms, max ${Math.max(...quietLatencies).toFixed(1)} ms (${quietLatencies.length} batches)`);
    const crowded = latencies.slice(quietLatencies.length);
    console.log(`ingest latency per batch, during the page crowd: p50 ${pct(crowded, 0.5).toFixed(1)} ms, p99 ${pct(crowded, 0.99).toFixed(1)} ms (${crowded.length} batches)`);
    console.log(`site CPU while agents send (no crowd): ${cpuIngest.toFixed(1)} % of one core; site RSS ${rssMb(pid)} MB`);
    console.log(`public page under a crowd: ${quiet.rps.toFixed(0)} req/s without agents, ${busy.rps.toFixed(0)} req/s while agents send (${((busy.rps / quiet.rps - 1) * 100).toFixed(1)} %); p99 ${quiet.p99} → ${busy.p99} ms`);
  } finally {
    await site.stop();
    dir.remove();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
