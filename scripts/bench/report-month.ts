import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { openDatabase } from '../../src/lib/db';
import { parseConfig } from '../../src/lib/config';
import { monthPeriod } from '../../src/lib/time';
import { renderReport } from '../../src/lib/report/issue';
import { fillBenchData } from './sla-data';

// npx tsx scripts/bench/report-month.ts: a month of 20 monitors at 30 s (about 1.7 M checks),
// then times the month's PDF (figures, daily response times from raw checks, rendering) and prints its size.
const dir = mkdtempSync(join(tmpdir(), 'report-bench-'));
try {
  const db = openDatabase(join(dir, 'bench.db'));
  const config = parseConfig({});
  fillBenchData(db, { from: '2026-10-01', to: '2026-11-01', services: 2, monitorsPerService: 10, intervalS: 30 });
  const now = monthPeriod('2026-10').end + 86_400_000;
  await renderReport(db, config, '2026-10', now); // warm-up: fonts and statements
  const samples: { ms: number; size: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const { pdf } = await renderReport(db, config, '2026-10', now);
    samples.push({ ms: performance.now() - t, size: pdf.length });
  }
  samples.sort((a, b) => a.ms - b.ms);
  const median = samples[1]!;
  console.log(`report PDF 2026-10: median ${median.ms.toFixed(0)} ms (limit 3000 ms ${median.ms < 3000 ? 'OK' : 'TOO SLOW'}), ${(median.size / 1024).toFixed(0)} KB (limit 2 MB ${median.size < 2 * 1024 * 1024 ? 'OK' : 'TOO LARGE'})`);
  db.$client.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
