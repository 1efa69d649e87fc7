import { writeFileSync } from 'node:fs';
import { readEnv } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase } from '../src/lib/db';
import { AppError } from '../src/lib/errors';
import { parseMonth } from '../src/lib/time';
import { systemActor } from '../src/lib/audit';
import { supportCsv } from '../src/lib/support/export';
import { parseArgs, runCli } from './lib/cli';

// npm run support:export -- --month YYYY-MM [--with-personal-data] [--out FILE]: the month's support items as CSV.
const usage = 'usage: npm run support:export -- --month YYYY-MM [--with-personal-data] [--out FILE]';
runCli(() => {
  const { flags, positional } = parseArgs(process.argv.slice(2), { month: 'string', 'with-personal-data': 'boolean', out: 'string' });
  if (positional.length) throw new AppError('VALIDATION', `unexpected argument "${positional[0]}"; ${usage}`);
  if (typeof flags.month !== 'string') throw new AppError('VALIDATION', `--month YYYY-MM is required; ${usage}`);
  parseMonth(flags.month);
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const db = openDatabase(env.DATABASE_PATH);
  try {
    const csv = supportCsv(db, config, flags.month, Date.now(), { withPersonalData: flags['with-personal-data'] === true, actor: systemActor('support-export') });
    if (typeof flags.out === 'string') {
      writeFileSync(flags.out, csv);
      process.stderr.write(`exported to ${flags.out}\n`);
    } else process.stdout.write(csv);
  } finally {
    db.$client.close();
  }
});
