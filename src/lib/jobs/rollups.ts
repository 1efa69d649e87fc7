import type { Job } from './job';
import { processRollups } from '../checks/rollups';

/** Keeps the hourly and daily rollups of the checks current (charts, 90-day bars, reports). */
export const rollupsJob: Job = {
  name: 'rollups',
  schedule: { every: 60_000 },
  run({ db, config, now }) {
    processRollups(db, config.zone, now());
  },
};
