import cron, { type ScheduledTask } from 'node-cron';
import type { Job, JobContext } from './job';
import { log } from '../log';
import { mailJob } from './mail';
import { maintenanceReminderJob } from '../subscriptions/reminder-job';
import { rollupsJob } from './rollups';
import { maintenanceJob } from './maintenance';
import { backupJob } from './backup';
import { retentionJob } from './retention';
import { monthlyReportJob, closeMonthJob } from './monthly-report';

/** Every scheduled job. Adding one is a module in this folder and a line here. */
export const jobs: Job[] = [mailJob, rollupsJob, maintenanceJob, backupJob, retentionJob, closeMonthJob, monthlyReportJob, maintenanceReminderJob];

/** Starts every job on its schedule; a job that throws is logged and runs again next time. */
export function startJobs(ctx: JobContext, list: Job[] = jobs): { stop: () => Promise<void> } {
  const running = new Set<Promise<void>>();
  const tasks: ScheduledTask[] = list.map((job) => cron.schedule(job.schedule, () => {
    const p = (async () => {
      const started = Date.now();
      try {
        await job.run(ctx);
        log.debug('job.done', { job: job.name, ms: Date.now() - started });
      } catch (err) {
        log.error('job.failed', { job: job.name, error: (err as Error).message });
      }
    })();
    running.add(p);
    void p.finally(() => running.delete(p));
  }, { timezone: ctx.config.zone, name: job.name, noOverlap: true }));
  return {
    stop: async () => {
      for (const t of tasks) await t.stop();
      await Promise.all(running);
    },
  };
}
