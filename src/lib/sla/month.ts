import type { Config } from '../config';
import { type Interval, clip, totalMs, union, intersect } from '../intervals';
import { monthPeriod, fiscalYearToDate, daysBetween, type Period } from '../time';
import { AppError } from '../errors';
import {
  type SlaContext, type ServiceRow, type ServiceAvailability,
  listServices, loadServiceInputs, availabilityFor, loadMonitorOutagesRaw, loadMonitorCoverage,
} from './figures';
import {
  type PlannedStop, type WindowRule, excludedInterval, noticeMet, noticeDaysGiven, isRegular, outsideWindow, overrunMs, earlyStartMs,
} from './planned-stops';
import { incidentTimers, isMajor, type TimerLimits, type TimerResult, type IncidentTimes } from './timers';
import { readBackups, type BackupFigures } from './backups';
import { manualValues, type ManualValue } from './manual';
import { evaluateRows, type RowResult } from './rows';
import { lifeSpan } from './coverage';
import { settingAt, settingSpans } from '../monitors/history';
import { inForce } from './closing';
import { supportFigures, deskLimitsOf, type SupportFigures } from '../support/figures';

/**
 * The month's SLA figures: the one call behind `npm run sla`, the online report pages and
 * the PDF. Everything here is computed from the records by the rules of SLA.md.
 */
export interface DayFigures {
  day: Period;
  /** The day has not begun yet (a month still running). */
  future: boolean;
  downtimeMs: number;
  excludedMs: number;
  unmonitoredMs: number;
  /** Monitored share of the day's service time (so far), null when there was none. */
  coverage: number | null;
  ratio: number | null;
  pct: string;
}

export interface ServiceFigures {
  service: ServiceRow;
  month: ServiceAvailability;
  yearToDate: ServiceAvailability;
  days: DayFigures[];
}

export interface IncidentFigures extends Omit<IncidentTimes, 'updateTimes'> {
  id: number;
  key: string;
  major: boolean;
  title: { ja: string; en: string | null };
  services: { slug: string; nameJa: string; impact: string }[];
  forceMajeure: boolean;
  forceMajeureReason: string | null;
  cause: string | null;
  fix: string | null;
  prevention: string | null;
  causeKnown: boolean | null;
  /** From start to recovery (or now), whole incident. */
  durationMs: number;
  /** Started inside the month (counted in the month's statistics); otherwise carried over, still open at its start. */
  startedInMonth: boolean;
  timers: TimerResult[];
  updates: { at: number; status: string; bodyJa: string }[];
}

export interface StopFigures extends PlannedStop {
  id: number;
  key: string;
  category: string;
  regular: boolean;
  title: { ja: string; en: string | null };
  services: string[];
  /** Whole days between the client's notice and the start; null while not announced (未告知). */
  noticeDays: number | null;
  noticeMet: boolean;
  approved: boolean;
  /** Its time counts as excluded (notice held or the client approved it, and it was not cancelled). */
  qualifies: boolean;
  overrunMs: number;
  earlyStartMs: number;
  windowMet: boolean;
  outsideWindowMs: number;
  /** Time it removed from the month's service time. */
  excludedMs: number;
}

export interface MonitorFigures {
  id: number;
  slug: string;
  type: string;
  serviceSlug: string;
  /** As reports show it (secrets masked), as it was at the end of the month. */
  target: string;
  intervalS: number;
  timeoutS: number;
  confirm: number;
  countsForAvailability: boolean;
  /** Confirmed outages that began in the month, false positives included. */
  detections: number;
  falsePositives: number;
  unmonitoredMs: number;
}

export interface MonthFigures {
  month: string;
  zone: string;
  period: Period;
  yearToDate: Period;
  generatedAt: number;
  services: ServiceFigures[];
  incidents: IncidentFigures[];
  stops: StopFigures[];
  monitors: MonitorFigures[];
  backups: BackupFigures;
  counts: { incidents: number; major: number; security: number; regularStops: number };
  manual: ManualValue[];
  /** When this month's report was first issued, null if not yet. */
  firstIssuedAt: number | null;
  /** The month has not ended: its figures count only up to `cutOff` (速報). */
  provisional: boolean;
  cutOff: number | null;
  /** The support desk's month (items, timers, hours, survey), measured from its records. */
  support: SupportFigures;
  rows: RowResult[];
}

