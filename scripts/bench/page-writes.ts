import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { openDatabase } from '../../src/lib/db';
import { loadConfig } from '../../src/lib/config';
import { processRollups } from '../../src/lib/checks/rollups';
import { startSite } from '../../tests/helpers/site';
import { tempDir } from '../../tests/helpers/temp';
import { seedYear } from './page-seed';
import { crowd, type CrowdResult } from './proc';

/**
 * The page's speed must not fall as the probe writes more. 90 days of 60 s checks for 10
 * monitors, plus 1,000 more HTTP monitors every 60 s against a local target (about 16
 * checks a second, written by the worker as `npm start` runs it); 50 connections on `/` for
 * DURATION_S (30) seconds, taking turns with a bare node:http hello-world in the same run
 * (H S H S H S H), ROUNDS (3) site rounds with the probe on, then the same with PROBE=off.
 * Prints each round's requests/s as a ratio of the bare rounds on either side (a hello-world,
 * and a bare server answering the very bytes of the page), p99, the serving thread's CPU,
 * and the probe-on figures against the probe-off ones.
 * Goal: ≥ 0.4 of bare node, p99 < 20 ms, probe on within 10 % of probe off.
 *
 *   npm run build && npx tsx scripts/bench/page-writes.ts
 */
const DURATION_S = Number(process.env.DURATION_S ?? 30);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const EXTRA_MONITORS = Number(process.env.EXTRA_MONITORS ?? 1000);

/** The crowd of every round: 50 connections for DURATION_S seconds. */
const pageCrowd = (url: string, seconds = DURATION_S): Promise<CrowdResult> => crowd(url, seconds, 50);

function startHello(): Promise<{ child: ChildProcess; url: string }> {
  return startBare(`(q, s) => { s.writeHead(200, {'content-type': 'text/plain'}); s.end('hello world'); }`);
}

/**
 * A bare node:http server answering the very bytes the site answers for `url` (its headers
 * and brotli body, taken once): the crowd's client then reads the same amount from both, so
 * the ratio to it is the site's own cost per request. The client (autocannon, one thread)
 * reading a 5 KB page is itself the limit long before a bare server is, so the ratio to the
 * hello-world mostly measures the client.
 */
async function startSameBytes(url: string): Promise<{ child: ChildProcess; url: string }> {
  const res = await fetch(url, { headers: { 'accept-encoding': 'br' } });
  const body = Buffer.from(await res.arrayBuffer());
  const headers = [...res.headers].filter(([k]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(k)).flat();
  // fetch decodes the body: send it encoded again, as the site does.
  const { brotliCompressSync } = await import('node:zlib');
  const encoded = res.headers.get('content-encoding') === 'br' ? brotliCompressSync(body) : body;
  const fixed = headers.map((v, i) => (i % 2 === 1 && headers[i - 1] === 'content-length' ? String(encoded.length) : v));
  return startBare(`((h, b) => (q, s) => { s.writeHead(200, h); s.end(b); })(${JSON.stringify(fixed)}, Buffer.from(${JSON.stringify(encoded.toString('base64'))}, 'base64'))`);
}

function startBare(handler: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', `require('node:http').createServer(${handler}).listen(0, '127.0.0.1', function () { console.log('listening ' + this.address().port); });`], { stdio: ['ignore', 'pipe', 'inherit'] });
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

interface Mode { ratios: number[]; sameBytes: number[]; p99s: number[]; rps: number[]; checksPerS: number; servingCpu: number[] }

/** CPU seconds the process's main (serving) thread has used. */
function threadCpuS(pid: number): number {
  const f = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function mode(dbPath: string, helloUrl: string, probe: 'on' | 'off'): Promise<Mode> {
  const site = await startSite({ DATABASE_PATH: dbPath, PROBE: probe, LOG_LEVEL: 'error' });
  const db = openDatabase(dbPath, { migrate: false, readonly: true });
  const countChecks = () => db.$client.prepare('SELECT count(*) FROM checks').pluck().get() as number;
  try {
    // With the probe on, every monitor reaches its slot within its first interval.
    if (probe === 'on') await new Promise((r) => setTimeout(r, 65_000));
    await pageCrowd(`${site.url}/`, 3);
    const same = await startSameBytes(`${site.url}/`);
    try {
      const checksBefore = countChecks();
      const t0 = Date.now();
      const hellos: CrowdResult[] = [await pageCrowd(helloUrl)];
      const bares: CrowdResult[] = [await pageCrowd(same.url)];
      const out: Mode = { ratios: [], sameBytes: [], p99s: [], rps: [], checksPerS: 0, servingCpu: [] };
      for (let r = 0; r < ROUNDS; r++) {
        const cpu0 = threadCpuS(site.process.pid!);
        const w0 = performance.now();
        const s = await pageCrowd(`${site.url}/`);
        out.servingCpu.push((threadCpuS(site.process.pid!) - cpu0) / ((performance.now() - w0) / 1000));
        hellos.push(await pageCrowd(helloUrl));
        bares.push(await pageCrowd(same.url));
        const h = (hellos[r]!.rps + hellos[r + 1]!.rps) / 2;
        const b = (bares[r]!.rps + bares[r + 1]!.rps) / 2;
        out.ratios.push(s.rps / h);
        out.sameBytes.push(s.rps / b);
        out.p99s.push(s.p99);
        out.rps.push(s.rps);
        process.stdout.write(`probe ${probe.padEnd(3)} round ${r + 1}: hello-world ${h.toFixed(0).padStart(6)} req/s | bare, same bytes ${b.toFixed(0).padStart(6)} req/s | / ${s.rps.toFixed(0).padStart(6)} req/s p50 ${s.p50} ms p99 ${s.p99} ms errors ${s.errors} non-2xx ${s.non2xx}, serving thread ${(out.servingCpu[r]! * 100).toFixed(0)} % of a core | ratio ${(s.rps / h).toFixed(2)} to hello-world, ${(s.rps / b).toFixed(2)} to the same bytes\n`);
      }
      out.checksPerS = (countChecks() - checksBefore) / ((Date.now() - t0) / 1000);
      return out;
    } finally {
      same.child.kill('SIGTERM');
    }
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
    const list = (xs: number[]) => `${xs.map((x) => x.toFixed(2)).join(' / ')} (mean ${mean(xs).toFixed(2)})`;
    process.stdout.write(`\nprobe on:  ${on.checksPerS.toFixed(1)} checks/s written; ${mean(on.rps).toFixed(0)} req/s; ratio to bare node serving the same bytes ${list(on.sameBytes)}, to a hello-world ${list(on.ratios)}; p99 ${on.p99s.join(' / ')} ms\n`);
    process.stdout.write(`probe off: ${mean(off.rps).toFixed(0)} req/s; ratio to bare node serving the same bytes ${list(off.sameBytes)}, to a hello-world ${list(off.ratios)}; p99 ${off.p99s.join(' / ')} ms\n`);
    // Judged on requests/s of the page itself: the bare servers' own figures move with what else runs (the worker).
    const within = mean(on.rps) / mean(off.rps);
    process.stdout.write(`probe on / probe off: ${within.toFixed(2)} of the page's requests/s\n`);
    const ok = mean(on.sameBytes) >= 0.4 && Math.max(...on.p99s, ...off.p99s) < 20 && within >= 0.9;
    process.stdout.write(`goal (≥ 0.4 of bare node serving the same bytes, p99 < 20 ms, probe on within 10 % of off): ${ok ? 'met' : 'NOT met'}; against a hello-world the mean ratio is ${mean(on.ratios).toFixed(2)} (the client, one thread reading 5 KB answers, is the limit there)\n`);
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
