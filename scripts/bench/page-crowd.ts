import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { loadConfig } from '../../src/lib/config';
import { processRollups } from '../../src/lib/checks/rollups';
import { CheckStore } from '../../src/lib/checks/store';
import { startSite } from '../../tests/helpers/site';
import { tempDir } from '../../tests/helpers/temp';
import { seedYear } from './page-seed';

/**
 * A crowd on the status page, served the way `npm start` serves it (scripts/start.ts with
 * the built site and its worker): a year of 60 s checks for 10 monitors, 50 concurrent
 * clients on `/` for DURATION_S seconds, alternating with a bare node:http hello-world on
 * the same machine in the same run (ROUNDS times each). The load generator (autocannon)
 * runs as its own process. While the crowd is there a writer commits a check every second
 * through the check store, as the probe does, so the page keeps being rebuilt. Clients ask
 * for gzip, as browsers do. Prints requests/s of both, the ratio, p50/p99 and the server's
 * memory.
 *
 *   ASTRO_OUT_DIR=dist-bench npx astro build && ASTRO_OUT_DIR=dist-bench npx tsx scripts/bench/page-crowd.ts
 *
 * Seeding a year takes about a minute; BENCH_DB=/path/status.db keeps the seeded database
 * there and reuses it on the next run (it is copied, never written).
 */
const DURATION_S = Number(process.env.DURATION_S ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const CONNECTIONS = 50;
const root = resolve(import.meta.dirname, '../..');

function seeded(path: string): void {
  const t0 = Date.now();
  const n = seedYear(path, Date.now());
  // The worker rolls the checks up as they arrive; a year of them is rolled here at once.
  const db = openDatabase(path, { migrate: false });
  const zone = loadConfig(process.env.CONFIG_PATH).zone;
  while (processRollups(db, zone, Date.now(), 100_000).hours > 0);
  db.$client.close();
  process.stdout.write(`seeded ${n.toLocaleString('en')} checks for 10 monitors with their rollups in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}

function startHello(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => { s.writeHead(200, {'content-type': 'text/plain'}); s.end('hello world'); }).listen(0, '127.0.0.1', function () { console.log('listening ' + this.address().port); });`], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, fail) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) done({ child, url: `http://127.0.0.1:${m[1]}/` });
    });
    child.on('exit', (code) => fail(new Error(`hello-world exited ${code}`)));
  });
}

interface Result { rps: number; p99: number; p50: number; errors: number; non2xx: number; total: number }

function crowd(url: string, seconds = DURATION_S): Promise<Result> {
  const bin = join(root, 'node_modules/autocannon/autocannon.js');
  const child = spawn(process.execPath, [bin, '-c', String(CONNECTIONS), '-d', String(seconds), '-H', 'accept-encoding: gzip, deflate, br', '-j', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((done, fail) => child.on('exit', () => {
    try {
      const r = JSON.parse(out) as { requests: { average: number; total: number }; latency: { p99: number; p50: number }; errors: number; non2xx: number };
      done({ rps: r.requests.average, p99: r.latency.p99, p50: r.latency.p50, errors: r.errors, non2xx: r.non2xx, total: r.requests.total });
    } catch (err) {
      fail(err);
    }
  }));
}

function memMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function main(): Promise<void> {
  const dir = tempDir('status-bench-');
  const dbPath = join(dir.dir, 'status.db');
  const keep = process.env.BENCH_DB;
  if (keep && existsSync(keep)) copyFileSync(keep, dbPath);
  else {
    seeded(dbPath);
    if (keep) copyFileSync(dbPath, keep);
  }
  const hello = await startHello();
  // As npm start runs it: scripts/start.ts, the built site, the probe process with its jobs.
  const site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'on' });
  const siteUrl = `${site.url}/`;
  try {
    // The probe's writes during the run: one check a second, from another connection.
    const writer = openDatabase(dbPath, { migrate: false });
    const store = new CheckStore(writer);
    const ids = writer.$client.prepare('SELECT id FROM monitors ORDER BY id').pluck().all() as number[];
    let n = 0;
    const timer = setInterval(() => {
      if (process.env.WRITER === 'off') return;
      const id = ids[n++ % ids.length]!;
      store.record([{ monitorId: id, at: Date.now(), status: 'up', latencyMs: 140 + (n % 40), error: null }]);
    }, 1000);

    const t = Date.now();
    const first = await fetch(siteUrl);
    process.stdout.write(`first render of / (cold): ${Date.now() - t} ms, ${(await first.arrayBuffer()).byteLength} bytes\n`);
    await crowd(hello.url, 2); // warm up
    await crowd(siteUrl, 3);

    // Hello-world and the site take turns (H S H S … H); each site round is compared with
    // the hello-world rounds on either side of it, so a neighbour's load hits both alike.
    process.stdout.write(`\n${CONNECTIONS} connections, ${DURATION_S} s a round, load generator in its own process, writer ${process.env.WRITER === 'off' ? 'off' : 'on (1 check/s)'}\n`);
    const hellos: Result[] = [await crowd(hello.url)];
    const rows: Array<{ h: number; s: Result }> = [];
    for (let r = 0; r < ROUNDS; r++) {
      const s = await crowd(siteUrl);
      hellos.push(await crowd(hello.url));
      const h = (hellos[r]!.rps + hellos[r + 1]!.rps) / 2;
      rows.push({ h, s });
      process.stdout.write(`round ${r + 1}: hello-world ${h.toFixed(0).padStart(6)} req/s | npm start / ${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  errors ${s.errors} non-2xx ${s.non2xx} | ratio ${(100 * s.rps / h).toFixed(1)} %\n`);
    }
    clearInterval(timer);
    writer.$client.close();
    const helloRps = hellos.reduce((a, x) => a + x.rps, 0) / hellos.length;
    const siteRps = rows.reduce((a, x) => a + x.s.rps, 0) / rows.length;
    const ratios = rows.map((x) => x.s.rps / x.h);
    const meanRatio = ratios.reduce((a, x) => a + x, 0) / ratios.length;
    const worstRatio = Math.min(...ratios);
    const worstP99 = Math.max(...rows.map((x) => x.s.p99));
    process.stdout.write(`\nhello-world (node:http)   ${helloRps.toFixed(0)} req/s (mean of ${hellos.length} rounds), p99 ${Math.max(...hellos.map((x) => x.p99))} ms\n`);
    process.stdout.write(`npm start, GET /           ${siteRps.toFixed(0)} req/s (mean of ${rows.length} rounds), ratio ${(100 * meanRatio).toFixed(1)} % (worst round ${(100 * worstRatio).toFixed(1)} %), p50 ${Math.max(...rows.map((x) => x.s.p50))} ms, p99 ${worstP99} ms (worst round)\n`);
    process.stdout.write(`server memory (scripts/start.ts process): RSS ${memMb(site.process.pid!, 'VmRSS')} MB, peak ${memMb(site.process.pid!, 'VmHWM')} MB\n`);
    const ok = meanRatio >= 0.4 && worstP99 < 50;
    process.stdout.write(`target (>= 40 % of hello-world on average, p99 < 50 ms in every round): ${ok ? 'met' : 'NOT met'}\n`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await site.stop();
    hello.child.kill('SIGTERM');
    dir.remove();
  }
}


main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
