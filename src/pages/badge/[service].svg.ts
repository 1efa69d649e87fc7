import type { APIRoute } from 'astro';
import { getRuntime, slaContext } from '../../lib/runtime';
import { cachedAnswer, toResponse, cacheKey } from '../../lib/status/cache';
import { statusSummary } from '../../lib/status/summary';
import { statusBadge } from '../../lib/status/badge';
import { langParam, errorResponse } from '../../lib/status/routes';
import { serviceName } from '../../lib/i18n';
import { AppError } from '../../lib/errors';

/** /badge/<service-slug>.svg: the service's current state as an image for other sites. */
export const GET: APIRoute = (ctx) => {
  try {
    const lang = langParam(ctx.url);
    const slug = ctx.params.service ?? '';
    const { db } = getRuntime();
    const exists = db.$client.prepare('SELECT 1 FROM services WHERE slug = ?').get(slug);
    if (!exists) throw new AppError('NOT_FOUND', `service: no service "${slug}"`, [{ path: 'service', message: 'no such service' }]);
    const entry = cachedAnswer(db, cacheKey(ctx.url), () => {
      const s = statusSummary(slaContext(), 1).services.find((x) => x.service.slug === slug)!;
      return { body: statusBadge(serviceName(s.service, lang), s.status, lang), contentType: 'image/svg+xml; charset=utf-8' };
    });
    const res = toResponse(entry, ctx.request);
    res.headers.set('Access-Control-Allow-Origin', '*');
    return res;
  } catch (err) {
    return errorResponse(err);
  }
};
