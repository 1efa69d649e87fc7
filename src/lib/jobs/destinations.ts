import type { Job } from './job';
import { sendPendingDeliveries } from '../destinations/deliver';

/** Sends queued messages to webhook, Slack and Teams destinations every five seconds. */
export const destinationsJob: Job = {
  name: 'destinations',
  schedule: { every: 5000 },
  async run({ db, now, lease }) {
    await sendPendingDeliveries(db, now(), 100, lease ?? null);
  },
};
