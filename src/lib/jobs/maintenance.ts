import type { Job } from './job';
import { autoAdvanceStops } from '../maintenance/verbs';
import { systemActor } from '../audit';
import { log } from '../log';
import { publicUrl } from '../env';

/** Starts planned stops at their scheduled start and finishes them at their scheduled end, every minute; whoever was told of a stop hears of both. */
export const maintenanceJob: Job = {
  name: 'maintenance-auto',
  schedule: '* * * * *',
  run(ctx) {
    const { started, finished } = autoAdvanceStops(ctx.db, systemActor('maintenance-auto'), ctx.now(), { baseUrl: publicUrl(ctx.env), config: ctx.config });
    if (started.length || finished.length) log.info('maintenance.auto', { started, finished });
  },
};
