import type { Job } from './job';
import { autoAdvanceStops } from '../maintenance/verbs';
import { systemActor } from '../audit';
import { log } from '../log';

/** Starts planned stops at their scheduled start and finishes them at their scheduled end, every minute. */
export const maintenanceJob: Job = {
  name: 'maintenance-auto',
  schedule: '* * * * *',
  run(ctx) {
    const { started, finished } = autoAdvanceStops(ctx.db, systemActor('maintenance-auto'), ctx.now());
    if (started.length || finished.length) log.info('maintenance.auto', { started, finished });
  },
};
