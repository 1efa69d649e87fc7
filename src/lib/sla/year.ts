import { DateTime } from 'luxon';
import { AppError } from '../errors';
import { monthOf, type Period } from '../time';
import { exactFraction } from './availability';
import { listServices, loadServiceInputs, availabilityFor, type SlaContext, type ServiceRow, type ServiceAvailability } from './figures';
import { monthFigures, type MonthFigures } from './month';
import { failureStatistics, type FailureStatistics } from '../incidents/statistics';

/**
 * The fiscal year (年度): from the configured start month (April) of year Y to the same month
 * of Y + 1, in the configured zone. Its availability is computed over the year's seconds by
 * the rules of SLA.md, never as a mean of months; a year still running is figured to now and
 * judged by "A year still running is judged the same way" (missed only once the downtime so
 * far exceeds the whole year's allowance).
 */
export type YearVerdict = 'met' | 'missed' | 'on_track';

export interface YearServiceFigures {
  service: ServiceRow;
  year: ServiceAvailability;
  verdict: YearVerdict | null;
  /** The whole year's allowed downtime, (1 − target) × (|year| − |E|), null when undefined. */
  allowanceMs: number | null;
  /** Allowance left (negative once exceeded). */
  allowanceLeftMs: number | null;
}

export interface YearFigures {
  fiscalYear: number;
  zone: string;
  period: Period;
  generatedAt: number;
  /** The year has not ended: figured up to `cutOff` (速報). */
  provisional: boolean;
  cutOff: number | null;
  services: YearServiceFigures[];
  /** Every month of the year that has begun, as its month's report computes it. */
  months: MonthFigures[];
  statistics: FailureStatistics;
}

export function fiscalYearPeriod(fiscalYear: number, zone: string, startMonth: number): Period {
  if (!Number.isInteger(fiscalYear) || fiscalYear < 2000 || fiscalYear > 2100) throw new AppError('VALIDATION', `fiscal year ${fiscalYear}: must be a year such as 2026`);
  const start = DateTime.fromObject({ year: fiscalYear, month: startMonth, day: 1 }, { zone });
  return { label: `FY${fiscalYear}`, start: start.toMillis(), end: start.plus({ years: 1 }).toMillis() };
}

/** The fiscal year an instant falls in. */
export function fiscalYearOf(at: number, zone: string, startMonth: number): number {
  const d = DateTime.fromMillis(at, { zone });
  return d.month >= startMonth ? d.year : d.year - 1;
}

/** The months (YYYY-MM) of a fiscal year that have begun by `now`. */
export function monthsOfYear(period: Period, zone: string, now: number): string[] {
  const out: string[] = [];
  for (let m = DateTime.fromMillis(period.start, { zone }); m.toMillis() < period.end && m.toMillis() <= now; m = m.plus({ months: 1 })) out.push(monthOf(m.toMillis(), zone));
  return out;
}

/** The running-year rule of SLA.md applied to a year's availability. */
export function yearVerdict(a: ServiceAvailability, targetPct: number, period: Period): { verdict: YearVerdict | null; allowanceMs: number | null; allowanceLeftMs: number | null } {
  if (a.ratio === null || a.allowedLeftMs === null) return { verdict: null, allowanceMs: null, allowanceLeftMs: null };
  const t = exactFraction(targetPct);
  const allowanceMs = Number((BigInt(period.end - period.start - a.excludedMs) * (t.den - t.num)) / t.den);
  // computeAvailability already judges a running period (SLA.md): missed only once the allowance is spent.
  const verdict: YearVerdict = a.onTrack ? 'on_track' : a.met ? 'met' : 'missed';
  return { verdict, allowanceMs, allowanceLeftMs: a.allowedLeftMs };
}

export function yearFigures(ctx: SlaContext, fiscalYear: number): YearFigures {
  const zone = ctx.config.zone;
  const period = fiscalYearPeriod(fiscalYear, zone, ctx.config.fiscal_year_start_month);
  if (period.start > ctx.now) throw new AppError('VALIDATION', `fiscal year ${fiscalYear} has not begun yet (it starts ${DateTime.fromMillis(period.start, { zone }).toFormat('yyyy-LL-dd')})`);
  const serviceRows = listServices(ctx.db);
  const services = serviceRows.map((service): YearServiceFigures => {
    const year = availabilityFor(ctx, service.slaTargetPct, period, loadServiceInputs(ctx, service.id, period));
    return { service, year, ...yearVerdict(year, service.slaTargetPct, period) };
  });
  const months = monthsOfYear(period, zone, ctx.now).map((m) => monthFigures(ctx, m));
  const provisional = period.end > ctx.now;
  return {
    fiscalYear, zone, period, generatedAt: ctx.now, provisional, cutOff: provisional ? ctx.now : null,
    services, months,
    statistics: failureStatistics(ctx.db, period, ctx.now, { zone, categories: ctx.config.incidents.cause_categories, services: serviceRows }),
  };
}
