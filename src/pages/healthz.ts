import type { APIRoute } from 'astro';
import { getRuntime } from '../lib/runtime';
import { checkHealth } from '../lib/health';

export const GET: APIRoute = () => {
  let result;
  try {
    const { db, config } = getRuntime();
    result = checkHealth(db, config, Date.now());
  } catch (err) {
    result = { ok: false, reasons: [`database: ${(err as Error).message}`] };
  }
  return new Response(JSON.stringify({ status: result.ok ? 'ok' : 'fail', reasons: result.reasons }), {
    status: result.ok ? 200 : 503,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
};
