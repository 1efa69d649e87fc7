import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { loadConfig } from '../../src/lib/config';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { systemActor } from '../../src/lib/audit';
import { phaseOf } from '../../src/lib/probe/phase-scheduler';
import { statusPageData } from '../../src/lib/status/page-data';
import { RENDER_EVERY_MS } from '../../src/lib/status/renderer';
import { listServices, serviceAvailability } from '../../src/lib/sla/figures';
import { renderReport } from '../../src/lib/report/issue';
import { monthOf, monthPeriod } from '../../src/lib/time';
import { startSite, waitFor } from '../../tests/helpers/site';
import { tempDir } from '../../tests/helpers/temp';
import { childrenOf, cpuSeconds, crowd, memoryMb, pct } from './proc';
import { startAgentSender, type AgentSender } from './agent-sender';

/**
 * How every cost grows with the number of monitors. For each size: that many HTTP monitors at
 * 60 s in 10 services, each checked from the site's own probe ("local") and from two agents
 * with a quorum of 2, against a local target (a node:http server of its own on 127.0.0.1).
 * The site runs as `npm start` runs it (site and worker); the two agents are simulated (each
 * posts its results of the last 5 s every 5 s, as a real one does). After WARMUP seconds (every
 * monitor has reached its phase) the size is held for HOLD seconds, then measured while it
 * all keeps running: the public page under 50 connections, page data, a month's SLA and PDF.
 *
 *   npm run build && npx tsx scripts/bench/growth.ts [--sizes 100,1000,3000,10000] [--hold-s 300] [--warmup-s 70] [--crowd-s 20]
 *
 * Prints per size: worker and site CPU (share of one core over the hold) and own (anonymous)
 * memory at its end; the local probe's check lag p50/p99 (start against the monitor's slot);
 * the agents' ingest latency p99 per batch; database bytes per stored check and per day;
 * page-data rebuild time; a month's availability for one service; a month's PDF; the page's
 * req/s and p99 at 50 connections. The month holds only the checks of this run.
 */
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const SIZES = arg('sizes', '100,1000,3000,10000').split(',').map(Number);
const HOLD_S = Number(arg('hold-s', '300'));
const WARMUP_S = Number(arg('warmup-s', '70'));
const CROWD_S = Number(arg('crowd-s', '20'));
/** `--profile DIR`: the site's and the worker's main threads write V8 CPU profiles there when they stop (cpu-profile-preload.cjs). */
const PROFILE_DIR = arg('profile', '');
if (SIZES.some((n) => !Number.isInteger(n) || n < 10 || n > 50_000) || !(HOLD_S >= 10 && HOLD_S <= 3600) || !(WARMUP_S >= 65 && WARMUP_S <= 600) || !(CROWD_S >= 1 && CROWD_S <= 120)) {
  process.stderr.write('usage: growth.ts [--sizes N,N,… (10–50000)] [--hold-s 10–3600] [--warmup-s 65–600: a whole interval, so every monitor is on its slot] [--crowd-s 1–120]\n');
  process.exit(2);
}
const INTERVAL_S = 60;
const AGENTS = 2;
const QUORUM = 2;
const SERVICES = 10;
const BATCH_EVERY_MS = 5000;
const DAY_S = 86_400;

interface SizeFigures {
  monitors: number;
  workerCpuPct: number; workerAnonMb: number; siteCpuPct: number; siteAnonMb: number; siteRssMb: number;
  /** Own memory sampled every 5 s through the hold. */
  workerAnonOverHold: Spread; siteAnonOverHold: Spread;
  lagP50: number; lagP99: number; localChecks: number; localExpected: number;
  ingestP99: number; batches: number; refused: number; refusals: Record<string, number>;
  bytesPerCheck: number; bytesPerDay: number; checksPerDay: number;
  pageData: Timing; sla: Timing; pdf: Timing; pdfKb: number;
  rps: number; p99: number; p50: number; crowdErrors: number;
}

interface Spread { min: number; median: number; max: number }

function spread(xs: number[]): Spread {
  return { min: Math.min(...xs), median: pct(xs, 0.5), max: Math.max(...xs) };
}

