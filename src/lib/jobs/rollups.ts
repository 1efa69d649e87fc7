import type { Job } from './job';
import { processRollupsInTurns } from '../checks/rollups';

/** Keeps the hourly and daily rollups of the checks current (charts, 90-day bars, reports). */
export const rollupsJob: Job = {
  name: 'rollups',
  schedule: { every: 60_000 },
  run: async ({ db, config, now }) => {
    await processRollupsInTurns(db, config.zone, now());
  },
};
