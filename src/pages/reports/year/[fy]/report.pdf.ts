import type { APIRoute } from 'astro';
import { getRuntime } from '../../../../lib/runtime';
import { AppError } from '../../../../lib/errors';
import { refuseReportFile, plainText as text } from '../../../../lib/report/access';
import { renderYearReport } from '../../../../lib/report/issue';
import { guard } from '../../../../lib/auth/guard';
import { reportWords } from '../../../../lib/i18n-admin';


/** /reports/year/YYYY/report.pdf: the fiscal year's report (年間報告書) as it stands now; a year still running is a 速報. */
export const GET: APIRoute = async (context) => {
  const denied = guard(context, 'read');
  if (denied) return denied;
  const { params, locals, url } = context;
  const refused = refuseReportFile(locals.user, url.pathname, reportWords.forbiddenFile);
  if (refused) return refused;
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
