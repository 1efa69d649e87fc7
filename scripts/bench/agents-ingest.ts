import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
 * page under a crowd (autocannon, 20 connections, CROWD_S s): once before the agents start, then
 * ROUNDS rounds with them sending and with them paused (they keep their results meanwhile),
 * in turn; the mean of the rounds with agents is judged against the mean of those paused.
 *
 *   npm run build && npx tsx scripts/bench/agents-ingest.ts
 */
const MONITORS = Number(process.env.MONITORS ?? 1000);
const AGENTS = 3;
const INTERVAL_S = 60;
const BATCH_EVERY_MS = 5000;
const DURATION_S = Number(process.env.DURATION_S ?? 120);
const CROWD_S = Number(process.env.CROWD_S ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
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

/** CPU seconds of each of the process's threads, by thread id. */
function threadCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(Number(tid), (Number(f[11]) + Number(f[12])) / 100);
    } catch { /* the thread ended */ }
  }
  return out;
}

/** The crowd, with the site's CPU over it: the serving (main) thread and the rest of the process. */
async function crowdWithCpu(url: string, seconds: number, pid: number): Promise<{ rps: number; p99: number; bytes: number; servingPct: number; restPct: number }> {
  const before = threadCpu(pid);
  const t0 = performance.now();
  const r = await crowd(url, seconds);
  const wall = (performance.now() - t0) / 1000;
  const after = threadCpu(pid);
  let serving = 0;
  let rest = 0;
  for (const [tid, s] of after) {
    const used = s - (before.get(tid) ?? 0);
    if (tid === pid) serving += used;
    else rest += used;
  }
  return { ...r, servingPct: (serving / wall) * 100, restPct: (rest / wall) * 100 };
}

function crowd(url: string, seconds: number): Promise<{ rps: number; p99: number; bytes: number }> {
  const bin = join(root, 'node_modules/autocannon/autocannon.js');
  const child = spawn(process.execPath, [bin, '-c', '20', '-d', String(seconds), '-H', 'accept-encoding: gzip', '-j', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((done) => child.on('exit', () => {
    const r = JSON.parse(out) as { requests: { average: number }; throughput: { average: number }; latency: { p99: number } };
    done({ rps: r.requests.average, p99: r.latency.p99, bytes: r.throughput.average / r.requests.average });
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
    const quiet = [await crowdWithCpu(pageUrl, CROWD_S, pid)];

    const latencies: number[] = [];
    let failures = 0;
    let stored = 0;
    let resets = 0;
    let sending = true;
    // Paused, an agent keeps its results and sends them on resuming, as a real one's spool does.
    let paused = false;
    const sendLoop = async (token: string, offset: number) => {
      await new Promise((r) => setTimeout(r, offset));
      let windowStart = Date.now() - BATCH_EVERY_MS;
      while (sending) {
        if (paused) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
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
    // Rounds of the crowd with agents sending and with them paused, in turn, so a drift of
    // the machine over the run weighs on both alike.
    const busy: Awaited<ReturnType<typeof crowdWithCpu>>[] = [];
    const crowdedFrom = latencies.length;
    for (let r = 0; r < ROUNDS; r++) {
      busy.push(await crowdWithCpu(pageUrl, CROWD_S, pid));
      paused = true;
      // The last batch's changes are rendered before the quiet round.
      await new Promise((r) => setTimeout(r, 3000));
      quiet.push(await crowdWithCpu(pageUrl, CROWD_S, pid));
      paused = false;
      await new Promise((r) => setTimeout(r, 6000));
    }
    sending = false;
    await Promise.all(loops);
    const wallS = (Date.now() - t0) / 1000;

    console.log(`agents: ${AGENTS} × ${MONITORS} monitors every ${INTERVAL_S} s, a batch every ${BATCH_EVERY_MS / 1000} s each, ${wallS.toFixed(0)} s`);
    console.log(`batches: ${latencies.length}, refused: ${failures}, resent after a closed keep-alive connection: ${resets}, results stored: ${stored.toLocaleString('en')} (${(stored / wallS).toFixed(1)}/s)`);
    console.log(`ingest latency per batch, no crowd: p50 ${pct(quietLatencies, 0.5).toFixed(1)} ms, p99 ${pct(quietLatencies, 0.99).toFixed(1)} ms, max ${Math.max(...quietLatencies).toFixed(1)} ms (${quietLatencies.length} batches)`);
    const crowded = latencies.slice(crowdedFrom);
    console.log(`ingest latency per batch, around the page crowds: p50 ${pct(crowded, 0.5).toFixed(1)} ms, p99 ${pct(crowded, 0.99).toFixed(1)} ms (${crowded.length} batches)`);
    console.log(`site CPU while agents send (no crowd): ${cpuIngest.toFixed(1)} % of one core; site RSS ${rssMb(pid)} MB`);
    const cpu = (c: { servingPct: number; restPct: number }) => `serving thread ${c.servingPct.toFixed(0)} %, rest of the site ${c.restPct.toFixed(0)} %`;
    const line = (what: string, c: { rps: number; p99: number; bytes: number; servingPct: number; restPct: number }) => console.log(`  ${what.padEnd(20)} ${c.rps.toFixed(0).padStart(6)} req/s, p99 ${c.p99} ms, ${(c.bytes / 1024).toFixed(1)} KB an answer (${cpu(c)})`);
    console.log(`public page under a crowd (${CROWD_S} s, 20 connections):`);
    line('before agents', quiet[0]!);
    for (let r = 0; r < ROUNDS; r++) {
      line(`round ${r + 1}, agents send`, busy[r]!);
      line(`round ${r + 1}, agents wait`, quiet[r + 1]!);
    }
    const mean = (xs: { rps: number }[]) => xs.reduce((a, x) => a + x.rps, 0) / xs.length;
    // Judged on the rounds in turn; the round before the agents started (a younger process, a
    // smaller database) is printed beside it.
    const change = (mean(busy) / mean(quiet.slice(1)) - 1) * 100;
    const againstFirst = (mean(busy) / quiet[0]!.rps - 1) * 100;
    console.log(`page while agents send against while they wait (means of ${busy.length} rounds each): ${change.toFixed(1)} %; goal, no drop over 10 %: ${change >= -10 ? 'met' : 'NOT met'} (against the round before agents: ${againstFirst.toFixed(1)} %)`);
  } finally {
    await site.stop();
    // RENDER_TRACE=1: the render thread's cycles, as the site printed them.
    if (process.env.RENDER_TRACE) process.stderr.write(site.output());
    dir.remove();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