/** The checked target: a node:http server in a process of its own, so its CPU is nobody's figure. */
function startTarget(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', `
    const s = require('node:http').createServer((q, r) => { r.setHeader('content-type', 'text/html'); r.end('<html><body>ok</body></html>'); });
    s.keepAliveTimeout = 1000;
    s.listen(0, '127.0.0.1', () => console.log('listening ' + s.address().port));
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, fail) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) done({ child, url: `http://127.0.0.1:${m[1]}/` });
    });
    child.once('exit', (code) => fail(new Error(`target exited ${code}`)));
  });
}

interface Timing { ms: number; cpuMs: number; maxMs: number; firstMs: number }

/**
 * The median and longest wall time of `runs` calls after a first one (timed too: for the
 * page data it is the cold rebuild), `gapMs` apart, and the median CPU time this process
 * used for one: on a busy machine the wall time also counts waiting for a core.
 */
async function timed(runs: number, fn: () => unknown, gapMs = 0): Promise<Timing> {
  const t0 = performance.now();
  await fn();
  const firstMs = performance.now() - t0;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    wall.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  return { ms: pct(wall, 0.5), cpuMs: pct(cpu, 0.5), maxMs: Math.max(...wall), firstMs };
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

async function measureSize(monitors: number, targetUrl: string): Promise<SizeFigures> {
  const dir = tempDir('status-bench-growth-');
  const dbPath = join(dir.dir, 'status.db');
  try {
    const setup = openDatabase(dbPath);
    importInterchange(setup, validateInterchange({
      version: 1,
      services: Array.from({ length: SERVICES }, (_, s) => ({ slug: `svc-${s}`, name: { ja: `サービス${s}` }, sla_target_pct: 99.9 })),
      monitors: Array.from({ length: monitors }, (_, i) => ({
        slug: `m-${i}`, service: `svc-${i % SERVICES}`, type: 'http' as const, target: `${targetUrl}${i}`, interval_s: INTERVAL_S, confirm: 2, counts_for_availability: true,
      })),
    }));
    const agents = Array.from({ length: AGENTS }, (_, k) => addAgent(setup, systemActor('bench'), { name: `agent-${k}` }));
    const ids = setup.$client.prepare('SELECT id FROM monitors ORDER BY id').pluck().all() as number[];
    const locations = ['local', ...agents.map((a) => a.location.slug)];
    for (const id of ids) setMonitorLocations(setup, systemActor('bench'), id, locations, QUORUM);
    setup.$client.close();

    const site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'on', LOG_LEVEL: 'error', ...(PROFILE_DIR ? { NODE_OPTIONS: `--require ${join(import.meta.dirname, 'cpu-profile-preload.cjs')}`, BENCH_PROFILE_DIR: join(PROFILE_DIR, String(monitors)) } : {}) });
    const sitePid = site.process.pid!;
    const senders: AgentSender[] = [];
    const db = openDatabase(dbPath, { migrate: false, readonly: true });
    const q = db.$client;
    const config = loadConfig(process.env.CONFIG_PATH);
    try {
      // The front door listens before the site behind it has loaded: the agents start once it answers.
      await waitFor(async () => (await fetch(`${site.url}/`).then(async (r) => (await r.arrayBuffer(), r.status === 200))), 120_000, 500);
      senders.push(...agents.map((a, k) => startAgentSender(site.url, a.token, ids, { intervalS: INTERVAL_S, everyMs: BATCH_EVERY_MS, offsetMs: (k * BATCH_EVERY_MS) / AGENTS })));
      await sleep(WARMUP_S);
      const workerPids = () => childrenOf(sitePid);
      const workerCpu = () => workerPids().reduce((a, pid) => a + cpuSeconds(pid), 0);
      const workerAnon = () => workerPids().reduce((a, pid) => a + memoryMb(pid, 'RssAnon'), 0);
      // Bytes the database's pages hold, each page's unused space left out: a short hold adds
      // less than the pages already allocated and partly empty would show.
      const usedBytes = () => q.prepare('SELECT sum(pgsize - unused) FROM dbstat').pluck().get() as number;
      const storedChecks = () => (q.prepare('SELECT (SELECT count(*) FROM checks) + (SELECT count(*) FROM location_checks)').pluck().get() as number);

      const batchesBefore = senders.map((s) => s.latencies.length);
      const refusedBefore = senders.map((s) => ({ ...s.refusals }));
      const bytes0 = usedBytes();
      const checks0 = storedChecks();
      const site0 = cpuSeconds(sitePid);
      const worker0 = workerCpu();
      const t0 = Date.now();
      // Own memory sampled through the hold: a node process's memory is a sawtooth (garbage
      // piles up until a full collection), so one reading at the end can be anywhere on it.
      const workerSamples: number[] = [];
      const siteSamples: number[] = [];
      while (Date.now() - t0 < HOLD_S * 1000) {
        await sleep(Math.min(5, HOLD_S - (Date.now() - t0) / 1000));
        workerSamples.push(workerAnon());
        siteSamples.push(memoryMb(sitePid, 'RssAnon'));
      }
      const wallS = (Date.now() - t0) / 1000;
      const siteCpuPct = ((cpuSeconds(sitePid) - site0) / wallS) * 100;
      const workerCpuPct = ((workerCpu() - worker0) / wallS) * 100;
      const siteAnonMb = siteSamples.at(-1)!;
      const siteRssMb = memoryMb(sitePid);
      const workerAnonMb = workerSamples.at(-1)!;
      // The worker writes its checks in batches: the last ones of the hold are in by now.
      await sleep(3);
      const written = storedChecks() - checks0;
      const bytes = usedBytes() - bytes0;
      // A day at the steady state: every monitor checked from every location once an interval
      // (the hold's own count also holds the batches of its edges).
      const checksPerDay = monitors * (1 + AGENTS) * (DAY_S / INTERVAL_S);

      // The local probe's lag: a check's start against its monitor's slot on the phase. A
      // start stamped a millisecond before its slot (the stamp is rounded) is early, not 60 s late;
      // a check more than half an interval late would read as early, but then checks go missing
      // from the count due, which is printed beside it.
      const local = q.prepare('SELECT monitor_id AS id, at FROM checks WHERE at >= ? AND at < ?').all(t0, t0 + wallS * 1000) as { id: number; at: number }[];
      const intervalMs = INTERVAL_S * 1000;
      const lags = local.map((c) => {
        const sinceSlot = (((c.at - phaseOf(c.id, intervalMs)) % intervalMs) + intervalMs) % intervalMs;
        return sinceSlot > intervalMs / 2 ? sinceSlot - intervalMs : sinceSlot;
      });
      // Refused in the hold alone, as the latencies are.
      const refusals = senders.reduce<Record<string, number>>((all, s, k) => {
        for (const [why, n] of Object.entries(s.refusals)) {
          if (n > (refusedBefore[k]![why] ?? 0)) all[why] = (all[why] ?? 0) + n - (refusedBefore[k]![why] ?? 0);
        }
        return all;
      }, {});
      const ingest = senders.flatMap((s, k) => s.latencies.slice(batchesBefore[k]));

      const now = Date.now();
      const ctx = { db, config, now };
      // As the site rebuilds it: every 2 s (RENDER_EVERY_MS), the checks of those 2 s written in between.
      const pageData = await timed(15, () => statusPageData({ db, config, now: Date.now() }), RENDER_EVERY_MS);
      const service = listServices(db)[0]!;
      const month = monthOf(now, config.zone);
      const sla = await timed(5, () => serviceAvailability(ctx, service, monthPeriod(month, config.zone)));
      let pdfKb = 0;
      const pdf = await timed(3, async () => { pdfKb = (await renderReport(db, config, month, now)).pdf.length / 1024; });

      // A warm-up request. Fetch may pick a kept-alive socket of the agents' posts that the site is
      // closing just then (its keep-alive timeout): that is the client's race, so it is tried once more.
      await fetch(`${site.url}/`).catch(() => fetch(`${site.url}/`)).then((r) => r.arrayBuffer());
      const page = await crowd(`${site.url}/`, CROWD_S, 50);
      return {
        monitors, workerCpuPct, workerAnonMb, siteCpuPct, siteAnonMb, siteRssMb,
        workerAnonOverHold: spread(workerSamples), siteAnonOverHold: spread(siteSamples),
        lagP50: pct(lags, 0.5), lagP99: pct(lags, 0.99), localChecks: local.length, localExpected: Math.round((monitors * wallS) / INTERVAL_S),
        ingestP99: pct(ingest, 0.99), batches: ingest.length, refused: Object.values(refusals).reduce((a, n) => a + n, 0),
        refusals,
        bytesPerCheck: bytes / written, bytesPerDay: (bytes / written) * checksPerDay, checksPerDay,
        pageData, sla, pdf, pdfKb,
        rps: page.rps, p99: page.p99, p50: page.p50, crowdErrors: page.errors + page.non2xx,
      };
    } catch (err) {
      // What the site said before it failed (its errors are logged).
      console.error(site.output().slice(-4000));
      throw err;
    } finally {
      await Promise.all(senders.map((s) => s.stop()));
      db.$client.close();
      await site.stop();
    }
  } finally {
    dir.remove();
  }
}

