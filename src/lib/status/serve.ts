import { randomBytes } from 'node:crypto';
import type { Db } from '../db';
import { cachedAnswerAsync, toResponse, cacheKey } from './cache';

/**
 * Public HTML pages are rendered by Astro routes under /en/render/ (so Astro bundles their
 * scripts and styles), reached only through a rewrite from the public address, which keeps
 * the HTML in the answer cache until the data changes. A direct request to a render route
 * lacks the process's secret header and gets a 404.
 */
const SECRET_KEY = Symbol.for('status-site.render-secret');
type WithSecret = typeof globalThis & { [SECRET_KEY]?: string };

export function renderSecret(): string {
  const g = globalThis as WithSecret;
  g[SECRET_KEY] ??= randomBytes(16).toString('hex');
  return g[SECRET_KEY];
}

export const RENDER_HEADER = 'x-status-render';

export function isRenderRequest(request: Request): boolean {
  return request.headers.get(RENDER_HEADER) === renderSecret();
}

interface RewriteContext {
  request: Request;
  url: URL;
  rewrite: (to: Request) => Promise<Response>;
}

/** Serves the public page at `ctx.url` from the cache, rendering `renderPath` on a miss. */
export async function servePage(db: Db, ctx: RewriteContext, renderPath: string): Promise<Response> {
  const entry = await cachedAnswerAsync(db, cacheKey(ctx.url, []), async () => {
    const target = new URL(renderPath, ctx.url);
    const res = await ctx.rewrite(new Request(target, { headers: { [RENDER_HEADER]: renderSecret(), accept: 'text/html' } }));
    const body = await res.text();
    return {
      body,
      status: res.status,
      contentType: 'text/html; charset=utf-8',
      cacheControl: res.status === 200 ? undefined : 'public, max-age=60',
    };
  });
  return toResponse(entry, ctx.request);
}
