import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readEnv } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase } from '../src/lib/db';
import { AppError } from '../src/lib/errors';
import { parseMonth } from '../src/lib/time';
import { issueReport } from '../src/lib/report/issue';
import { parseArgs, runCli } from './lib/cli';

// npm run report -- --month YYYY-MM [--out FILE] [--provisional]: issues the month's next report
// version, writes the PDF (and the CSV of outages and incidents beside it) and prints the PDF's
// path. A month still running is reported only with --provisional (速報, counted up to now).
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2), { month: 'string', out: 'string', provisional: 'boolean' });
  if (positional.length) throw new AppError('VALIDATION', `unexpected argument "${positional[0]}"; usage: npm run report -- --month YYYY-MM [--out FILE] [--provisional]`);
  if (typeof flags.month !== 'string') throw new AppError('VALIDATION', '--month YYYY-MM is required; usage: npm run report -- --month YYYY-MM [--out FILE] [--provisional]');
  parseMonth(flags.month);
  const out = typeof flags.out === 'string' ? resolve(flags.out) : null;
  if (out && !out.toLowerCase().endsWith('.pdf')) throw new AppError('VALIDATION', '--out must name a .pdf file');
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const db = openDatabase(env.DATABASE_PATH, { mustExist: true });
  try {
    const report = await issueReport(db, config, flags.month, { trigger: 'manual', provisional: flags.provisional === true });
    const pdfPath = out ?? join(resolve(config.report.dir ?? join(dirname(resolve(env.DATABASE_PATH)), 'reports')), `sla-report-${report.month}-v${report.version}${report.provisional ? '-provisional' : ''}.pdf`);
    const csvPath = pdfPath.replace(/\.pdf$/i, '.csv');
    mkdirSync(dirname(pdfPath), { recursive: true });
    if (!out && (existsSync(pdfPath) || existsSync(csvPath))) throw new AppError('CONFLICT', `${pdfPath} exists already; it is never overwritten`);
    writeFileSync(pdfPath, report.pdf);
    writeFileSync(csvPath, report.csv);
    process.stderr.write(`issued ${report.month} v${report.version}${report.provisional ? ` provisional (速報), cut-off ${new Date(report.cutOff!).toISOString()}` : ''} (${report.size} bytes, sha256 ${report.sha256}); CSV at ${csvPath}\n`);
    process.stdout.write(`${pdfPath}\n`);
  } finally {
    db.$client.close();
  }
});
