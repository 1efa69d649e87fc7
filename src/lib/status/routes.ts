import type { APIContext } from 'astro';
import { getRuntime } from '../runtime';
import { servePage, RENDER_HEADER, renderSecret } from './serve';
import { monthInHistory } from './history';
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

const missingMonth = new Map<Lang, { body: string; at: number }>();

/**
 * A history month page. A month outside the stored history is no page: every such address
 * gets the same 404, rendered at most once a minute per language, so a loop over the endless
 * month space costs next to nothing and caches nothing.
 */
export function historyMonthPage(lang: Lang) {
  const page = publicPage(lang, (ctx) => `incidents/month/${encodeURIComponent(ctx.params.month ?? '')}`);
  return async (ctx: APIContext): Promise<Response> => {
    const { db, config } = getRuntime();
    const month = ctx.params.month ?? '';
    const now = Date.now();
    if (/^\d{4}-(?:0[1-9]|1[0-2])$/.test(month) && monthInHistory(db, month, config.zone, now)) return page(ctx);
    let missing = missingMonth.get(lang);
    if (!missing || now - missing.at > 60_000) {
      const res = await ctx.rewrite(new Request(new URL(`/en/render/${lang}/missing`, ctx.url), { headers: { [RENDER_HEADER]: renderSecret(), accept: 'text/html' } }));
      missing = { body: await res.text(), at: now };
      missingMonth.set(lang, missing);
    }
    return new Response(missing.body, { status: 404, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'public, max-age=60' } });
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
