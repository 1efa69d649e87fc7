import type { APIRoute } from 'astro';
import { getRuntime } from '../lib/runtime';
import { SESSION_COOKIE, invalidateSession } from '../lib/auth/session';

/** Ends this browser's session (POST only: a link cannot sign anyone out). */
export const POST: APIRoute = ({ locals, cookies, redirect }) => {
  if (locals.sessionId) invalidateSession(getRuntime().db, locals.sessionId);
  cookies.delete(SESSION_COOKIE, { path: '/' });
  return redirect('/login?signed_out=1', 303);
};
