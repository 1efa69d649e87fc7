import type { APIRoute } from 'astro';
import { getRuntime } from '../lib/runtime';
import { checkHealth, type Health } from '../lib/health';

/**
 * 200 when the site, the database and the worker are well; 503 naming each cause. Clock
 * steps and silent agents are warnings. Anyone may ask, so the answer names causes and
 * warnings by code only; the sentences (agents' names, hosts, pids, seconds) are for a
 * signed-in admin.
 */
export const GET: APIRoute = ({ locals }) => {
  let result: Health;
  try {
    const { db, config } = getRuntime();
    result = checkHealth(db, config, Date.now());
  } catch (err) {
    result = { ok: false, issues: [{ cause: 'database', message: `database: ${(err as Error).message}` }], warnings: [] };
  }
  const causes = [...new Set(result.issues.map((i) => i.cause))];
  const body = locals.user?.role === 'admin'
    ? { status: result.ok ? 'ok' : 'fail', reasons: result.issues.map((i) => i.message), causes: result.issues.map((i) => i.cause), warnings: result.warnings.map((w) => w.message) }
    : { status: result.ok ? 'ok' : 'fail', reasons: causes, causes, warnings: [...new Set(result.warnings.map((w) => w.cause))] };
  return new Response(JSON.stringify(body), {
    status: result.ok ? 200 : 503,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
};
