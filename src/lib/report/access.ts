/** Who may read the monthly reports: signed-in clients (委託者) and admins, nobody else. */
export const REPORT_ROLES = ['admin', 'client'] as const;

export type ReportAccess = 'allowed' | 'sign_in' | 'forbidden';

export function reportAccess(user: { role: string } | null | undefined): ReportAccess {
  if (!user) return 'sign_in';
  return (REPORT_ROLES as readonly string[]).includes(user.role) ? 'allowed' : 'forbidden';
}

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
const FILE_RE = /^v([1-9]\d{0,5})\.(pdf|csv)$/;

/** A month in a report URL, or null (the page answers 404). */
export function monthParam(value: string | undefined): string | null {
  return value !== undefined && MONTH_RE.test(value) ? value : null;
}

/** `v3.pdf` → { version: 3, kind: 'pdf' }; anything else null. */
export function fileParam(value: string | undefined): { version: number; kind: 'pdf' | 'csv' } | null {
  const m = value === undefined ? null : FILE_RE.exec(value);
  return m ? { version: Number(m[1]), kind: m[2] as 'pdf' | 'csv' } : null;
}

/** A plain-text answer (a refusal, a missing file). */
export function plainText(status: number, body: string): Response {
  return new Response(`${body}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** The answer to a request for a report file by someone who may not read it (sign in first, or 403), or null when they may. */
export function refuseReportFile(user: { role: string } | null | undefined, pathname: string, forbidden: string): Response | null {
  const access = reportAccess(user);
  if (access === 'sign_in') return new Response(null, { status: 303, headers: { Location: `/login?next=${encodeURIComponent(pathname)}` } });
  if (access === 'forbidden') return plainText(403, forbidden);
  return null;
}
