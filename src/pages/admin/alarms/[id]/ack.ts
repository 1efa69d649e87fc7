import type { APIRoute } from 'astro';
import { getRuntime } from '../../../../lib/runtime';
import { adminActor } from '../../../../lib/auth/context';
import { acknowledgeAlarmAndRecord } from '../../../../lib/incidents/acknowledge';
import { AppError, httpStatusOf } from '../../../../lib/errors';
import { guard } from '../../../../lib/auth/guard';

/** Acknowledges an alarm; the dashboard's sound and lamp stop for it. */
export const POST: APIRoute = (context) => {
  const denied = guard(context, 'admin');
  if (denied) return denied;
  const { params, locals, redirect } = context;
  const id = Number(params.id);
  try {
    if (!Number.isInteger(id)) throw new AppError('NOT_FOUND', 'no such alarm');
    acknowledgeAlarmAndRecord(getRuntime().db, adminActor(locals.user), id);
  } catch (err) {
    if (err instanceof AppError) return new Response(`${err.message}\n`, { status: httpStatusOf[err.code], headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    throw err;
  }
  return redirect('/admin/#alarms', 303);
};
