import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { loadConfig } from '../../src/lib/config';
import { processRollups } from '../../src/lib/checks/rollups';
import { tempDir } from '../../tests/helpers/temp';
import { seedYear } from './page-seed';
import { childrenOf, cpuSeconds, memoryMb } from './proc';

/**
 * The footprint in production: the built site (node build/start.mjs, no compiler loaded)
 * with its worker, on 90 days of 60 s checks for 10 monitors. Prints the time from `node`
 * starting to the first page answered, then the resident memory of the site and of the
 * worker once idle, with the load average (the first page's wall time follows the machine's
 * load; the CPU the site used until then does not). Goal: < 1.5 s to the first page, ≤ 150 MB for both
 * together (node's binary and libraries counted once: see below).
 *
 *   npm run build && npx tsx scripts/bench/footprint.ts
 *
 * ROUNDS (default 3) starts; IDLE_S (default 20) seconds of idling before memory is read.
 */
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const IDLE_S = Number(process.env.IDLE_S ?? 20);
const root = resolve(import.meta.dirname, '../..');

/**
 * PSS: the process's share of the memory it maps, each page shared with other processes
 * counted in part (node's own binary is one copy on the machine, however many run it). The
 * site's and the worker's PSS add up to what the two take from the machine together.
 */
function pssMb(pid: number): number {
  const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function firstPage(url: string, until: number): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch { /* not listening yet */ }
    if (Date.now() > until) throw new Error('no page in 30 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Round { firstMs: number; firstCpuS: number; site: number; worker: number; siteAnon: number; workerAnon: number; sitePss: number; workerPss: number }

async function round(dbPath: string, port: number): Promise<Round> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'build/start.mjs')], {
    cwd: root, env: { ...process.env, DATABASE_PATH: dbPath, HOST: '127.0.0.1', PORT: String(port), PROBE: 'on', LOG_LEVEL: 'warn', NODE_ENV: 'production' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await firstPage(`http://127.0.0.1:${port}/`, Date.now() + 30_000);
    const firstMs = performance.now() - t0;
    const firstCpuS = cpuSeconds(child.pid!);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const workers = childrenOf(child.pid!);
    const worker = workers.reduce((a, pid) => a + memoryMb(pid), 0);
    // RssAnon: the process's own memory, without the pages of node's binary and libraries,
    // which every node process on the machine shares.
    const workerAnon = workers.reduce((a, pid) => a + memoryMb(pid, 'RssAnon'), 0);
    const workerPss = workers.reduce((a, pid) => a + pssMb(pid), 0);
    return { firstMs, firstCpuS, site: memoryMb(child.pid!), worker, siteAnon: memoryMb(child.pid!, 'RssAnon'), workerAnon, sitePss: pssMb(child.pid!), workerPss };
  } finally {
    await new Promise<void>((done) => { child.once('exit', () => done()); child.kill('SIGTERM'); });
  }
}

async function main(): Promise<void> {
  const dir = tempDir('status-footprint-');
  const dbPath = join(dir.dir, 'status.db');
  try {
    const n = seedYear(dbPath, Date.now(), 90);
    const db = openDatabase(dbPath, { migrate: false });
    while (processRollups(db, loadConfig(process.env.CONFIG_PATH).zone, Date.now(), 100_000).hours > 0);
    db.$client.close();
    process.stdout.write(`seeded ${n.toLocaleString('en')} checks (10 monitors, 90 days, 60 s)\n`);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const rows: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const x = await round(dbPath, port);
      rows.push(x);
      process.stdout.write(`round ${r + 1}: first page ${x.firstMs.toFixed(0)} ms after node started (${x.firstCpuS.toFixed(2)} s of CPU by the site until then) | idle RSS site ${x.site.toFixed(0)} MB + worker ${x.worker.toFixed(0)} MB = ${(x.site + x.worker).toFixed(0)} MB (own memory without shared code: ${x.siteAnon.toFixed(0)} + ${x.workerAnon.toFixed(0)} = ${(x.siteAnon + x.workerAnon).toFixed(0)} MB) | PSS ${x.sitePss.toFixed(0)} + ${x.workerPss.toFixed(0)} = ${(x.sitePss + x.workerPss).toFixed(0)} MB\n`);
    }
    const worstFirst = Math.max(...rows.map((x) => x.firstMs));
    const worstMem = Math.max(...rows.map((x) => x.site + x.worker));
    // Together: the site's whole RSS plus the worker's own (anonymous) memory. The worker's
    // file pages are node's binary and the same libraries the site maps, one copy on the
    // machine, already in the site's RSS; the sum of the two RSS counts them twice (about
    // 50 MB). PSS splits shared pages among every process mapping them, other node
    // processes of the machine included, so it is printed but not judged.
    const together = (x: Round) => x.site + x.workerAnon;
    const worstTogether = Math.max(...rows.map(together));
    process.stdout.write(`load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${(await import('node:os')).cpus().length} cores\n`);
    process.stdout.write(`worst: first page ${worstFirst.toFixed(0)} ms (goal < 1500), site + worker together ${worstTogether.toFixed(0)} MB (site RSS + worker's own memory; goal ≤ 150), ${worstMem.toFixed(0)} MB as the sum of each one's RSS\n`);
    process.exitCode = worstFirst < 1500 && worstTogether <= 150 ? 0 : 1;
  } finally {
    dir.remove();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
