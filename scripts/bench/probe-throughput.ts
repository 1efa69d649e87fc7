// Benchmark: 1,000 HTTP monitors at a 60 s interval against a local server (in a process of
// its own, so only the probe's CPU is measured). Prints the scheduling lag p99, the probe's
// CPU use and the bytes a check takes on disk, indexes included.
//   npx tsx scripts/bench/probe-throughput.ts [--seconds 150] [--monitors 1000]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { Probe } from '../../src/lib/probe/probe';
import { CheckStore, type CheckResult } from '../../src/lib/checks/store';
import { processRollups } from '../../src/lib/checks/rollups';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = arg('seconds', 150);
const MONITORS = arg('monitors', 1000);
const WARMUP_S = 10;

const pct = (sorted: number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'probe-bench-'));
  const server = spawn(process.execPath, ['-e', `
    const http = require('node:http');
    const s = http.createServer((q, r) => { r.setHeader('content-type', 'text/html'); r.end('<html><body>ok</body></html>'); });
    s.keepAliveTimeout = 1000;
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((ok) => server.stdout!.once('data', (d: Buffer) => ok(Number(String(d).trim()))));

  const path = join(dir, 'bench.db');
  const db = openDatabase(path);
  const c = db.$client;
  c.prepare("INSERT INTO services (slug, name_ja) VALUES ('bench', 'ベンチ')").run();
  const ins = c.prepare("INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, options) VALUES (?, 1, 'http', ?, 60, 10, '{}')");
  c.transaction(() => { for (let i = 1; i <= MONITORS; i++) ins.run(`m${i}`, `http://127.0.0.1:${port}/page/${i}`); })();

  const lags: number[] = [];
  let checks = 0;
  let down = 0;
  let measuring = false;
  const probe = new Probe(db, {
    concurrency: 64,
    alarms: { operators: ['ops@example.jp'], recoveryConfirm: 2, mailWarningCleared: true, zone: 'Asia/Tokyo', siteUrl: null },
    onCheck: (r, lag) => {
      checks++;
      if (r.status === 'down') down++;
      if (measuring) lags.push(lag);
    },
  });
  const startedAt = Date.now();
  await probe.start();
  console.log(`${MONITORS} HTTP monitors at 60 s, measuring for ${SECONDS} s after a ${WARMUP_S} s start-up ...`);
  await new Promise((ok) => setTimeout(ok, WARMUP_S * 1000));
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const checks0 = checks;
  await new Promise((ok) => setTimeout(ok, SECONDS * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  measuring = false;
  await probe.stop();
  const measuredChecks = checks - checks0;

  lags.sort((a, b) => a - b);
  const cpuPct = ((cpu.user + cpu.system) / 1e6 / wallS) * 100;

  // Disk: what the live run stored, then a steady state (a further 2 hours of checks written
  // the way the probe writes them) so per-monitor rows (runs, rollups) are amortised as in use.
  const stored = (c.prepare('SELECT COUNT(*) AS n FROM checks').get() as { n: number }).n;
  const store = new CheckStore(db);
  const base = Date.now() + 60_000;
  for (let minute = 0; minute < 120; minute++) {
    const batch: CheckResult[] = [];
    for (let m = 1; m <= MONITORS; m++) batch.push({ monitorId: m, at: base + minute * 60_000 + ((m * 7919) % 60_000), status: 'up', latencyMs: 2 + (m % 7), error: null });
    store.record(batch);
  }
  processRollups(db, 'Asia/Tokyo', base + 200 * 60_000);
  c.pragma('wal_checkpoint(TRUNCATE)');
  const total = (c.prepare('SELECT COUNT(*) AS n FROM checks').get() as { n: number }).n;
  const sizes = c.prepare(`SELECT name, SUM(pgsize) AS bytes FROM dbstat WHERE name IN
    ('checks', 'check_runs', 'check_gaps', 'check_rollups_hourly', 'check_rollups_daily', 'rollup_pending')
    OR name LIKE 'sqlite_autoindex_check%' OR name LIKE 'sqlite_autoindex_rollup%' GROUP BY name`).all() as { name: string; bytes: number }[];
  const checksTable = sizes.filter((s) => s.name === 'checks').reduce((a, s) => a + s.bytes, 0);
  const allCheckData = sizes.reduce((a, s) => a + s.bytes, 0);
  const fileBytes = statSync(path).size;

  console.log('');
  console.log(`checks in the measured ${wallS.toFixed(0)} s: ${measuredChecks} (${(measuredChecks / wallS).toFixed(1)}/s), down: ${down}, all checks incl. start-up: ${stored} in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  console.log(`scheduling lag: p50 ${pct(lags, 0.5)} ms, p99 ${pct(lags, 0.99)} ms, max ${lags[lags.length - 1]} ms   (target p99 < 1000 ms)`);
  console.log(`probe CPU: ${cpuPct.toFixed(1)} % of one core (user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s over ${wallS.toFixed(0)} s)   (target < 25 %)`);
  console.log(`stored per check (${total} checks): checks table with its key ${(checksTable / total).toFixed(1)} B; with runs, gaps and rollups ${(allCheckData / total).toFixed(1)} B; whole file ${(fileBytes / total).toFixed(1)} B   (target < 40 B)`);
  for (const s of sizes) console.log(`  ${s.name}: ${s.bytes} B`);
  db.$client.close();
  server.kill();
  rmSync(dir, { recursive: true, force: true });
  const ok = pct(lags, 0.99) < 1000 && cpuPct < 25 && allCheckData / total < 40;
  console.log(ok ? 'all targets met' : 'a target was missed');
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
