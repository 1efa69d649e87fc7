import type { Job, JobContext } from './job';
import { getSetting } from '../settings';
import { runRetention } from '../retention/retention';
import { nightlyDue } from '../backup/schedule';
import { oneAtATime } from './backup';

export function retentionDue(ctx: JobContext): boolean {
  const last = getSetting(ctx.db, 'retention.last_run');
  let lastAt: number | null = null;
  if (last) {
    try {
      lastAt = Number((JSON.parse(last) as { at: number }).at) || null;
    } catch {
      lastAt = null;
    }
  }
  return nightlyDue(ctx.config.retention.time, ctx.config.zone, ctx.now(), lastAt);
}

/**
 * The nightly retention (default 03:30, after the backup; `retention.time`): raw checks older
 * than `retention.checks_days` are deleted, runs, gaps and rollups kept, the file compacted.
 */
export const retentionJob: Job = {
  name: 'retention',
  schedule: '* * * * *',
  async run(ctx) {
    if (!retentionDue(ctx)) return;
    await oneAtATime(() => runRetention(ctx.db, { checksDays: ctx.config.retention.checks_days, compact: ctx.config.retention.compact }, ctx.now()));
  },
};
