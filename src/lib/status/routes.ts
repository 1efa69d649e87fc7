import type { APIContext } from 'astro';
import { getRuntime } from '../runtime';
import { servePage } from './serve';
import type { Lang } from '../i18n';
import { readEnv, publicUrl } from '../env';
import { cachedAnswer, toResponse, cacheKey } from './cache';
import { statuspageAnswer, type ApiEndpoint } from './statuspage';
import { slaContext } from '../runtime';
import { AppError, httpStatusOf } from '../errors';
import { log } from '../log';
import type { FeedContext } from './feeds';

/** A public HTML address, served from the answer cache (see ./serve.ts). */
export function publicPage(lang: Lang, path: (ctx: APIContext) => string) {
  return (ctx: APIContext): Promise<Response> => {
    const { db } = getRuntime();
    return servePage(db, ctx, `/en/render/${lang}/${path(ctx)}`);
  };
}

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

/** A Statuspage v2 endpoint, served from the answer cache. */
export function statuspageRoute(endpoint: ApiEndpoint) {
  return (ctx: APIContext): Response => {
    try {
      const lang = langParam(ctx.url);
      const { db } = getRuntime();
      const entry = cachedAnswer(db, cacheKey(ctx.url), () => {
        const body = statuspageAnswer({ ...slaContext(), lang, baseUrl: publicUrl(readEnv()) }, endpoint);
        return { body: JSON.stringify(body), contentType: 'application/json; charset=utf-8' };
      });
      const res = toResponse(entry, ctx.request);
      // Aggregators and status widgets on other sites read these.
      res.headers.set('Access-Control-Allow-Origin', '*');
      return res;
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/** A feed or calendar, served from the answer cache. */
export function feedRoute(contentType: string, build: (ctx: FeedContext) => string) {
  return (ctx: APIContext): Response => {
    try {
      const lang = langParam(ctx.url);
      const { db, config } = getRuntime();
      const entry = cachedAnswer(db, cacheKey(ctx.url), () => ({
        body: build({ db, config, now: Date.now(), lang, baseUrl: publicUrl(readEnv()) }),
        contentType,
      }));
      return toResponse(entry, ctx.request);
    } catch (err) {
      return errorResponse(err);
    }
  };
}
