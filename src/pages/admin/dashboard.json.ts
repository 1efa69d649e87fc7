import type { APIRoute } from 'astro';
import { getRuntime } from '../../lib/runtime';
import { dashboardData } from '../../lib/monitors/dashboard';
import { timerLimitsOf } from '../../lib/sla/month';

/** The dashboard's data, polled by its script (sign-in required, by the middleware). */
export const GET: APIRoute = () => {
  const { db, config } = getRuntime();
  return new Response(JSON.stringify(dashboardData(db, Date.now(), timerLimitsOf(config))), {
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  });
};
