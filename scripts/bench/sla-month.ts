import { join } from 'node:path';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { openDatabase } from '../../src/lib/db';
import { parseConfig } from '../../src/lib/config';
import { monthPeriod, fiscalYearToDate } from '../../src/lib/time';
import { listServices, serviceAvailability } from '../../src/lib/sla/figures';
import { monthFigures } from '../../src/lib/sla/month';
import { fillBenchData } from './sla-data';

// npx tsx scripts/bench/sla-month.ts [--months N]: 20 monitors at 30 s for N months (default 12,
// a fiscal year April–March) in a temp SQLite file; times a month's and the fiscal year's figures.
const monthsArg = process.argv.indexOf('--months');
const months = monthsArg > 0 ? Number(process.argv[monthsArg + 1]) : 12;
const dir = mkdtempSync(join(tmpdir(), 'sla-bench-'));
try {
  const db = openDatabase(join(dir, 'bench.db'));
  const config = parseConfig({});
  const to = new Date(Date.UTC(2026, 3 + months, 1)).toISOString().slice(0, 10);
  let t = performance.now();
  const { checks, monitors } = fillBenchData(db, { from: '2026-04-01', to, services: 2, monitorsPerService: 10, intervalS: 30 });
  const runs = (db.$client.prepare('SELECT count(*) AS n FROM check_runs').get() as { n: number }).n;
  console.log(`data: ${monitors} monitors, ${checks.toLocaleString('en')} checks, ${runs.toLocaleString('en')} runs in ${((performance.now() - t) / 1000).toFixed(1)} s; file ${(statSync(join(dir, 'bench.db')).size / 1e6).toFixed(0)} MB`);

  const last = `${to.slice(0, 4)}-${to.slice(5, 7)}`;
  const [y, m] = last.split('-').map(Number) as [number, number];
  const month = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  const now = monthPeriod(month).end + 86_400_000;
  const ctx = { db, config, now };
  const services = listServices(db);
  const time = (label: string, fn: () => unknown, limitMs: number) => {
    fn(); // warm the page cache and statements once
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      fn();
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    const median = samples[2]!;
    console.log(`${label}: median ${median.toFixed(1)} ms (min ${samples[0]!.toFixed(1)}, max ${samples[4]!.toFixed(1)}); limit ${limitMs} ms ${median < limitMs ? 'OK' : 'TOO SLOW'}`);
  };
  const period = monthPeriod(month);
  const fy = fiscalYearToDate(month);
  time(`availability, month ${month} (${services.length} services, 20 monitors)`, () => services.map((s) => serviceAvailability(ctx, s, period)), 200);
  time(`availability, fiscal year ${fy.label} to ${month}`, () => services.map((s) => serviceAvailability(ctx, s, fy)), 1000);
  time(`all month figures (month, year to date, daily, rows) ${month}`, () => monthFigures(ctx, month), 1000);
  db.$client.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
