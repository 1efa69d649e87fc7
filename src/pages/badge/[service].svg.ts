import type { APIRoute } from 'astro';
import { getRuntime, slaContext } from '../../lib/runtime';
import { PUBLIC_CACHE_CONTROL } from '../../lib/status/public-answers';
import { sharedSummary } from '../../lib/status/summary';
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
    const s = sharedSummary(slaContext(), 1).services.find((x) => x.service.slug === slug)!;
    return new Response(statusBadge(serviceName(s.service, lang), s.status, lang), {
      headers: { 'Content-Type': 'image/svg+xml; charset=utf-8', 'Cache-Control': PUBLIC_CACHE_CONTROL, 'Access-Control-Allow-Origin': '*' },
    });
  } catch (err) {
    return errorResponse(err);
  }
};