function report(f: SizeFigures): void {
  const mb = (n: number) => `${n.toFixed(0)} MB`;
  console.log(`== ${f.monitors.toLocaleString('en')} monitors × ${1 + AGENTS} locations (quorum ${QUORUM}) at ${INTERVAL_S} s, held ${HOLD_S} s`);
  const over = (x: Spread) => `${x.min.toFixed(0)} / ${x.median.toFixed(0)} / ${x.max.toFixed(0)} MB`;
  console.log(`  worker: CPU ${f.workerCpuPct.toFixed(1)} % of a core, own memory ${mb(f.workerAnonMb)} at the end (over the hold, least / median / most ${over(f.workerAnonOverHold)})`);
  console.log(`  site:   CPU ${f.siteCpuPct.toFixed(1)} % of a core, own memory ${mb(f.siteAnonMb)} at the end (${over(f.siteAnonOverHold)}; RSS ${mb(f.siteRssMb)})`);
  console.log(`  check lag (local probe): p50 ${f.lagP50} ms, p99 ${f.lagP99} ms; ${f.localChecks} checks of ${f.localExpected} due in the hold`);
  console.log(`  agents' ingest: p99 ${f.ingestP99.toFixed(0)} ms a batch (${f.batches} batches, ${f.refused} refused${f.refused ? `: ${Object.entries(f.refusals).map(([why, n]) => `${n} × ${why}`).join(', ')}` : ''})`);
  console.log(`  database: ${f.bytesPerCheck.toFixed(0)} B per stored check (all tables), ${(f.bytesPerDay / 1e6).toFixed(0)} MB per day (${Math.round(f.checksPerDay).toLocaleString('en')} checks due a day)`);
  const t = (x: Timing) => `${x.ms.toFixed(0)} ms (${x.cpuMs.toFixed(0)} ms of CPU)`;
  console.log(`  page data rebuild ${t(f.pageData)}, longest ${f.pageData.maxMs.toFixed(0)} ms, first (cold) ${f.pageData.firstMs.toFixed(0)} ms; one service's month SLA ${t(f.sla)}; month PDF ${t(f.pdf)}, ${f.pdfKb.toFixed(0)} KB`);
  console.log(`  public page at 50 connections, ${CROWD_S} s: ${f.rps.toFixed(0)} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms, ${f.crowdErrors} errors`);
}

