import { readEnv } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase } from '../src/lib/db';
import { AppError } from '../src/lib/errors';
import { parseMonth } from '../src/lib/time';
import { monthFigures } from '../src/lib/sla/month';
import { yearFigures } from '../src/lib/sla/year';
import { slaJson, slaYearJson } from '../src/lib/sla/contract';
import { slaTable, slaYearTable } from '../src/lib/sla/text';
import { parseArgs, runCli } from './lib/cli';

const USAGE = 'usage: npm run sla -- --month YYYY-MM [--json] | --year YYYY [--json]';

// npm run sla -- --month YYYY-MM [--json]: the month's SLA figures (CONTRACTS.md shape with --json).
// npm run sla -- --year YYYY [--json]: the fiscal year (年度) starting in the configured month of YYYY.
runCli(() => {
  const { flags, positional } = parseArgs(process.argv.slice(2), { month: 'string', year: 'string', json: 'boolean' });
  if (positional.length) throw new AppError('VALIDATION', `unexpected argument "${positional[0]}"; ${USAGE}`);
  if ((typeof flags.month === 'string') === (typeof flags.year === 'string')) throw new AppError('VALIDATION', `either --month YYYY-MM or --year YYYY is required; ${USAGE}`);
  if (typeof flags.month === 'string') parseMonth(flags.month);
  const year = typeof flags.year === 'string' ? (/^\d{4}$/.test(flags.year) ? Number(flags.year) : null) : null;
  if (typeof flags.year === 'string' && year === null) throw new AppError('VALIDATION', `--year: "${flags.year}" is not a year such as 2026; ${USAGE}`);
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const db = openDatabase(env.DATABASE_PATH, { mustExist: true });
  try {
    const ctx = { db, config, now: Date.now() };
    if (year !== null) {
      const figures = yearFigures(ctx, year);
      process.stdout.write(flags.json ? `${JSON.stringify(slaYearJson(figures), null, 2)}\n` : slaYearTable(figures));
    } else {
      const figures = monthFigures(ctx, flags.month as string);
      process.stdout.write(flags.json ? `${JSON.stringify(slaJson(figures), null, 2)}\n` : slaTable(figures));
    }
  } finally {
    db.$client.close();
  }
});
