import { readEnv } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase } from '../src/lib/db';
import { runBackup } from '../src/lib/backup/backup';
import { backupDir } from '../src/lib/backup/files';
import { AppError } from '../src/lib/errors';
import { parseArgs, runCli } from './lib/cli';

// npm run backup: an online backup now (the site and the probe may keep running), verified,
// recorded, rotated like the nightly one. The new file's path is the last line of the output.
runCli(async () => {
  parseArgs(process.argv.slice(2), {});
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const db = openDatabase(env.DATABASE_PATH, { mustExist: true });
  try {
    const dir = backupDir(config, env.DATABASE_PATH);
    const record = await runBackup(db, { dir, generations: config.backup.generations, copyTo: config.backup.copy_to, trigger: 'manual', alarmTo: config.alarms.operators, zone: config.zone });
    if (!record.ok || !record.path) throw new AppError('DATABASE', `backup failed: ${record.error ?? 'unknown error'}`);
    const mb = ((record.sizeBytes ?? 0) / 1048576).toFixed(1);
    process.stdout.write(`integrity: ${record.integrityResult}\nsize: ${record.sizeBytes} bytes (${mb} MB)\nsha256: ${record.sha256}\n`);
    process.stdout.write(`generations kept: ${record.generationsKept} in ${dir}\n`);
    if (record.copiedTo) process.stdout.write(`copied to: ${record.copiedTo}\n`);
    if (record.error) process.stdout.write(`warning: ${record.error}\n`);
    process.stdout.write(`${record.path}\n`);
  } finally {
    db.$client.close();
  }
});
