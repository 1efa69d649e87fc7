import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { startSite } from '../../tests/helpers/site';
import { tempDir } from '../../tests/helpers/temp';

/**
 * Visitors must never slow the probe. Runs the site as `npm start` does (the probe in its
 * own process) with MONITORS HTTP monitors every INTERVAL_S seconds against a local target,
 * first quiet, then with 50 clients hammering the public page, and compares how late checks
 * ran (the spread of the time between a monitor's consecutive checks around its interval)
 * and whether any check failed. Prints the figures; exits 1 if the crowd made any check fail
 * or pushed the p99 lateness past 1 s.
 *
 *   ASTRO_OUT_DIR=dist-bench npx astro build && ASTRO_OUT_DIR=dist-bench npx tsx scripts/bench/probe-under-crowd.ts
 */
const MONITORS = Number(process.env.MONITORS ?? 200);
const INTERVAL_S = Number(process.env.INTERVAL_S ?? 10);
const PHASE_S = Number(process.env.PHASE_S ?? 40);
const root = resolve(import.meta.dirname, '../..');

function crowd(url: string, seconds: number): Promise<{ rps: number; p99: number }> {
  const child = spawn(process.execPath, [join(root, 'node_modules/autocannon/autocannon.js'), '-c', '50', '-d', String(seconds), '-j', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((done) => child.on('exit', () => {
    const r = JSON.parse(out) as { requests: { average: number }; latency: { p99: number } };
    done({ rps: r.requests.average, p99: r.latency.p99 });
  }));
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

async function main(): Promise<void> {
  const target = createServer((_q, r) => r.end('ok'));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
  const dir = tempDir('bench-probe-crowd-');
  const dbPath = join(dir.dir, 'status.db');
  const db = openDatabase(dbPath);
  importInterchange(db, validateInterchange({
    version: 1,
    services: [{ slug: 'web', name: { ja: 'ウェブ', en: 'Web' }, sla_target_pct: 99.9 }],
    monitors: Array.from({ length: MONITORS }, (_, i) => ({
      slug: `m-${i}`, service: 'web', type: 'http', target: targetUrl, interval_s: INTERVAL_S, timeout_s: 5, confirm: 2, counts_for_availability: true,
    })),
  }));
  const site = await startSite({ DATABASE_PATH: dbPath, LOG_LEVEL: 'error' });
  try {
    // Let every monitor reach its slot, then measure a quiet phase and a crowded one.
    await new Promise((r) => setTimeout(r, (INTERVAL_S + 12) * 1000));
    const quietFrom = Date.now();
    await new Promise((r) => setTimeout(r, PHASE_S * 1000));
    const crowdFrom = Date.now();
    const load = await crowd(`${site.url}/`, PHASE_S);
    const crowdTo = Date.now();
    await new Promise((r) => setTimeout(r, 2000)); // the last batch is written
    const phase = (from: number, to: number) => {
      const rows = db.$client.prepare('SELECT monitor_id AS m, at, status FROM checks WHERE at >= ? AND at < ? ORDER BY monitor_id, at').all(from - INTERVAL_S * 1000, to) as { m: number; at: number; status: number }[];
      const lateness: number[] = [];
      let failed = 0;
      for (let i = 1; i < rows.length; i++) {
        const a = rows[i - 1]!;
        const b = rows[i]!;
        if (b.at < from) continue;
        if (b.status !== 0) failed++;
        if (a.m === b.m) lateness.push(Math.abs(b.at - a.at - INTERVAL_S * 1000));
      }
      lateness.sort((x, y) => x - y);
      return { checks: lateness.length, failed, p50: percentile(lateness, 0.5), p99: percentile(lateness, 0.99), max: lateness[lateness.length - 1] ?? NaN };
    };
    const quiet = phase(quietFrom, crowdFrom);
    const crowded = phase(crowdFrom, crowdTo);
    console.log(`probe under a crowd: ${MONITORS} HTTP monitors every ${INTERVAL_S} s, ${PHASE_S} s per phase, 2 cores shared by site, probe, target and load generator`);
    console.log(`quiet:   ${quiet.checks} checks, ${quiet.failed} failed, spread around the interval p50 ${quiet.p50} ms, p99 ${quiet.p99} ms, max ${quiet.max} ms`);
    console.log(`crowded: ${crowded.checks} checks, ${crowded.failed} failed, spread around the interval p50 ${crowded.p50} ms, p99 ${crowded.p99} ms, max ${crowded.max} ms`);
    console.log(`crowd on /: ${Math.round(load.rps)} req/s, p99 ${load.p99} ms`);
    if (crowded.failed > 0 || crowded.p99 >= 1000 || crowded.checks === 0) process.exitCode = 1;
  } finally {
    await site.stop();
    db.$client.close();
    target.close();
    dir.remove();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