export function timerLimitsOf(config: Config): TimerLimits {
  const t = config.sla.timers;
  return {
    clientNotifyH: t.client_notify_h, etaNotifyH: t.eta_notify_h, recoveryNotifyH: t.recovery_notify_h,
    recoveryNotifyMajorH: t.recovery_notify_major_h, securityNotifyH: t.security_notify_h, securityResponseH: t.security_response_h,
    firstReportMin: t.first_report_min, recoveryH: t.recovery_h, progressEveryH: t.progress_every_h, writtenReportH: t.written_report_h,
  };
}

export function windowRuleOf(config: Config): WindowRule {
  return { zone: config.zone, fromHour: config.sla.window_from_hour, untilHour: config.sla.window_until_hour, holidays: config.sla.holidays === 'jp' };
}

/** A service's availability for any period (a month, the fiscal year to date, any range). */
export function serviceAvailabilityFor(ctx: SlaContext, slug: string, period: Interval): ServiceAvailability {
  const service = listServices(ctx.db).find((s) => s.slug === slug);
  if (!service) throw new AppError('NOT_FOUND', `no service "${slug}"`);
  if (!(period.end > period.start)) throw new AppError('VALIDATION', 'the period must end after it starts');
  return availabilityFor(ctx, service.slaTargetPct, period, loadServiceInputs(ctx, service.id, period));
}

function dayFigures(ctx: SlaContext, service: ServiceRow, period: Period, inputs: ReturnType<typeof loadServiceInputs>): DayFigures[] {
  return daysBetween(period.start, period.end, ctx.config.zone).map((day) => {
    const future = day.start >= ctx.now;
    const a = availabilityFor(ctx, service.slaTargetPct, future ? day : { start: day.start, end: Math.min(day.end, ctx.now) }, inputs);
    const serviceMs = a.periodMs - a.excludedMs;
    return {
      day, future,
      downtimeMs: future ? 0 : a.downtimeMs,
      excludedMs: future ? 0 : a.excludedMs,
      unmonitoredMs: future ? 0 : a.unmonitoredMs,
      coverage: future || serviceMs <= 0 ? null : (serviceMs - a.unmonitoredMs) / serviceMs,
      ratio: future ? null : a.ratio,
      pct: future ? '–' : a.pct,
    };
  });
}

interface IncidentRow {
  id: number; key: string; kind: 'failure' | 'security'; severity: 'minor' | 'major' | 'critical'; titleJa: string; titleEn: string | null;
  startedAt: number; detectedAt: number | null; awareAt: number | null; recoveredAt: number | null; clientNotifiedAt: number | null;
  etaNotifiedAt: number | null; recoveryNotifiedAt: number | null; responseStartedAt: number | null; writtenReportAt: number | null;
  forceMajeure: number; forceMajeureReason: string | null; cause: string | null; fix: string | null; prevention: string | null; causeKnown: number | null;
}

function loadIncidents(ctx: SlaContext, period: Period, limits: TimerLimits): IncidentFigures[] {
  const c = ctx.db.$client;
  const rows = c.prepare(`SELECT id, key, kind, severity, title_ja AS titleJa, title_en AS titleEn, started_at AS startedAt, detected_at AS detectedAt,
      aware_at AS awareAt, recovered_at AS recoveredAt, client_notified_at AS clientNotifiedAt, eta_notified_at AS etaNotifiedAt,
      recovery_notified_at AS recoveryNotifiedAt, response_started_at AS responseStartedAt, written_report_at AS writtenReportAt,
      force_majeure AS forceMajeure, force_majeure_reason AS forceMajeureReason, cause, fix, prevention, cause_known AS causeKnown
    FROM incidents WHERE draft = 0 AND started_at < ? AND (started_at >= ? OR recovered_at IS NULL OR recovered_at > ?)
    ORDER BY started_at, id`).all(period.end, period.start, period.start) as IncidentRow[];
  const servicesOf = c.prepare(`SELECT s.slug, s.name_ja AS nameJa, x.impact FROM incident_services x JOIN services s ON s.id = x.service_id
    WHERE x.incident_id = ? ORDER BY s.sort_order, s.id`);
  const updatesOf = c.prepare('SELECT at, status, body_ja AS bodyJa FROM incident_updates WHERE incident_id = ? AND published = 1 ORDER BY at, id');
  return rows.map((r): IncidentFigures => {
    const updates = updatesOf.all(r.id) as IncidentFigures['updates'];
    const times: IncidentTimes = { ...r, updateTimes: updates.map((u) => u.at) };
    return {
      id: r.id, key: r.key, kind: r.kind, severity: r.severity, major: isMajor(r),
      title: { ja: r.titleJa, en: r.titleEn },
      services: servicesOf.all(r.id) as IncidentFigures['services'],
      startedAt: r.startedAt, detectedAt: r.detectedAt, awareAt: r.awareAt, recoveredAt: r.recoveredAt,
      clientNotifiedAt: r.clientNotifiedAt, etaNotifiedAt: r.etaNotifiedAt, recoveryNotifiedAt: r.recoveryNotifiedAt,
      responseStartedAt: r.responseStartedAt, writtenReportAt: r.writtenReportAt,
      forceMajeure: r.forceMajeure === 1, forceMajeureReason: r.forceMajeureReason,
      cause: r.cause, fix: r.fix, prevention: r.prevention, causeKnown: r.causeKnown === null ? null : r.causeKnown === 1,
      durationMs: Math.max(0, (r.recoveredAt ?? ctx.now) - r.startedAt),
      startedInMonth: r.startedAt >= period.start,
      timers: incidentTimers(times, ctx.now, limits),
      updates,
    };
  });
}

