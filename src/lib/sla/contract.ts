import { toIso } from '../time';
import type { MonthFigures } from './month';
import { wholeSeconds } from './format';
import { supportJson } from '../support/report';
import type { YearFigures } from './year';
import type { StatGroup } from '../incidents/statistics';

/**
 * The JSON of `npm run sla -- --json` (CONTRACTS.md). Durations are whole seconds
 * (truncated); a ratio is null and its percentage "–" when undefined. Fields beyond the
 * contract's are additions; none of the contract's is renamed.
 */
export function slaJson(f: MonthFigures) {
  return {
    period: { month: f.month, zone: f.zone, start: toIso(f.period.start), end: toIso(f.period.end) },
    services: f.services.map((s) => {
      const a = s.month;
      return {
        slug: s.service.slug,
        name: { ja: s.service.nameJa, en: s.service.nameEn },
        target_pct: s.service.slaTargetPct,
        availability: a.ratio,
        availability_pct: a.pct,
        met: a.met,
        on_track: a.onTrack,
        period_s: wholeSeconds(a.periodMs),
        excluded_s: wholeSeconds(a.excludedMs),
        planned_excluded_s: wholeSeconds(a.plannedExcludedMs),
        force_majeure_s: wholeSeconds(a.forceMajeureMs),
        downtime_s: wholeSeconds(a.downtimeMs),
        unmonitored_s: wholeSeconds(a.unmonitoredMs),
        reduced_quorum_s: wholeSeconds(a.reducedQuorumMs),
        paused_s: wholeSeconds(a.pausedMs),
        allowed_left_s: a.allowedLeftMs === null ? null : wholeSeconds(a.allowedLeftMs),
        outages: a.outages.map((o) => ({ start: toIso(o.start), end: toIso(o.end), duration_s: wholeSeconds(o.end - o.start), source: o.source, ...(o.locations ? { locations: o.locations } : {}) })),
        year_to_date: {
          start: toIso(f.yearToDate.start),
          availability: s.yearToDate.ratio,
          availability_pct: s.yearToDate.pct,
          met: s.yearToDate.met,
          on_track: s.yearToDate.onTrack,
          excluded_s: wholeSeconds(s.yearToDate.excludedMs),
          downtime_s: wholeSeconds(s.yearToDate.downtimeMs),
          allowed_left_s: s.yearToDate.allowedLeftMs === null ? null : wholeSeconds(s.yearToDate.allowedLeftMs),
        },
      };
    }),
    rows: f.rows.map((r) => ({ key: r.key, name: r.name, target: r.target.en, measured: r.measured.en, met: r.met, on_track: r.onTrack ?? false, note: r.note?.en ?? null })),
    incidents: f.incidents.map((i) => ({
      key: i.key, kind: i.kind, severity: i.severity, title: i.title.ja,
      started_at: toIso(i.startedAt), aware_at: i.awareAt === null ? null : toIso(i.awareAt),
      recovered_at: i.recoveredAt === null ? null : toIso(i.recoveredAt), duration_s: wholeSeconds(i.durationMs),
      force_majeure: i.forceMajeure,
      timers: Object.fromEntries(i.timers.map((t) => [t.key, t.state])),
    })),
    counts: { incidents: f.counts.incidents, major: f.counts.major, security: f.counts.security, regular_stops: f.counts.regularStops },
    // A month still running: its figures count only up to the cut-off (SLA.md, Now).
    provisional: f.provisional,
    ...(f.cutOff !== null ? { cut_off: toIso(f.cutOff) } : {}),
    support: supportJson(f.support),
    generated_at: toIso(f.generatedAt),
  };
}

export type SlaJson = ReturnType<typeof slaJson>;

/**
 * The JSON of `npm run sla -- --year YYYY --json` (CONTRACTS.md): the fiscal year's figures
 * per service over the year's seconds, each month as in the month's shape, every SLA row's
 * monthly verdicts, the year's incidents and the failure statistics.
 */
export function slaYearJson(y: YearFigures) {
  const seconds = (ms: number | null) => (ms === null ? null : wholeSeconds(ms));
  const group = (g: StatGroup) => ({ key: g.key, label: g.label, incidents: g.incidents, duration_s: wholeSeconds(g.durationMs) });
  const rowKeys = [...new Map(y.months.flatMap((m) => m.rows.map((r) => [r.key, r.name] as const))).entries()];
  const st = y.statistics;
  return {
    period: { fiscal_year: y.fiscalYear, zone: y.zone, start: toIso(y.period.start), end: toIso(y.period.end) },
    services: y.services.map((s) => ({
      slug: s.service.slug,
      name: { ja: s.service.nameJa, en: s.service.nameEn },
      target_pct: s.service.slaTargetPct,
      availability: s.year.ratio,
      availability_pct: s.year.pct,
      // The year judged against the service's target; a year still running by the running-year rule.
      met: s.verdict === null ? null : s.verdict !== 'missed',
      verdict: s.verdict,
      period_s: wholeSeconds(s.year.periodMs),
      excluded_s: wholeSeconds(s.year.excludedMs),
      planned_excluded_s: wholeSeconds(s.year.plannedExcludedMs),
      force_majeure_s: wholeSeconds(s.year.forceMajeureMs),
      downtime_s: wholeSeconds(s.year.downtimeMs),
      unmonitored_s: wholeSeconds(s.year.unmonitoredMs),
      reduced_quorum_s: wholeSeconds(s.year.reducedQuorumMs),
      allowance_s: seconds(s.allowanceMs),
      allowance_left_s: seconds(s.allowanceLeftMs),
    })),
    months: y.months.map((m) => {
      const j = slaJson(m);
      return { month: m.month, provisional: m.provisional, services: j.services.map(({ year_to_date: _, ...rest }) => rest), counts: j.counts,
        stops: m.stops.filter((s) => s.status !== 'cancelled' && s.scheduledStart >= m.period.start && s.scheduledStart < m.period.end).length,
        support: { minutes: m.support.minutes, survey_answers: m.support.survey.answers, survey_average: m.support.survey.average } };
    }),
    rows: rowKeys.map(([key, name]) => ({
      key, name,
      months: y.months.map((m) => {
        const r = m.rows.find((x) => x.key === key);
        return { month: m.month, measured: r?.measured.en ?? null, met: r ? r.met : null };
      }),
    })),
    incidents: st.incidents.map((i) => ({
      key: i.key, kind: i.kind, severity: i.severity, title: i.titleJa, services: i.services.map((s) => s.slug),
      started_at: toIso(i.startedAt), recovered_at: i.recoveredAt === null ? null : toIso(i.recoveredAt), duration_s: wholeSeconds(i.durationMs),
      cause_category: i.causeCategory,
    })),
    statistics: {
      by_service: st.byService.map((s) => ({ ...group(s), mttr_s: seconds(s.mttrMs), mtbf_s: seconds(s.mtbfMs) })),
      by_category: st.byCategory.map(group),
      by_severity: st.bySeverity.map(group),
      by_month: st.byMonth.map(group),
      by_hour: st.byHour.map(group),
      top_causes: st.topCauses.map(group),
      recurrences: st.recurrences.map((r) => ({ key: r.incident.key, previous: r.previous.key, category: r.category, days_apart: r.daysApart })),
    },
    provisional: y.provisional,
    ...(y.cutOff !== null ? { cut_off: toIso(y.cutOff) } : {}),
    generated_at: toIso(y.generatedAt),
  };
}

export type SlaYearJson = ReturnType<typeof slaYearJson>;
