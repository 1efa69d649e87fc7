import { incidentTimers, defaultTimerLimits, type TimerLimits, type TimerResult } from '../sla/timers';
import type { IncidentDetail } from './verbs';

/** The SLA timers of an incident as they stand at `now` (published updates count as progress reports). */
export function timersOf(i: IncidentDetail, now: number, limits: TimerLimits = defaultTimerLimits): TimerResult[] {
  return incidentTimers({
    kind: i.kind, severity: i.severity, startedAt: i.startedAt, detectedAt: i.detectedAt, awareAt: i.awareAt,
    recoveredAt: i.recoveredAt, clientNotifiedAt: i.clientNotifiedAt, etaNotifiedAt: i.etaNotifiedAt,
    recoveryNotifiedAt: i.recoveryNotifiedAt, responseStartedAt: i.responseStartedAt, writtenReportAt: i.writtenReportAt,
    updateTimes: i.updates.filter((u) => u.published).map((u) => u.at),
  }, now, limits);
}

/** The nearest deadline still pending, for the dashboard. */
export function nearestDeadline(timers: TimerResult[]): TimerResult | null {
  let best: TimerResult | null = null;
  for (const t of timers) if (t.state === 'pending' && t.deadline !== null && (best === null || t.deadline < best.deadline!)) best = t;
  return best;
}