function loadStops(ctx: SlaContext, period: Period): StopFigures[] {
  const c = ctx.db.$client;
  const rows = c.prepare(`SELECT id, key, category, title_ja AS titleJa, title_en AS titleEn, announced_at AS announcedAt, scheduled_start AS scheduledStart,
      scheduled_end AS scheduledEnd, actual_start AS actualStart, actual_end AS actualEnd, client_approved_at AS clientApprovedAt, status
    FROM maintenances WHERE (scheduled_start < ? AND scheduled_end > ?) OR (actual_start < ? AND coalesce(actual_end, ?) > ?)
    ORDER BY scheduled_start, id`).all(period.end, period.start, period.end, ctx.now, period.start) as (PlannedStop & { id: number; key: string; category: string; titleJa: string; titleEn: string | null })[];
  const servicesOf = c.prepare('SELECT s.slug FROM maintenance_services x JOIN services s ON s.id = x.service_id WHERE x.maintenance_id = ? ORDER BY s.sort_order, s.id');
  const rule = windowRuleOf(ctx.config);
  const noticeDays = ctx.config.sla.notice_days;
  return rows.map((s): StopFigures => {
    const excluded = excludedInterval(s, ctx.now, noticeDays);
    const outside = outsideWindow(s, rule);
    return {
      id: s.id, key: s.key, category: s.category, regular: isRegular(s.category),
      title: { ja: s.titleJa, en: s.titleEn },
      services: (servicesOf.all(s.id) as { slug: string }[]).map((x) => x.slug),
      announcedAt: s.announcedAt, scheduledStart: s.scheduledStart, scheduledEnd: s.scheduledEnd,
      actualStart: s.actualStart, actualEnd: s.actualEnd, clientApprovedAt: s.clientApprovedAt, status: s.status,
      noticeDays: noticeDaysGiven(s), noticeMet: noticeMet(s, noticeDays), approved: s.clientApprovedAt !== null,
      qualifies: s.status !== 'cancelled' && (noticeMet(s, noticeDays) || s.clientApprovedAt !== null),
      overrunMs: overrunMs(s, ctx.now), earlyStartMs: earlyStartMs(s),
      windowMet: outside.length === 0, outsideWindowMs: totalMs(outside),
      excludedMs: excluded ? totalMs(clip([excluded], { start: period.start, end: Math.min(period.end, Math.max(ctx.now, period.start)) })) : 0,
    };
  });
}

