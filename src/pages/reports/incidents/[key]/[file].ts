import type { APIRoute } from 'astro';
import { getRuntime } from '../../../../lib/runtime';
import { AppError } from '../../../../lib/errors';
import { reportAccess } from '../../../../lib/report/access';
import { incidentReportFile } from '../../../../lib/report/incident';
import { guard } from '../../../../lib/auth/guard';
import { reportWords } from '../../../../lib/i18n-admin';

const text = (status: number, body: string) => new Response(`${body}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const FILE_RE = /^v([1-9]\d{0,5})\.pdf$/;

/** /reports/incidents/<key>/vN.pdf: an issued 障害報告書, for the client and admins (the link in its mail). */
export const GET: APIRoute = (context) => {
  const denied = guard(context, 'read');
  if (denied) return denied;
  const { params, locals, url, redirect } = context;
  const access = reportAccess(locals.user);
  if (access === 'sign_in') return redirect(`/login?next=${encodeURIComponent(url.pathname)}`, 303);
  if (access === 'forbidden') return text(403, reportWords.forbiddenFile);
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
