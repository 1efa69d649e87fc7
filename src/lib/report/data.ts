import type { SlaContext } from '../sla/figures';
import { monthFigures, combinedDowntime, type MonthFigures } from '../sla/month';
import { responseTimes, type ResponseTimes } from './response-times';
import { totalMs } from '../intervals';

/**
 * Everything the monthly report shows, online and in the PDF: the month's SLA figures (the
 * same call as `npm run sla`) and the response-time series and incident statistics.
 */
export interface MeanTimes {
  /** Mean time to detect: started → detected. */
  mttdMs: number | null;
  /** Mean time to acknowledge: detected (or started) → the admin aware. */
  mttaMs: number | null;
  /** Mean time to recover: started → recovered. */
  mttrMs: number | null;
  /** Mean time between failures: service time up to now less downtime, over the number of failures. */
  mtbfMs: number | null;
  failures: number;
}

export interface ReportData {
  figures: MonthFigures;
  responses: ResponseTimes;
  mean: MeanTimes;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function meanTimes(f: MonthFigures): MeanTimes {
  const failures = f.incidents.filter((i) => i.startedInMonth && i.kind === 'failure');
  const observedEnd = Math.min(f.period.end, Math.max(f.generatedAt, f.period.start));
  const upMs = observedEnd - f.period.start - totalMs(combinedDowntime(f));
  return {
    mttdMs: mean(failures.filter((i) => i.detectedAt !== null).map((i) => i.detectedAt! - i.startedAt)),
    mttaMs: mean(failures.filter((i) => i.awareAt !== null).map((i) => i.awareAt! - (i.detectedAt ?? i.startedAt))),
    mttrMs: mean(failures.filter((i) => i.recoveredAt !== null).map((i) => i.recoveredAt! - i.startedAt)),
    mtbfMs: failures.length ? upMs / failures.length : null,
    failures: failures.length,
  };
}

export function reportData(ctx: SlaContext, month: string, options: { issuingAt?: number } = {}): ReportData {
  const figures = monthFigures(ctx, month, options);
  return { figures, responses: responseTimes(ctx.db, figures.period, figures.zone), mean: meanTimes(figures) };
}
