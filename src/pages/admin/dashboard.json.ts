import type { APIRoute } from 'astro';
import { getRuntime } from '../../lib/runtime';
import { dashboardData } from '../../lib/monitors/dashboard';

/** The dashboard's data, polled by its script (sign-in required, by the middleware). */
export const GET: APIRoute = () => new Response(JSON.stringify(dashboardData(getRuntime().db)), {
  headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
});
