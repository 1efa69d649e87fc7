import type { APIRoute } from 'astro';
import { getRuntime } from '../../../../lib/runtime';
import { AppError } from '../../../../lib/errors';
import { reportAccess } from '../../../../lib/report/access';
import { renderYearReport } from '../../../../lib/report/issue';
import { guard } from '../../../../lib/auth/guard';
import { reportWords } from '../../../../lib/i18n-admin';

const text = (status: number, body: string) => new Response(`${body}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });

/** /reports/year/YYYY/report.pdf: the fiscal year's report (年間報告書) as it stands now; a year still running is a 速報. */
export const GET: APIRoute = async (context) => {
  const denied = guard(context, 'read');
  if (denied) return denied;
  const { params, locals, url, redirect } = context;
  const access = reportAccess(locals.user);
  if (access === 'sign_in') return redirect(`/login?next=${encodeURIComponent(url.pathname)}`, 303);
  if (access === 'forbidden') return text(403, reportWords.forbiddenFile);
  if (!/^\d{4}$/.test(params.fy ?? '')) return text(404, reportWords.notFound);
  const { db, config } = getRuntime();
  try {
    const { figures, pdf } = await renderYearReport(db, config, Number(params.fy), Date.now());
    return new Response(new Uint8Array(pdf), {
      status: 200,
      headers: {
        'Content-Type': 'application/pdf',
        'Content-Disposition': `attachment; filename="annual-report-FY${params.fy}${figures.provisional ? '-provisional' : ''}.pdf"`,
        'Content-Length': String(pdf.length),
        'Cache-Control': 'private, no-store',
      },
    });
  } catch (err) {
    if (err instanceof AppError && err.code === 'VALIDATION') return text(404, reportWords.notFound);
    throw err;
  }
};
