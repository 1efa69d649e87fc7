import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { importInterchange } from '../../src/lib/interchange/import';
import { rebuildDerived } from '../../src/lib/checks/store';
import { tempDir } from '../../tests/helpers/temp';

/**
 * A crowd on the status page: a year of 60 s checks for 10 monitors, 50 concurrent
 * clients on `/` for DURATION_S seconds, against the built site and, in the same run, a
 * bare node:http hello-world. The load generator (autocannon) runs as its own process.
 * While the crowd is there a writer commits a check every second from another connection,
 * as the worker does, so the page keeps being rebuilt. Clients ask for gzip, as browsers
 * do. Prints requests/s, p99 and the site's memory.
 *
 *   ASTRO_OUT_DIR=dist-bench npx astro build && ASTRO_OUT_DIR=dist-bench npx tsx scripts/bench/page-crowd.ts
 */
const DURATION_S = Number(process.env.DURATION_S ?? 10);
const CONNECTIONS = 50;
const root = resolve(import.meta.dirname, '../..');
const MIN = 60_000;
const DAY = 86_400_000;

function seed(path: string, now: number): void {
  const db = openDatabase(path);
  importInterchange(db, {
    version: 1,
    services: [
      { slug: 'awareness', name: { ja: '当事業広報啓発WEBサイト', en: 'Program awareness website' }, sla_target_pct: 99.9 },
      { slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 },
    ],
    monitors: Array.from({ length: 10 }, (_, i) => ({
      slug: `m${i}`, service: i < 5 ? 'awareness' : 'elearning', type: 'http' as const, target: 'http://127.0.0.1:9/',
      interval_s: 60, confirm: 2, counts_for_availability: true, paused: true,
    })),
    incidents: [{
      key: 'bench-1', kind: 'failure', severity: 'major', title: { ja: 'ログイン障害', en: 'Sign-in failure' },
      services: [{ service: 'elearning', impact: 'major_outage' }], started_at: new Date(now - 30 * MIN).toISOString(), force_majeure: false,
      updates: [{ at: new Date(now - 20 * MIN).toISOString(), status: 'investigating', body: { ja: '調査中です。', en: 'Investigating.' } }],
    }],
    maintenances: [{
      key: 'bench-m', category: 'inspection', title: { ja: '定期点検', en: 'Inspection' }, services: ['awareness'],
      announced_at: new Date(now - DAY).toISOString(), scheduled_start: new Date(now + 20 * DAY).toISOString(),
      scheduled_end: new Date(now + 20 * DAY + 2 * 3_600_000).toISOString(), status: 'scheduled',
    }],
  });
  const ids = db.$client.prepare('SELECT id FROM monitors ORDER BY id').pluck().all() as number[];
  const insert = db.$client.prepare('INSERT INTO checks (monitor_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?)');
  const end = Math.floor(now / MIN) * MIN;
  const start = end - 365 * DAY;
  let n = 0;
  for (const id of ids) {
    db.$client.transaction(() => {
      for (let at = start; at <= end; at += MIN) {
        const down = at % (17 * DAY) < 6 * MIN;
        insert.run(id, at, down ? 2 : 0, down ? null : 150 + ((at / MIN) % 97), down ? 'connection refused' : null);
        n++;
      }
    })();
    rebuildDerived(db, id);
  }
  db.$client.close();
  process.stdout.write(`seeded ${n.toLocaleString('en')} checks for ${ids.length} monitors\n`);
}

function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`did not start: ${out}`)), 120_000);
    const on = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) { clearTimeout(timer); done({ child, match: m }); }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', (d) => { out += d; });
    child.on('exit', (code) => fail(new Error(`exited ${code}: ${out}`)));
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

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function hwmMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function main(): Promise<void> {
  const dir = tempDir('status-bench-');
  const dbPath = join(dir.dir, 'status.db');
  const children: ChildProcess[] = [];
  try {
    const t0 = Date.now();
    seed(dbPath, Date.now());
    process.stdout.write(`seeding took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const hello = await startProcess(['-e', `require('node:http').createServer((q, s) => { s.writeHead(200, {'content-type': 'text/plain'}); s.end('hello world'); }).listen(0, '127.0.0.1', function () { console.log('listening ' + this.address().port); });`], {}, /listening (\d+)/);
    children.push(hello.child);
    const helloUrl = `http://127.0.0.1:${hello.match[1]}/`;
    const env = { DATABASE_PATH: dbPath, PROBE: 'off', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn' };
    const site = await startProcess(['--import', 'tsx', 'scripts/start.ts'], env, /Status site at (\S+?)\/?\n/);
    children.push(site.child);
    const front = await startProcess(['--import', 'tsx', 'scripts/bench/page-front.ts'], env, /listening (\d+)/);
    children.push(front.child);
    const siteUrl = `${site.match[1]}/`;
    const frontUrl = `http://127.0.0.1:${front.match[1]}/`;

    // The worker's writes during the run: one check a second, from another connection.
    const writer = openDatabase(dbPath, { migrate: false });
    const write = writer.$client.prepare('INSERT OR REPLACE INTO checks (monitor_id, at, status, latency_ms) VALUES (1, ?, 0, 150)');
    const timer = setInterval(() => { if (process.env.WRITER !== 'off') write.run(Date.now()); }, 1000);

    const firstStart = Date.now();
    const first = await fetch(siteUrl);
    process.stdout.write(`first render of / (cold): ${Date.now() - firstStart} ms, ${(await first.arrayBuffer()).byteLength} bytes\n`);
    await fetch(frontUrl);
    await crowd(helloUrl, 2); // warm up
    await crowd(frontUrl, 2);
    await crowd(siteUrl, 2);

    const h = await crowd(helloUrl);
    const f = await crowd(frontUrl);
    const s = await crowd(siteUrl);
    const h2 = await crowd(helloUrl);
    clearInterval(timer);
    writer.$client.close();
    const base = (h.rps + h2.rps) / 2;
    const line = (name: string, r: Result) => `${name.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(3)} ms  ${(100 * r.rps / base).toFixed(1).padStart(5)} % of hello  (errors ${r.errors}, non-2xx ${r.non2xx})`;
    process.stdout.write(`\n${CONNECTIONS} connections, ${DURATION_S} s each, load generator in its own process\n`);
    process.stdout.write(`${line('node:http hello-world', { ...h, rps: base })}\n`);
    process.stdout.write(`${line('site behind the front door (page-front.ts)', f)}\n`);
    process.stdout.write(`${line('site as scripts/start.ts serves it now', s)}\n`);
    process.stdout.write(`\nmemory: front-door server RSS ${rssMb(front.child.pid!)} MB (peak ${hwmMb(front.child.pid!)} MB); start.ts server RSS ${rssMb(site.child.pid!)} MB (peak ${hwmMb(site.child.pid!)} MB)\n`);
    const ok = f.rps >= 0.4 * base && f.p99 < 50;
    process.stdout.write(`target (>= 40 % of hello-world, p99 < 50 ms) with the front door: ${ok ? 'met' : 'NOT met'}\n`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    dir.remove();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
