import cron, { type ScheduledTask } from 'node-cron';
import type { Job, JobContext } from './job';
import { log, libraryLogger } from '../log';
import { mailJob } from './mail';
import { destinationsJob } from './destinations';
import { maintenanceReminderJob } from '../subscriptions/reminder-job';
import { rollupsJob } from './rollups';
import { maintenanceJob } from './maintenance';
import { backupJob } from './backup';
import { retentionJob } from './retention';
import { monthlyReportJob, closeMonthJob } from './monthly-report';

/** Every scheduled job. Adding one is a module in this folder and a line here. */
export const jobs: Job[] = [mailJob, destinationsJob, rollupsJob, maintenanceJob, backupJob, retentionJob, closeMonthJob, monthlyReportJob, maintenanceReminderJob];

/**
 * Starts every job on its schedule; a job that throws is logged and runs again next time.
 * A run never overlaps the same job's previous run: a tick that finds it still running is
 * skipped. `mayRun` is asked before each run (the worker's lease); false skips it.
 */
export function startJobs(ctx: JobContext, list: Job[] = jobs, mayRun: () => boolean = () => true): { stop: () => Promise<void> } {
  const running = new Map<string, Promise<void>>();
  let stopped = false;
  const runOnce = (job: Job): Promise<void> => {
    const busy = running.get(job.name);
    if (busy) {
      log.debug('job.skipped', { job: job.name, reason: 'previous run still going' });
      return busy;
    }
    if (stopped || !mayRun()) return Promise.resolve();
    const p = (async () => {
      const started = performance.now();
      try {
        await job.run(ctx);
        log.debug('job.done', { job: job.name, ms: Math.round(performance.now() - started) });
      } catch (err) {
        log.error('job.failed', { job: job.name, error: (err as Error).message });
      }
    })().finally(() => running.delete(job.name));
    running.set(job.name, p);
    return p;
  };
  // Overlap is this module's to judge (runOnce), quietly: node-cron would print a line to the
  // console for every tick skipped while, say, a slow mail server holds a run. What it does
  // print goes to the JSON log.
  cron.setLogger(libraryLogger('cron'));
  const tasks: ScheduledTask[] = [];
  const timers = new Set<NodeJS.Timeout>();
  for (const job of list) {
    const { schedule } = job;
    if (typeof schedule === 'string') {
      tasks.push(cron.schedule(schedule, () => { void runOnce(job); }, { timezone: ctx.config.zone, name: job.name }));
      continue;
    }
    // A loop on a plain timer: the next run `every` ms after this one began, on the monotonic clock.
    const loop = async () => {
      const began = performance.now();
      await runOnce(job);
      if (stopped) return;
      const timer = setTimeout(() => { timers.delete(timer); void loop(); }, Math.max(0, schedule.every - (performance.now() - began)));
      timers.add(timer);
    };
    const first = setTimeout(() => { timers.delete(first); void loop(); }, schedule.every);
    timers.add(first);
  }
  return {
    stop: async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const t of tasks) await t.stop();
      await Promise.all(running.values());
    },
  };
}
