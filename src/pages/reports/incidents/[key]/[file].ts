import type { APIRoute } from 'astro';
import { getRuntime } from '../../../../lib/runtime';
import { AppError } from '../../../../lib/errors';
import { refuseReportFile, plainText as text } from '../../../../lib/report/access';
import { incidentReportFile } from '../../../../lib/report/incident';
import { guard } from '../../../../lib/auth/guard';
import { reportWords } from '../../../../lib/i18n-admin';

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const FILE_RE = /^v([1-9]\d{0,5})\.pdf$/;

/** /reports/incidents/<key>/vN.pdf: an issued 障害報告書, for the client and admins (the link in its mail). */
export const GET: APIRoute = (context) => {
  const denied = guard(context, 'read');
  if (denied) return denied;
  const { params, locals, url } = context;
  const refused = refuseReportFile(locals.user, url.pathname, reportWords.forbiddenFile);
  if (refused) return refused;
  const key = params.key;
  const file = params.file === undefined ? null : FILE_RE.exec(params.file);
  if (!key || !KEY_RE.test(key) || !file) return text(404, reportWords.notFound);
  try {
    const r = incidentReportFile(getRuntime().db, key, Number(file[1]));
    return new Response(new Uint8Array(r.pdf), {
      status: 200,
      headers: {
        'Content-Type': 'application/pdf',
        'Content-Disposition': `attachment; filename="incident-report-${key}-v${r.version}.pdf"`,
        'Content-Length': String(r.pdf.length),
        'Cache-Control': 'private, no-store',
        'X-Content-SHA256': r.sha256,
      },
    });
  } catch (err) {
    if (err instanceof AppError && err.code === 'NOT_FOUND') return text(404, reportWords.notFound);
    throw err;
  }
};
