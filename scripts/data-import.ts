import { readFileSync } from 'node:fs';
import { readEnv } from '../src/lib/env';
import { openDatabase } from '../src/lib/db';
import { AppError } from '../src/lib/errors';
import { validateInterchange, importInterchange } from '../src/lib/interchange/import';
import { parseArgs, runCli } from './lib/cli';

// npm run data:import -- FILE: validates the whole file first, then writes it in one transaction.
runCli(() => {
  const { positional } = parseArgs(process.argv.slice(2), {});
  const file = positional[0];
  if (!file || positional.length > 1) throw new AppError('VALIDATION', 'usage: npm run data:import -- FILE');
  const env = readEnv();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`);
  }
  const data = validateInterchange(text);
  const db = openDatabase(env.DATABASE_PATH);
  try {
    const counts = importInterchange(db, data);
    process.stdout.write(`imported ${counts.services} services, ${counts.monitors} monitors, ${counts.checks} checks, ${counts.incidents} incidents, ${counts.maintenances} maintenances into ${env.DATABASE_PATH}\n`);
  } finally {
    db.$client.close();
  }
});
