import type { APIRoute } from 'astro';
import { reviewClockStep } from '../../../../lib/checks/quarantine';
import { adminActionById } from '../../../../lib/auth/action-by-id';
import { guard } from '../../../../lib/auth/guard';
import { backTo } from '../../../../lib/admin-return';

/** An admin has reviewed a clock step and the checks it set aside: it is no longer a warning (audited). */
export const POST: APIRoute = (context) => {
  const denied = guard(context, 'admin');
  if (denied) return denied;
  return adminActionById(context, 'clock step', (db, actor, id) => reviewClockStep(db, actor, id), backTo('/admin/', 'clock-steps'));
};
