import type { SessionUser } from './session';

/**
 * What a page or endpoint needs of its visitor:
 * - `read`: any signed-in user (a client reads reports and the admin pages it may see);
 * - `admin`: an admin (every change, and pages only admins may read).
 */
export type Need = 'read' | 'admin';

/** The part of Astro's context (page `Astro` or endpoint context) the guard reads. */
export interface GuardContext {
  request: Request;
  url: URL;
  locals: { user: SessionUser | null };
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every admin and report page or endpoint calls this first, itself, whatever the
 * middleware decided: access never depends on how the path was spelled on the way in.
 * Returns the refusal to send, or null when the visitor may go on.
 *
 *   const denied = guard(Astro, 'admin'); if (denied) return denied;
 */
export function guard(ctx: GuardContext, need: Need): Response | null {
  const user = ctx.locals.user;
  const safe = SAFE.has(ctx.request.method);
  if (!user) {
    if (safe) {
      const next = ctx.url.pathname + ctx.url.search;
      return new Response(null, { status: 303, headers: { Location: `/login?next=${encodeURIComponent(next)}`, 'Cache-Control': 'no-store' } });
    }
    return refusal(401, 'Sign in first. / ログインしてください。');
  }
  // Every change needs an admin, whatever the page's read access.
  if ((need === 'admin' || !safe) && user.role !== 'admin') return refusal(403, 'Admins only. / 管理者のみが操作できます。');
  return null;
}

function refusal(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
}
