import type { APIRoute } from 'astro';
import { getRuntime } from '../lib/runtime';
import { metricsAccess, renderMetrics } from '../lib/metrics/metrics';

/**
 * The site's metrics for Prometheus (src/lib/metrics). Answered in the render thread, where
 * the database connection and the render figures are; only to a bearer token (the settings
 * file's or one issued on /admin/alert-sources) or an address in `metrics.allow`.
 */
export const GET: APIRoute = async ({ request, clientAddress }) => {
  const { db, config } = getRuntime();
  if (!metricsAccess(config, request.headers.get('authorization'), clientAddress, db)) {
    return new Response('metrics: a bearer token or an address in metrics.allow is required\n', {
      status: 401,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="metrics"' },
    });
  }
  const { contentType, body } = await renderMetrics(db, Date.now());
  return new Response(body, { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
};
