import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { systemActor } from '../../src/lib/audit';
import { startSite } from '../../tests/helpers/site';
import { tempDir } from '../../tests/helpers/temp';
import { cpuSeconds, crowd, memoryMb, pct } from './proc';
import { startAgentSender, type AgentSender } from './agent-sender';

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
  const r = await crowd(url, seconds, 20, 'gzip');
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

    const cpu0 = cpuSeconds(pid);
    const t0 = Date.now();
    const senders = agents.map((a, k) => startAgentSender(site.url, a.token, ids, { intervalS: INTERVAL_S, everyMs: BATCH_EVERY_MS, offsetMs: (k * BATCH_EVERY_MS) / AGENTS }));
    await new Promise((r) => setTimeout(r, Math.max(0, DURATION_S - CROWD_S - 2) * 1000));
    const cpuIngest = ((cpuSeconds(pid) - cpu0) / ((Date.now() - t0) / 1000)) * 100;
    const quietUntil = senders.map((s) => s.latencies.length);
    const quietLatencies = senders.flatMap((s, k) => s.latencies.slice(0, quietUntil[k]));
    // Rounds of the crowd with agents sending and with them paused, in turn, so a drift of
    // the machine over the run weighs on both alike.
    const busy: Awaited<ReturnType<typeof crowdWithCpu>>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      busy.push(await crowdWithCpu(pageUrl, CROWD_S, pid));
      for (const s of senders) s.paused = true;
      // The last batch's changes are rendered before the quiet round.
      await new Promise((r) => setTimeout(r, 3000));
      quiet.push(await crowdWithCpu(pageUrl, CROWD_S, pid));
      for (const s of senders) s.paused = false;
      await new Promise((r) => setTimeout(r, 6000));
    }
    await Promise.all(senders.map((s) => s.stop()));
    const sum = (f: (s: AgentSender) => number) => senders.reduce((a, s) => a + f(s), 0);
    const wallS = (Date.now() - t0) / 1000;

    console.log(`agents: ${AGENTS} × ${MONITORS} monitors every ${INTERVAL_S} s, a batch every ${BATCH_EVERY_MS / 1000} s each, ${wallS.toFixed(0)} s`);
    const stored = sum((s) => s.stored);
    console.log(`batches: ${sum((s) => s.latencies.length)}, refused: ${sum((s) => s.failures)}, resent after a closed keep-alive connection: ${sum((s) => s.resets)}, results stored: ${stored.toLocaleString('en')} (${(stored / wallS).toFixed(1)}/s)`);
    console.log(`ingest latency per batch, no crowd: p50 ${pct(quietLatencies, 0.5).toFixed(1)} ms, p99 ${pct(quietLatencies, 0.99).toFixed(1)} ms, max ${Math.max(...quietLatencies).toFixed(1)} ms (${quietLatencies.length} batches)`);
    const crowded = senders.flatMap((s, k) => s.latencies.slice(quietUntil[k]));
    console.log(`ingest latency per batch, around the page crowds: p50 ${pct(crowded, 0.5).toFixed(1)} ms, p99 ${pct(crowded, 0.99).toFixed(1)} ms (${crowded.length} batches)`);
    console.log(`site CPU while agents send (no crowd): ${cpuIngest.toFixed(1)} % of one core; site RSS ${memoryMb(pid).toFixed(0)} MB`);
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