async function main(): Promise<void> {
  const target = await startTarget();
  const stopTarget = () => { if (target.child.exitCode === null) target.child.kill('SIGTERM'); };
  // The target is a process of its own: it ends with the bench, however the bench ends.
  process.once('exit', stopTarget);
  process.once('SIGINT', () => process.exit(130));
  const rows: SizeFigures[] = [];
  try {
    console.log(`sizes ${SIZES.join(', ')}; warm-up ${WARMUP_S} s, hold ${HOLD_S} s, crowd ${CROWD_S} s; ${cpus().length} cores, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    for (const size of SIZES) {
      const f = await measureSize(size, target.url);
      rows.push(f);
      report(f);
    }
  } finally {
    stopTarget();
  }
  console.log(`\nload average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log('| monitors | worker CPU | worker own MB | site CPU | site own MB | lag p50 / p99 ms | ingest p99 ms | B / check | MB / day | page data ms (CPU) | SLA month ms (CPU) | PDF ms (CPU) | page req/s | page p99 ms |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const cell = (x: Timing) => `${x.ms.toFixed(0)} (${x.cpuMs.toFixed(0)})`;
  for (const f of rows) {
    console.log(`| ${f.monitors.toLocaleString('en')} | ${f.workerCpuPct.toFixed(1)} % | ${f.workerAnonMb.toFixed(0)} | ${f.siteCpuPct.toFixed(1)} % | ${f.siteAnonMb.toFixed(0)} | ${f.lagP50} / ${f.lagP99} | ${f.ingestP99.toFixed(0)} | ${f.bytesPerCheck.toFixed(0)} | ${(f.bytesPerDay / 1e6).toFixed(0)} | ${cell(f.pageData)} | ${cell(f.sla)} | ${cell(f.pdf)} | ${f.rps.toFixed(0)} | ${f.p99} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
