import type { APIRoute } from 'astro';
import { getRuntime } from '../../../lib/runtime';
import { AppError } from '../../../lib/errors';
import { refuseReportFile, plainText as text, monthParam, fileParam } from '../../../lib/report/access';
import { getReportFiles } from '../../../lib/report/issue';
import { guard } from '../../../lib/auth/guard';
import { reportWords } from '../../../lib/i18n-admin';


/** /reports/YYYY-MM/vN.pdf and vN.csv: an issued report's files, for clients and admins. */
export const GET: APIRoute = (context) => {
  const denied = guard(context, 'read');
  if (denied) return denied;
  const { params, locals, url } = context;
  const refused = refuseReportFile(locals.user, url.pathname, reportWords.forbiddenFile);
  if (refused) return refused;
  const month = monthParam(params.month);
  const file = fileParam(params.file);
  if (!month || !file) return text(404, reportWords.notFound);
  try {
    const r = getReportFiles(getRuntime().db, month, file.version);
    const body = file.kind === 'pdf' ? r.pdf : r.csv;
    return new Response(new Uint8Array(body), {
      status: 200,
      headers: {
        'Content-Type': file.kind === 'pdf' ? 'application/pdf' : 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="sla-report-${month}-v${file.version}.${file.kind}"`,
        'Content-Length': String(body.length),
        'Cache-Control': 'private, no-store',
        ...(file.kind === 'pdf' ? { 'X-Content-SHA256': r.sha256 } : { 'X-Content-SHA256': r.csvSha256 }),
      },
    });
  } catch (err) {
    if (err instanceof AppError && err.code === 'NOT_FOUND') return text(404, reportWords.notFound);
    throw err;
  }
};
