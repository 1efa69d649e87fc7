import { readEnv } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { restoreDatabase } from '../src/lib/backup/restore';
import { backupDir, listBackupFiles } from '../src/lib/backup/files';
import { AppError } from '../src/lib/errors';
import { toIso } from '../src/lib/time';
import { parseArgs, runCli } from './lib/cli';

// npm run restore -- FILE | --latest: verifies the backup, keeps the current database aside,
// restores into DATABASE_PATH. The site and the worker must be stopped first.
runCli(() => {
  const { flags, positional } = parseArgs(process.argv.slice(2), { latest: 'boolean' });
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const dir = backupDir(config, env.DATABASE_PATH);
  let file = positional[0];
  if (flags.latest) {
    if (file) throw new AppError('VALIDATION', 'give either FILE or --latest, not both');
    file = listBackupFiles(dir).at(-1);
    if (!file) throw new AppError('NOT_FOUND', `no backup files in ${dir}`);
  }
  if (!file || positional.length > 1) {
    const available = listBackupFiles(dir);
    throw new AppError('VALIDATION', `usage: npm run restore -- FILE (or --latest)\n${available.length ? `backups in ${dir}:\n${available.map((f) => `  ${f}`).join('\n')}` : `no backup files in ${dir}`}`);
  }
  const result = restoreDatabase(file, env.DATABASE_PATH);
  const v = result.verification;
  process.stdout.write(`verified ${result.from}: integrity ${v.integrity}, ${v.counts!.services} services, ${v.counts!.monitors} monitors, ${v.counts!.checks} checks${v.latestCheckAt ? ` (latest ${toIso(v.latestCheckAt)})` : ''}\n`);
  if (result.keptAside) process.stdout.write(`the previous database is kept at ${result.keptAside}\n`);
  process.stdout.write(`restored into ${result.to}\n`);
});
