import type { APIRoute } from 'astro';
import { z } from 'zod';
import { getRuntime } from '../../../lib/runtime';
import { recordPush } from '../../../lib/probe/checks/push';

// A job calls its push monitor's secret URL when it has run: GET /api/push/<token>
// (curl -fsS URL), optionally ?status=down&msg=... to report its own failure. POST is taken
// with a non-form content type (curl -X POST -H 'Content-Type: application/json' URL): the
// site refuses bodiless or form POSTs that name no origin (cross-site form protection).
const query = z.object({
  status: z.enum(['up', 'down']).default('up'),
  msg: z.string().max(200).optional(),
});

const handle: APIRoute = ({ params, url }) => {
  const parsed = query.safeParse(Object.fromEntries(url.searchParams));
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return new Response(JSON.stringify({ ok: false, error: `${String(issue.path[0])}: ${issue.message}` }), { status: 400, headers });
  }
  const { db } = getRuntime();
  const ok = recordPush(db, params.token ?? '', Date.now(), parsed.data.status, parsed.data.msg ?? null);
  if (!ok) return new Response(JSON.stringify({ ok: false, error: 'no push monitor has this token' }), { status: 404, headers });
  return new Response(JSON.stringify({ ok: true }), { status: 200, headers });
};

export const GET = handle;
export const POST = handle;