/** The month's monitors, grouped by service in the month's order of `services`. */
function loadMonitors(ctx: SlaContext, period: Period, services: readonly ServiceRow[]): MonitorFigures[] {
  const c = ctx.db.$client;
  const rows = c.prepare('SELECT m.id, m.slug FROM monitors m ORDER BY m.id').all() as Pick<MonitorFigures, 'id' | 'slug'>[];
  const servicesById = new Map(services.map((s, i) => [s.id, { slug: s.slug, place: i }]));
  const fpCount = c.prepare('SELECT count(*) AS n FROM false_positives WHERE monitor_id = ? AND start >= ? AND start < ?');
  const observed = { start: period.start, end: Math.min(period.end, Math.max(ctx.now, period.start)) };
  const listed = rows.flatMap((m) => {
    const coverage = loadMonitorCoverage(ctx.db, m, period, ctx.now);
    // A monitor added after the month, or removed before it, was not part of it.
    const span = lifeSpan(coverage.life);
    if (span ? span.end <= period.start || span.start >= period.end : coverage.life.addedAt !== null || coverage.life.removedAt !== null) return [];
    // Its settings as they were at the end of the month (so far): a later change leaves a closed month's table as it was.
    const settings = settingAt(settingSpans(ctx.db, m.id), observed.end - 1);
    const service = servicesById.get(settings.serviceId);
    if (!service) return [];
    const outages = loadMonitorOutagesRaw(ctx.db, m, period, ctx.now).filter((o) => o.start >= period.start && o.start < period.end);
    const figures: MonitorFigures = {
      ...m,
      type: settings.type,
      target: settings.shownTarget,
      serviceSlug: service.slug,
      intervalS: settings.intervalS,
      timeoutS: settings.timeoutS,
      confirm: settings.confirm,
      countsForAvailability: settings.countsForAvailability,
      detections: outages.length,
      falsePositives: (fpCount.get(m.id, period.start, period.end) as { n: number }).n,
      unmonitoredMs: totalMs(intersect(coverage.unmonitored, [observed])),
    };
    return [{ figures, place: service.place }];
  });
  listed.sort((a, b) => a.place - b.place || a.figures.id - b.figures.id);
  return listed.map((l) => l.figures);
}

function firstIssuedAt(ctx: SlaContext, month: string): number | null {
  const row = ctx.db.$client.prepare('SELECT min(created_at) AS at FROM reports WHERE month = ?').get(month) as { at: number | null } | undefined;
  return row?.at ?? null;
}

/** Every figure of the month (SLA.md), for the site, the CLI and the PDF alike. */
export function monthFigures(current: SlaContext, month: string, options: { issuingAt?: number } = {}): MonthFigures {
  // A closed month is computed with the settings it closed with (SLA.md, Figures over time).
  const kept = inForce(current.db, current.config, month, listServices(current.db));
  const ctx: SlaContext = { ...current, config: kept.config };
  const zone = ctx.config.zone;
  const period = monthPeriod(month, zone);
  const ytd = fiscalYearToDate(month, zone, ctx.config.fiscal_year_start_month);
  const limits = timerLimitsOf(ctx.config);

  const services = kept.services.map((service): ServiceFigures => {
    const inputs = loadServiceInputs(ctx, service.id, ytd);
    return {
      service,
      month: availabilityFor(ctx, service.slaTargetPct, period, inputs),
      yearToDate: availabilityFor(ctx, service.slaTargetPct, ytd, inputs),
      days: dayFigures(ctx, service, period, inputs),
    };
  });
  const incidents = loadIncidents(ctx, period, limits);
  const stops = loadStops(ctx, period);
  const inMonth = (at: number) => at >= period.start && at < period.end;
  const started = incidents.filter((i) => i.startedInMonth);
  const counts = {
    incidents: started.length,
    major: started.filter((i) => i.kind === 'failure' && i.major).length,
    security: started.filter((i) => i.kind === 'security').length,
    regularStops: stops.filter((s) => s.regular && s.status !== 'cancelled' && inMonth(s.scheduledStart)).length,
  };
  const base = {
    month, zone, period, yearToDate: ytd, generatedAt: ctx.now,
    services, incidents, stops,
    monitors: loadMonitors(ctx, period, kept.services),
    backups: readBackups(ctx.db, period, ctx.now, zone),
    counts,
    manual: manualValues(ctx.db, month),
    // A report being issued right now counts as issued when it is the first of the month.
    firstIssuedAt: firstIssuedAt(ctx, month) ?? options.issuingAt ?? null,
    provisional: period.end > ctx.now,
    cutOff: period.end > ctx.now ? Math.max(ctx.now, period.start) : null,
    support: supportFigures(ctx.db, period, ctx.now, deskLimitsOf(ctx.config)),
  };
  const rows = evaluateRows(base, ctx.config, limits);
  return { ...base, rows };
}

export type MonthFiguresBase = Omit<MonthFigures, 'rows'>;

/** Downtime of all services together, for MTBF: the union of their downtime in the month. */
export function combinedDowntime(f: MonthFiguresBase): Interval[] {
  return union(...f.services.map((s) => s.month.downtime));
}
