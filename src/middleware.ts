import { defineMiddleware } from 'astro:middleware';
import { getRuntime } from './lib/runtime';
import { publicUrl, type Env } from './lib/env';
import { SESSION_COOKIE, validateSession, sessionCookieOptions } from './lib/auth/session';
import { SAFE_METHODS, isHttps, sameOrigin, securityHeaders } from './lib/auth/security';
import { adminLang, adminWords } from './lib/i18n-admin';
import { log } from './lib/log';
import { AppError, httpStatusOf } from './lib/errors';
import { canonicalPath, decisionPath, needsSignIn } from './lib/auth/canonical-path';

/**
 * The site's own origins for the origin check: PUBLIC_URL's alone when it is set, else the
 * address the browser asked for (its Host header) and HOST:PORT. X-Forwarded-Host is never
 * believed here, even from a trusted proxy: a passed-along header must not decide what
 * "this site" is.
 */
function siteOrigins(request: Request, url: URL, env: Env): string[] {
  if (env.PUBLIC_URL) return [new URL(env.PUBLIC_URL).origin];
  const host = request.headers.get('host');
  return [...(host ? [`${url.protocol}//${host}`] : []), new URL(publicUrl(env)).origin];
}

/** Admin pages only an admin may even read; a client reads the others. */
const ADMIN_ONLY_READ = [/^\/admin\/users(\/|$)/, /^\/admin\/audit(\/|$)/];

function withHeaders(response: Response, headers: Record<string, string>): Response {
  try {
    for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
    return response;
  } catch {
    // Some responses (Response.redirect, fetched ones) have immutable headers: copy them.
    const copy = new Response(response.body, { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) });
    for (const [k, v] of Object.entries(headers)) copy.headers.set(k, v);
    return copy;
  }
}

function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

/**
 * Every request: resolves the session cookie into `locals.user`, refuses state changes
 * from other sites, keeps the admin and report pages to signed-in users (a client reads,
 * only an admin changes), and sets the security headers on every response.
 */
export const onRequest = defineMiddleware(async (context, next) => {
  const { request, cookies, url } = context;
  const { env, db } = getRuntime();
  const https = isHttps(request, env.PUBLIC_URL);
  const headers = securityHeaders(https);
  // The same canonical path the front door computed (scripts/start.ts); a request that
  // reached this point another way is checked again rather than trusted.
  const canonical = canonicalPath(url.pathname);
  if (!canonical.ok) return withHeaders(plain(canonical.status, canonical.status === 404 ? 'Not found / ページが見つかりません' : 'Bad request / 不正なアドレスです'), { ...headers, 'Cache-Control': 'no-store' });
  const path = decisionPath(canonical.path);
  const safe = SAFE_METHODS.has(request.method);
  const lang = adminLang(request, cookies);
  const t = adminWords[lang];

  context.locals.user = null;
  context.locals.sessionId = null;

  if (!safe) {
    const hasOriginInfo = request.headers.has('origin') || request.headers.has('referer') || request.headers.has('sec-fetch-site');
    if (hasOriginInfo && !sameOrigin(request, siteOrigins(request, url, env))) {
      log.warn('auth.cross_origin_refused', { path, method: request.method });
      return withHeaders(plain(403, t.crossOrigin), headers);
    }
    // A request that names no origin is not a browser's: it never acts with a session cookie.
    if (!hasOriginInfo) cookies.delete(SESSION_COOKIE, { path: '/' });
  }

  const token = cookies.get(SESSION_COOKIE)?.value;
  if (token && (safe || request.headers.has('origin') || request.headers.has('referer') || request.headers.has('sec-fetch-site'))) {
    const session = validateSession(db, token);
    if (session) {
      context.locals.user = session.user;
      context.locals.sessionId = session.sessionId;
      if (session.renewed) cookies.set(SESSION_COOKIE, token, sessionCookieOptions(https, session.expiresAt));
    } else {
      cookies.delete(SESSION_COOKIE, { path: '/' });
    }
  }

  if (needsSignIn(path)) {
    headers['Cache-Control'] = 'no-store';
    const user = context.locals.user;
    if (!user) {
      if (safe) return withHeaders(context.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303), headers);
      return withHeaders(plain(401, t.signInFirst), headers);
    }
    if (user.role !== 'admin' && path.startsWith('/admin') && (!safe || ADMIN_ONLY_READ.some((re) => re.test(path)))) {
      log.warn('auth.forbidden', { path, method: request.method, user: user.id });
      return withHeaders(plain(403, t.forbidden), headers);
    }
  }
  if (path === '/login' || path.startsWith('/auth/')) headers['Cache-Control'] = 'no-store';

  let response: Response;
  try {
    response = await next();
  } catch (err) {
    // A refusal or a failure is still an answer: its status, a clear message, the security
    // headers; never an empty 500 and never a stack trace.
    if (err instanceof AppError && httpStatusOf[err.code] < 500) {
      response = plain(httpStatusOf[err.code], err.code === 'UNAUTHORIZED' ? t.signInFirst : err.code === 'FORBIDDEN' ? t.forbidden : err.message);
    } else {
      log.error('site.request_failed', { path, method: request.method, error: err instanceof Error ? err.message : String(err) });
      response = plain(500, t.internalError);
    }
    headers['Cache-Control'] = 'no-store';
  }
  if (response.status >= 400 && (response.headers.get('content-length') === '0' || response.body === null) && !['HEAD'].includes(request.method)) {
    response = plain(response.status, response.status >= 500 ? t.internalError : t.refused);
  }
  return withHeaders(response, headers);
});
