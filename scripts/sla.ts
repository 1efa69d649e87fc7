import { readEnv } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase } from '../src/lib/db';
import { AppError } from '../src/lib/errors';
import { parseMonth } from '../src/lib/time';
import { monthFigures } from '../src/lib/sla/month';
import { slaJson } from '../src/lib/sla/contract';
import { slaTable } from '../src/lib/sla/text';
import { parseArgs, runCli } from './lib/cli';

// npm run sla -- --month YYYY-MM [--json]: the month's SLA figures (CONTRACTS.md shape with --json).
runCli(() => {
  const { flags, positional } = parseArgs(process.argv.slice(2), { month: 'string', json: 'boolean' });
  if (positional.length) throw new AppError('VALIDATION', `unexpected argument "${positional[0]}"; usage: npm run sla -- --month YYYY-MM [--json]`);
  if (typeof flags.month !== 'string') throw new AppError('VALIDATION', '--month YYYY-MM is required; usage: npm run sla -- --month YYYY-MM [--json]');
  parseMonth(flags.month);
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const db = openDatabase(env.DATABASE_PATH, { mustExist: true });
  try {
    const figures = monthFigures({ db, config, now: Date.now() }, flags.month);
    process.stdout.write(flags.json ? `${JSON.stringify(slaJson(figures), null, 2)}\n` : slaTable(figures));
  } finally {
    db.$client.close();
  }
});
