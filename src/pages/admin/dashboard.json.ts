import type { APIRoute } from 'astro';
import { getRuntime } from '../../lib/runtime';
import { dashboardData } from '../../lib/monitors/dashboard';
import { timerLimitsOf } from '../../lib/sla/month';
import { guard } from '../../lib/auth/guard';

/** The dashboard's data, polled by its script (sign-in required, by the middleware). */
export const GET: APIRoute = (context) => {
  const denied = guard(context, 'read');
  if (denied) return denied;
  const { db, config } = getRuntime();
  return new Response(JSON.stringify(dashboardData(db, Date.now(), timerLimitsOf(config))), {
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  });
};
