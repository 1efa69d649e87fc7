import type { APIRoute } from 'astro';
import { acknowledgeAlarmAndRecord } from '../../../../lib/incidents/acknowledge';
import { adminActionById } from '../../../../lib/auth/action-by-id';
import { guard } from '../../../../lib/auth/guard';

/** Acknowledges an alarm; the dashboard's sound and lamp stop for it. */
export const POST: APIRoute = (context) => {
  const denied = guard(context, 'admin');
  if (denied) return denied;
  return adminActionById(context, 'alarm', (db, actor, id) => acknowledgeAlarmAndRecord(db, actor, id), '/admin/#alarms');
};
