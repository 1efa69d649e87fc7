import { and, desc, eq } from 'drizzle-orm';
import type { Job, JobContext } from './job';
import { backups } from '../../../db/schema/index';
import { runBackup } from '../backup/backup';
import { backupDir } from '../backup/files';
import { nightlyDue } from '../backup/schedule';

let chain: Promise<unknown> = Promise.resolve();

/** Runs the nightly database tasks (backup, retention) one at a time within this process. */
export function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const next = chain.then(fn, fn);
  chain = next.catch(() => undefined);
  return next;
}

/** Whether the nightly backup is due now (see nightlyDue). */
export function backupDue(ctx: JobContext): boolean {
  const { db, config } = ctx;
  if (!config.backup.enabled) return false;
  const last = db.select({ startedAt: backups.startedAt }).from(backups)
    .where(and(eq(backups.trigger, 'schedule'))).orderBy(desc(backups.startedAt)).limit(1).get();
  return nightlyDue(config.backup.time, config.zone, ctx.now(), last?.startedAt ?? null);
}

/**
 * The nightly backup (default 02:30 in the configured zone; `backup.time`). Checked every
 * minute so that a night missed while the worker was down is made up when it is back.
 * A failed backup is recorded and raises an alarm (src/lib/backup/alarm.ts), and the job fails.
 */
export const backupJob: Job = {
  name: 'backup',
  schedule: '* * * * *',
  async run(ctx) {
    if (!backupDue(ctx)) return;
    const record = await oneAtATime(() => runBackup(ctx.db, {
      dir: backupDir(ctx.config, ctx.env.DATABASE_PATH),
      generations: ctx.config.backup.generations,
      copyTo: ctx.config.backup.copy_to,
      trigger: 'schedule',
      alarmTo: ctx.config.alarms.operators,
      zone: ctx.config.zone,
      now: ctx.now,
    }));
    if (!record.ok) throw new Error(`backup failed: ${record.error}`);
  },
};
