import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readEnv } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase } from '../src/lib/db';
import { AppError } from '../src/lib/errors';
import { parseMonth } from '../src/lib/time';
import { issueReport, renderYearReport } from '../src/lib/report/issue';
import { parseArgs, runCli } from './lib/cli';

const USAGE = 'usage: npm run report -- --month YYYY-MM [--out FILE] [--provisional] | --year YYYY [--out FILE]';

// npm run report -- --month YYYY-MM [--out FILE] [--provisional]: issues the month's next report
// version, writes the PDF (and the CSV of outages and incidents beside it) and prints the PDF's
// path. A month still running is reported only with --provisional (速報, counted up to now).
// npm run report -- --year YYYY [--out FILE]: writes the fiscal year's report (年間報告書); a year
// still running is reported as 速報, counted up to now.
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2), { month: 'string', year: 'string', out: 'string', provisional: 'boolean' });
  if (positional.length) throw new AppError('VALIDATION', `unexpected argument "${positional[0]}"; ${USAGE}`);
  if ((typeof flags.month === 'string') === (typeof flags.year === 'string')) throw new AppError('VALIDATION', `either --month YYYY-MM or --year YYYY is required; ${USAGE}`);
  if (typeof flags.year === 'string' && !/^\d{4}$/.test(flags.year)) throw new AppError('VALIDATION', `--year: "${flags.year}" is not a year such as 2026; ${USAGE}`);
  if (typeof flags.year === 'string' && flags.provisional) throw new AppError('VALIDATION', `--provisional is for a month; a year still running is always reported as 速報; ${USAGE}`);
  if (typeof flags.month === 'string') parseMonth(flags.month);
  const out = typeof flags.out === 'string' ? resolve(flags.out) : null;
  if (out && !out.toLowerCase().endsWith('.pdf')) throw new AppError('VALIDATION', '--out must name a .pdf file');
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const db = openDatabase(env.DATABASE_PATH, { mustExist: true });
  const folder = resolve(config.report.dir ?? join(dirname(resolve(env.DATABASE_PATH)), 'reports'));
  try {
    if (typeof flags.year === 'string') {
      const now = Date.now();
      const { figures, pdf } = await renderYearReport(db, config, Number(flags.year), now);
      const pdfPath = out ?? join(folder, `annual-report-FY${flags.year}${figures.provisional ? `-provisional-${new Date(now).toISOString().slice(0, 10)}` : ''}.pdf`);
      mkdirSync(dirname(pdfPath), { recursive: true });
      if (!out && existsSync(pdfPath)) throw new AppError('CONFLICT', `${pdfPath} exists already; it is never overwritten (name another file with --out)`);
      writeFileSync(pdfPath, pdf);
      process.stderr.write(`fiscal year ${flags.year}${figures.provisional ? ` provisional (速報), cut-off ${new Date(figures.cutOff!).toISOString()}` : ''} (${pdf.length} bytes)\n`);
      process.stdout.write(`${pdfPath}\n`);
      return;
    }
    const report = await issueReport(db, config, flags.month as string, { trigger: 'manual', provisional: flags.provisional === true });
    const pdfPath = out ?? join(folder, `sla-report-${report.month}-v${report.version}${report.provisional ? '-provisional' : ''}.pdf`);
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
