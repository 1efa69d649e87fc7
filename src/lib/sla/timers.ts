/**
 * Incident timers (SLA.md): each runs from a start instant (the admin's awareness, aware_at,
 * unless it says otherwise) to the moment the named thing was done. Met if done within its
 * limit, missed if done later or if the limit passed with nothing done, pending otherwise.
 */
export type TimerState = 'met' | 'missed' | 'pending' | 'not_started';

export interface IncidentTimes {
  kind: 'failure' | 'security';
  severity: 'minor' | 'major' | 'critical';
  startedAt: number;
  detectedAt: number | null;
  awareAt: number | null;
  recoveredAt: number | null;
  clientNotifiedAt: number | null;
  etaNotifiedAt: number | null;
  recoveryNotifiedAt: number | null;
  responseStartedAt: number | null;
  writtenReportAt: number | null;
  /** Published update times, for the progress-report rhythm. */
  updateTimes?: number[];
}

export interface TimerLimits {
  clientNotifyH: number;
  etaNotifyH: number;
  recoveryNotifyH: number;
  recoveryNotifyMajorH: number;
  securityNotifyH: number;
  securityResponseH: number;
  firstReportMin: number;
  recoveryH: number;
  progressEveryH: number;
  writtenReportH: number;
}

/** PRODUCT.md's defaults (000 and the stricter 004 rows). */
export const defaultTimerLimits: TimerLimits = {
  clientNotifyH: 12, etaNotifyH: 12, recoveryNotifyH: 12, recoveryNotifyMajorH: 24,
  securityNotifyH: 12, securityResponseH: 1,
  firstReportMin: 15, recoveryH: 4, progressEveryH: 4, writtenReportH: 24,
};

export const timerKeys = ['client_notified', 'eta_notified', 'recovery_notified', 'first_report', 'recovery', 'progress_report', 'written_report', 'security_response'] as const;
export type TimerKey = (typeof timerKeys)[number];

export interface TimerResult {
  key: TimerKey;
  /** Where the clock starts; null while that instant is not recorded. */
  from: number | null;
  limitMs: number;
  deadline: number | null;
  doneAt: number | null;
  state: TimerState;
}

const H = 3_600_000;

function judge(key: TimerKey, from: number | null, limitMs: number, doneAt: number | null, now: number): TimerResult {
  if (from === null) return { key, from, limitMs, deadline: null, doneAt, state: 'not_started' };
  const deadline = from + limitMs;
  let state: TimerState;
  if (doneAt !== null) state = doneAt - from <= limitMs ? 'met' : 'missed';
  else state = now > deadline ? 'missed' : 'pending';
  return { key, from, limitMs, deadline, doneAt, state };
}

/** A major failure (重大障害): severity major or critical. */
export function isMajor(i: Pick<IncidentTimes, 'severity'>): boolean {
  return i.severity === 'major' || i.severity === 'critical';
}

/**
 * Progress reports every N hours until recovery: met when no stretch between awareness,
 * the published updates and recovery (or now) is longer than N hours.
 */
function progressTimer(i: IncidentTimes, limitMs: number, now: number): TimerResult {
  if (i.awareAt === null) return { key: 'progress_report', from: null, limitMs, deadline: null, doneAt: null, state: 'not_started' };
  const end = i.recoveredAt ?? now;
  const marks = [i.awareAt, ...(i.updateTimes ?? []).filter((t) => t > i.awareAt! && t < end).sort((a, b) => a - b)];
  let longest = 0;
  for (let k = 0; k < marks.length; k++) longest = Math.max(longest, (marks[k + 1] ?? end) - marks[k]!);
  const last = marks[marks.length - 1]!;
  const state: TimerState = longest > limitMs ? 'missed' : i.recoveredAt !== null ? 'met' : 'pending';
  return { key: 'progress_report', from: last, limitMs, deadline: i.recoveredAt === null ? last + limitMs : null, doneAt: i.recoveredAt, state };
}

export function incidentTimers(i: IncidentTimes, now: number, limits: TimerLimits = defaultTimerLimits): TimerResult[] {
  const aware = i.awareAt;
  const results: TimerResult[] = [
    judge('client_notified', aware, (i.kind === 'security' ? limits.securityNotifyH : limits.clientNotifyH) * H, i.clientNotifiedAt, now),
  ];
  if (i.kind === 'security') {
    results.push(judge('security_response', aware, limits.securityResponseH * H, i.responseStartedAt, now));
  }
  results.push(
    judge('eta_notified', aware, limits.etaNotifyH * H, i.etaNotifiedAt, now),
    judge('recovery_notified', aware, (isMajor(i) ? limits.recoveryNotifyMajorH : limits.recoveryNotifyH) * H, i.recoveryNotifiedAt, now),
    judge('first_report', i.detectedAt ?? aware, limits.firstReportMin * 60_000, i.clientNotifiedAt, now),
    judge('recovery', aware, limits.recoveryH * H, i.recoveredAt, now),
    progressTimer(i, limits.progressEveryH * H, now),
    judge('written_report', i.recoveredAt, limits.writtenReportH * H, i.writtenReportAt, now),
  );
  return results;
}

export const timerNames: Record<TimerKey, { ja: string; en: string }> = {
  client_notified: { ja: '発生通知', en: 'Client notified' },
  eta_notified: { ja: '復旧見込通知', en: 'Expected recovery notified' },
  recovery_notified: { ja: '復旧通知', en: 'Recovery notified' },
  first_report: { ja: '第一報', en: 'First report' },
  recovery: { ja: '復旧', en: 'Recovery' },
  progress_report: { ja: '途中経過報告', en: 'Progress reports' },
  written_report: { ja: '障害報告書', en: 'Written report' },
  security_response: { ja: '対応着手', en: 'Response started' },
};
