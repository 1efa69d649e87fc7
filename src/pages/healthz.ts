import type { APIRoute } from 'astro';
import { getRuntime } from '../lib/runtime';
import { checkHealth, type Health } from '../lib/health';

/** 200 when the site, the database and the worker are well; 503 naming each cause. Clock steps are warnings. */
export const GET: APIRoute = () => {
  let result: Health;
  try {
    const { db, config } = getRuntime();
    result = checkHealth(db, config, Date.now());
  } catch (err) {
    result = { ok: false, issues: [{ cause: 'database', message: `database: ${(err as Error).message}` }], warnings: [] };
  }
  const body = {
    status: result.ok ? 'ok' : 'fail',
    reasons: result.issues.map((i) => i.message),
    causes: result.issues.map((i) => i.cause),
    warnings: result.warnings.map((w) => w.message),
  };
  return new Response(JSON.stringify(body), {
    status: result.ok ? 200 : 503,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
};
