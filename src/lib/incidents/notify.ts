import type { Db } from '../db';
import type { Notify } from './verbs';
import { notifySubscribersOfIncidentUpdate } from '../subscriptions/notify';
import { log } from '../log';

/**
 * What happens after an incident update is published and committed: its subscribers are
 * mailed (queued in the outbox). A failure to queue is logged; the update stands.
 */
export function publishNotifier(db: Db): Notify {
  return {
    onPublished: (incidentId, updateId) => {
      try {
        const queued = notifySubscribersOfIncidentUpdate(db, incidentId, updateId);
        log.info('incident.subscribers_notified', { incidentId, updateId, queued });
      } catch (err) {
        log.error('incident.notify_failed', { incidentId, updateId, error: (err as Error).message });
      }
    },
  };
}
