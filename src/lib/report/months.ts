import type { Db } from '../db';
import { monthOf, previousMonth } from '../time';
import { listReports, type IssuedReport } from './issue';

/** The months a report can be read for (from the first recorded check to this month), newest first, with their issued versions. */
export interface ReportMonth {
  month: string;
  versions: IssuedReport[];
}

export function reportMonths(db: Db, now: number, zone: string, limit = 36): ReportMonth[] {
  const issued = listReports(db);
  const first = (db.$client.prepare('SELECT min(first_at) AS at FROM check_runs').get() as { at: number | null }).at;
  const months = new Set(issued.map((r) => r.month));
  if (first !== null) {
    const firstMonth = monthOf(first, zone);
    let m = monthOf(now, zone);
    for (let i = 0; i < limit && m >= firstMonth; i++, m = previousMonth(m)) months.add(m);
  }
  return [...months].sort().reverse().map((month) => ({ month, versions: issued.filter((r) => r.month === month) }));
}
