import { accessSync, constants } from 'node:fs';
import { readEnv } from '../src/lib/env';
import { openDatabase } from '../src/lib/db';
import { AppError } from '../src/lib/errors';
import { importInterchangeFile } from '../src/lib/interchange/import-file';
import { parseArgs, runCli } from './lib/cli';

// npm run data:import -- FILE: reads the file in pieces (memory stays bounded whatever its
// size), validates all of it first, then writes it in one transaction.
runCli(() => {
  const { positional } = parseArgs(process.argv.slice(2), {});
  const file = positional[0];
  if (!file || positional.length > 1) throw new AppError('VALIDATION', 'usage: npm run data:import -- FILE');
  const env = readEnv();
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    throw new AppError('NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`);
  }
  const db = openDatabase(env.DATABASE_PATH);
  try {
    const counts = importInterchangeFile(db, file);
    process.stdout.write(`imported ${counts.services} services, ${counts.monitors} monitors, ${counts.checks} checks, ${counts.incidents} incidents, ${counts.maintenances} maintenances into ${env.DATABASE_PATH}\n`);
  } finally {
    db.$client.close();
  }
});
