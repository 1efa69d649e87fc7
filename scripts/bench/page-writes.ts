import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { loadConfig } from '../../src/lib/config';
import { processRollups } from '../../src/lib/checks/rollups';
import { startSite } from '../../tests/helpers/site';
import { tempDir } from '../../tests/helpers/temp';
import { seedYear } from './page-seed';

/**
 * The page's speed must not fall as the probe writes more. 90 days of 60 s checks for 10
 * monitors, plus 1,000 more HTTP monitors every 60 s against a local target (about 16
 * checks a second, written by the worker as `npm start` runs it); 50 connections on `/` for
 * DURATION_S (30) seconds, taking turns with a bare node:http hello-world in the same run
 * (H S H S H S H), ROUNDS (3) site rounds with the probe on, then the same with PROBE=off.
 * Prints each round's requests/s as a ratio of the hello-world rounds on either side, p99,
 * and the probe-on figures against the probe-off ones.
 * Goal: ≥ 0.4 of bare node, p99 < 20 ms, probe on within 10 % of probe off.
 *
 *   npm run build && npx tsx scripts/bench/page-writes.ts
 */
const DURATION_S = Number(process.env.DURATION_S ?? 30);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const EXTRA_MONITORS = Number(process.env.EXTRA_MONITORS ?? 1000);
const root = resolve(import.meta.dirname, '../..');

interface Result { rps: number; p99: number; p50: number; errors: number; non2xx: number }

function crowd(url: string, seconds = DURATION_S): Promise<Result> {
  const child = spawn(process.execPath, [join(root, 'node_modules/autocannon/autocannon.js'), '-c', '50', '-d', String(seconds), '-H', 'accept-encoding: gzip, deflate, br', '-j', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((done, fail) => child.on('exit', () => {
    try {
      const r = JSON.parse(out) as { requests: { average: number }; latency: { p99: number; p50: number }; errors: number; non2xx: number };
      done({ rps: r.requests.average, p99: r.latency.p99, p50: r.latency.p50, errors: r.errors, non2xx: r.non2xx });
    } catch (err) {
      fail(err);
    }
  }));
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

interface Mode { ratios: number[]; p99s: number[]; rps: number[]; checksPerS: number }

async function mode(dbPath: string, helloUrl: string, probe: 'on' | 'off'): Promise<Mode> {
  const site = await startSite({ DATABASE_PATH: dbPath, PROBE: probe, LOG_LEVEL: 'error' });
  const db = openDatabase(dbPath, { migrate: false, readonly: true });
  const countChecks = () => db.$client.prepare('SELECT count(*) FROM checks').pluck().get() as number;
  try {
    // With the probe on, every monitor reaches its slot within its first interval.
    if (probe === 'on') await new Promise((r) => setTimeout(r, 65_000));
    await crowd(`${site.url}/`, 3);
    const checksBefore = countChecks();
    const t0 = Date.now();
    const hellos: Result[] = [await crowd(helloUrl)];
    const out: Mode = { ratios: [], p99s: [], rps: [], checksPerS: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      const s = await crowd(`${site.url}/`);
      hellos.push(await crowd(helloUrl));
      const h = (hellos[r]!.rps + hellos[r + 1]!.rps) / 2;
      out.ratios.push(s.rps / h);
      out.p99s.push(s.p99);
      out.rps.push(s.rps);
      process.stdout.write(`probe ${probe.padEnd(3)} round ${r + 1}: hello-world ${h.toFixed(0).padStart(6)} req/s | / ${s.rps.toFixed(0).padStart(6)} req/s p50 ${s.p50} ms p99 ${s.p99} ms errors ${s.errors} non-2xx ${s.non2xx} | ratio ${s.rps / h >= 0 ? (s.rps / h).toFixed(2) : '–'}\n`);
    }
    out.checksPerS = (countChecks() - checksBefore) / ((Date.now() - t0) / 1000);
    return out;
  } finally {
    db.$client.close();
    await site.stop();
  }
}

async function main(): Promise<void> {
  const target = createServer((_q, r) => r.end('ok'));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
  const dir = tempDir('bench-page-writes-');
  const dbPath = join(dir.dir, 'status.db');
  const hello = await startHello();
  try {
    const n = seedYear(dbPath, Date.now(), 90, { count: EXTRA_MONITORS, target: targetUrl });
    const db = openDatabase(dbPath, { migrate: false });
    while (processRollups(db, loadConfig(process.env.CONFIG_PATH).zone, Date.now(), 100_000).hours > 0);
    // The 10 monitors of the page check the local target too, beside the 1,000 more.
    db.$client.prepare('UPDATE monitors SET paused = 0, target = ?').run(targetUrl);
    db.$client.close();
    process.stdout.write(`seeded ${n.toLocaleString('en')} checks (10 monitors, 90 days) and ${EXTRA_MONITORS} more monitors at 60 s; 50 connections, ${DURATION_S} s a round\n`);
    const on = await mode(dbPath, hello.url, 'on');
    const off = await mode(dbPath, hello.url, 'off');
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    process.stdout.write(`\nprobe on:  ${on.checksPerS.toFixed(1)} checks/s written; ratio to bare node ${on.ratios.map((x) => x.toFixed(2)).join(' / ')} (mean ${mean(on.ratios).toFixed(2)}); p99 ${on.p99s.join(' / ')} ms\n`);
    process.stdout.write(`probe off: ratio to bare node ${off.ratios.map((x) => x.toFixed(2)).join(' / ')} (mean ${mean(off.ratios).toFixed(2)}); p99 ${off.p99s.join(' / ')} ms\n`);
    const within = mean(on.ratios) / mean(off.ratios);
    process.stdout.write(`probe on / probe off: ${within.toFixed(2)} of the requests/s ratio\n`);
    const ok = mean(on.ratios) >= 0.4 && Math.max(...on.p99s, ...off.p99s) < 20 && within >= 0.9;
    process.stdout.write(`goal (≥ 0.4 of bare node, p99 < 20 ms, probe on within 10 % of off): ${ok ? 'met' : 'NOT met'}\n`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    hello.child.kill('SIGTERM');
    target.close();
    dir.remove();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
