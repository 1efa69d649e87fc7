import type { APIContext } from 'astro';
import { getRuntime } from '../runtime';
import type { Lang } from '../i18n';
import { readEnv, publicUrl } from '../env';
import { PUBLIC_CACHE_CONTROL } from './public-answers';
import { statuspageAnswer, type ApiEndpoint } from './statuspage';
import { slaContext } from '../runtime';
import { AppError, httpStatusOf } from '../errors';
import { log } from '../log';
import type { FeedContext } from './feeds';

/**
 * The routes of the public answers build them afresh on every call: visitors are served
 * from the answer cache (./public-answers.ts), which the renderer fills by calling these
 * very routes off the serving thread.
 */
/** `?lang=en` gives English where it exists; anything else than ja/en is refused, naming the parameter. */
export function langParam(url: URL): Lang {
  const v = url.searchParams.get('lang');
  if (v === null || v === '' || v === 'ja') return 'ja';
  if (v === 'en') return 'en';
  throw new AppError('VALIDATION', 'lang: must be "ja" or "en"', [{ path: 'lang', message: 'must be "ja" or "en"' }]);
}

export function errorResponse(err: unknown): Response {
  if (err instanceof AppError) {
    return new Response(JSON.stringify({ error: { code: err.code, message: err.message, issues: err.issues } }), {
      status: httpStatusOf[err.code], headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    });
  }
  log.error('status.route_failed', { error: (err as Error).message });
  return new Response(JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error' } }), {
    status: 500, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

/** A Statuspage v2 endpoint. */
export function statuspageRoute(endpoint: ApiEndpoint) {
  return (ctx: APIContext): Response => {
    try {
      const lang = langParam(ctx.url);
      const body = statuspageAnswer({ ...slaContext(), lang, baseUrl: publicUrl(readEnv()) }, endpoint);
      return new Response(JSON.stringify(body), {
        // Aggregators and status widgets on other sites read these.
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': PUBLIC_CACHE_CONTROL, 'Access-Control-Allow-Origin': '*' },
      });
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/** A feed or calendar. */
export function feedRoute(contentType: string, build: (ctx: FeedContext) => string) {
  return (ctx: APIContext): Response => {
    try {
      const lang = langParam(ctx.url);
      const { db, config } = getRuntime();
      const body = build({ db, config, now: Date.now(), lang, baseUrl: publicUrl(readEnv()) });
      return new Response(body, { headers: { 'Content-Type': contentType, 'Cache-Control': PUBLIC_CACHE_CONTROL } });
    } catch (err) {
      return errorResponse(err);
    }
  };
}
