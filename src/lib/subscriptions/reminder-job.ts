import type { Job } from '../jobs/job';
import { remindUpcomingMaintenances } from './notify';
import { publicUrl } from '../env';

/** Every five minutes: reminds subscribers of planned stops that start within `remind_before_h`. */
export const maintenanceReminderJob: Job = {
  name: 'maintenance-reminders',
  schedule: '*/5 * * * *',
  run({ db, config, env, now }) {
    remindUpcomingMaintenances(db, config.subscriptions.remind_before_h * 3_600_000, { baseUrl: publicUrl(env), config, now: now() });
  },
};
