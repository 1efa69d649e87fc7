import { toIso } from '../time';
import type { MonthFigures } from './month';
import { wholeSeconds } from './format';
import { supportJson } from '../support/report';

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
