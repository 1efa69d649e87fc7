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

/** A certificate warning of the probe (alarm code `tls_expiry`) that was open at some time in the month. */
export interface CertWarning {
  alarmId: number;
  monitorSlug: string;
  monitorType: string;
  serviceSlug: string;
  severity: 'warning' | 'critical';
  message: string;
  startedAt: number;
  /** When it cleared, if that was before the month's end; null while it stayed open. */
  clearedAt: number | null;
}

export interface ReportData {
  figures: MonthFigures;
  responses: ResponseTimes;
  mean: MeanTimes;
  /** The probe's certificate warnings of the month (open or cleared), from every monitor type that checks certificates. */
  certWarnings: CertWarning[];
}

/** Certificate warnings open at any time in [start, end): raised before the end, not cleared before the start. */
export function certWarnings(db: SlaContext['db'], period: { start: number; end: number }): CertWarning[] {
  const rows = db.$client.prepare(`SELECT a.id AS alarmId, m.slug AS monitorSlug, m.type AS monitorType, s.slug AS serviceSlug, a.severity, a.message,
      a.started_at AS startedAt, a.recovered_at AS recoveredAt
    FROM alarms a JOIN monitors m ON m.id = a.monitor_id JOIN services s ON s.id = m.service_id
    WHERE a.kind = 'warning' AND a.code = 'tls_expiry' AND a.started_at < ? AND (a.recovered_at IS NULL OR a.recovered_at >= ?)
    ORDER BY a.started_at, a.id`).all(period.end, period.start) as Array<Omit<CertWarning, 'clearedAt'> & { recoveredAt: number | null }>;
  return rows.map(({ recoveredAt, ...r }) => ({ ...r, clearedAt: recoveredAt !== null && recoveredAt < period.end ? recoveredAt : null }));
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
  return { figures, responses: responseTimes(ctx.db, figures.period, figures.zone), mean: meanTimes(figures), certWarnings: certWarnings(ctx.db, figures.period) };
}
