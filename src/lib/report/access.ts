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
