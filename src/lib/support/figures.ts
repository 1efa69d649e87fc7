import type { Db } from '../db';
import type { Config } from '../config';
import type { Interval } from '../intervals';
import {
  acknowledgedAtReception, closedStatuses, surveyChoices, choiceOfScore,
  type SupportCategory, type SupportChannel, type SupportStatus, type SurveyChoice,
} from './model';

/**
 * The desk's figures for a period, measured from its records (never typed in): the
 * timers of 004 rows 5, 6 and 15, the support hours of 000 §11 and the survey of 004 row 4.
 * A timer is met when done within its limit, missed when done later or when the limit
 * passed with nothing done, pending while the limit has not passed (as incident timers).
 * Only numbers and kinds leave this module: no address, name or text. An item closed as
 * spam or out of scope (`dismissed`) counts nowhere: not its timers, status changes,
 * minutes, nor answers to its survey.
 */
export type DeskTimerState = 'met' | 'missed' | 'pending';

export interface DeskLimits { ackH: number; processingH: number }
export const deskLimitsOf = (config: Config): DeskLimits => ({ ackH: config.support.ack_h, processingH: config.support.processing_h });

export interface SupportItemFigures {
  id: number;
  channel: SupportChannel;
  category: SupportCategory;
  status: SupportStatus;
  serviceSlug: string | null;
  /** The service's name as the report prints it (Japanese). */
  serviceName: string | null;
  receivedAt: number;
  acknowledgedAt: number | null;
  closedAt: number | null;
  /** Acknowledgement timer, for items received in the period. */
  ack: DeskTimerState | null;
  /** Processing of an application (category `request`) received in the period: reported closed within the limit. */
  processing: DeskTimerState | null;
  processedAt: number | null;
  /** Minutes logged in the period. */
  minutes: number;
}

export interface Tally { met: number; missed: number; pending: number }

export interface SupportFigures {
  limits: DeskLimits;
  itemsOpened: number;
  itemsClosed: number;
  /** Items not closed at the end of the period (or now). */
  openAtEnd: number;
  items: SupportItemFigures[];
  ack: Tally;
  /** Status changes in the period, each reported to the requester (mail sent, or a call recorded). */
  statusReports: Tally & { changes: number };
  processing: Tally;
  minutes: number;
  minutesByAdmin: { actor: string; minutes: number }[];
  survey: {
    answers: number;
    /** Sum of every score given (5 a survey): the average is judged on it exactly. */
    scoreSum: number;
    /** The mean of each respondent's average, null without answers. */
    average: number | null;
    /** Truncated to one decimal, never rounded up: 64.96 is 64.9. */
    averageText: string;
    distribution: Record<SurveyChoice, number>;
  };
}

const H = 3_600_000;

/** done within limit → met; done later, or limit passed → missed; otherwise pending. */
export function deskTimer(start: number, doneAt: number | null, limitMs: number, now: number): DeskTimerState {
  if (doneAt !== null) return doneAt - start <= limitMs ? 'met' : 'missed';
  return now - start > limitMs ? 'missed' : 'pending';
}

/** A survey average, exactly judged: `sum / (5 · answers) ≥ min` on integers. */
export function surveyMeets(scoreSum: number, answers: number, min: number): boolean | null {
  if (answers === 0) return null;
  return scoreSum * 10 >= Math.round(min * 10) * 5 * answers;
}

export function surveyAverageText(scoreSum: number, answers: number): string {
  if (answers === 0) return '–';
  const tenths = Math.floor((scoreSum * 2) / answers); // sum / (5n) × 10
  return `${Math.trunc(tenths / 10)}.${tenths % 10}`;
}

const tally = (states: (DeskTimerState | null)[]): Tally => ({
  met: states.filter((s) => s === 'met').length,
  missed: states.filter((s) => s === 'missed').length,
  pending: states.filter((s) => s === 'pending').length,
});

interface ItemRow {
  id: number; channel: SupportChannel; category: SupportCategory; status: SupportStatus; serviceSlug: string | null; serviceName: string | null;
  receivedAt: number; acknowledgedAt: number | null; ackSentAt: number | null; closedAt: number | null;
}
interface EventRow { itemId: number; at: number; toStatus: SupportStatus; reportedVia: string | null; sentAt: number | null; failedAt: number | null }

export function supportFigures(db: Db, period: Interval, now: number, limits: DeskLimits): SupportFigures {
  const c = db.$client;
  const inPeriod = (at: number | null) => at !== null && at >= period.start && at < period.end;
  const items = c.prepare(`SELECT i.id, i.channel, i.category, i.status, s.slug AS serviceSlug, s.name_ja AS serviceName, i.received_at AS receivedAt,
      i.acknowledged_at AS acknowledgedAt, o.sent_at AS ackSentAt, i.closed_at AS closedAt
    FROM support_items i LEFT JOIN services s ON s.id = i.service_id LEFT JOIN mail_outbox o ON o.id = i.ack_outbox_id
    WHERE i.received_at < ? AND i.status <> 'dismissed' AND (i.received_at >= ? OR i.closed_at IS NULL OR i.closed_at >= ?
      OR i.id IN (SELECT item_id FROM support_minutes WHERE worked_at >= ? AND worked_at < ?))
    ORDER BY i.received_at, i.id`).all(period.end, period.start, period.start, period.start, period.end) as ItemRow[];
  const events = c.prepare(`SELECT e.item_id AS itemId, e.at, e.to_status AS toStatus, e.reported_via AS reportedVia, o.sent_at AS sentAt, o.failed_at AS failedAt
    FROM support_events e LEFT JOIN mail_outbox o ON o.id = e.outbox_id
    WHERE e.kind = 'status' AND e.to_status <> 'dismissed' AND e.item_id NOT IN (SELECT id FROM support_items WHERE status = 'dismissed')
      AND ((e.at >= ? AND e.at < ?) OR e.item_id IN (SELECT id FROM support_items WHERE received_at >= ? AND received_at < ?))
    ORDER BY e.at, e.id`).all(period.start, period.end, period.start, period.end) as EventRow[];
  const counted = `worked_at >= ? AND worked_at < ? AND item_id NOT IN (SELECT id FROM support_items WHERE status = 'dismissed')`;
  const minutesByItem = new Map((c.prepare(`SELECT item_id AS itemId, sum(minutes) AS minutes FROM support_minutes WHERE ${counted} GROUP BY item_id`)
    .all(period.start, period.end) as { itemId: number; minutes: number }[]).map((r) => [r.itemId, r.minutes]));
  const minutesByAdmin = c.prepare(`SELECT actor, sum(minutes) AS minutes FROM support_minutes WHERE ${counted} GROUP BY actor ORDER BY actor`)
    .all(period.start, period.end) as { actor: string; minutes: number }[];

  /** When a status change reached the requester: the mail's send time, or the recorded call. */
  const reportedAt = (e: EventRow) => (e.reportedVia === 'mail' ? e.sentAt : e.at);
  const clipNow = Math.min(now, period.end);

  const firstClosing = new Map<number, EventRow>();
  for (const e of events) if (closedStatuses.includes(e.toStatus) && !firstClosing.has(e.itemId)) firstClosing.set(e.itemId, e);

  const figures = items.map((i): SupportItemFigures => {
    const received = inPeriod(i.receivedAt);
    const acknowledgedAt = acknowledgedAtReception(i.channel) ? i.acknowledgedAt ?? i.receivedAt : i.acknowledgedAt ?? i.ackSentAt;
    const closing = firstClosing.get(i.id);
    const processedAt = closing ? reportedAt(closing) : null;
    return {
      id: i.id, channel: i.channel, category: i.category, status: i.status, serviceSlug: i.serviceSlug, serviceName: i.serviceName,
      receivedAt: i.receivedAt, acknowledgedAt, closedAt: i.closedAt,
      ack: received ? deskTimer(i.receivedAt, acknowledgedAt, limits.ackH * H, now) : null,
      processing: received && i.category === 'request' ? deskTimer(i.receivedAt, processedAt, limits.processingH * H, now) : null,
      processedAt,
      minutes: minutesByItem.get(i.id) ?? 0,
    };
  });

  const changes = events.filter((e) => inPeriod(e.at));
  const reportStates = changes.map((e): DeskTimerState => {
    if (e.reportedVia !== 'mail') return 'met';
    if (e.sentAt !== null) return 'met';
    if (e.failedAt !== null) return 'missed';
    return deskTimer(e.at, null, limits.ackH * H, now);
  });

  const answers = c.prepare(`SELECT a.q1, a.q2, a.q3, a.q4, a.q5 FROM survey_answers a JOIN survey_invitations v ON v.id = a.invitation_id
      WHERE a.answered_at >= ? AND a.answered_at < ? AND (v.item_id IS NULL OR v.item_id NOT IN (SELECT id FROM support_items WHERE status = 'dismissed'))`)
    .all(period.start, period.end) as { q1: number; q2: number; q3: number; q4: number; q5: number }[];
  const distribution = Object.fromEntries(surveyChoices.map((ch) => [ch, 0])) as Record<SurveyChoice, number>;
  let scoreSum = 0;
  for (const a of answers) {
    for (const s of [a.q1, a.q2, a.q3, a.q4, a.q5]) {
      scoreSum += s;
      const ch = choiceOfScore(s);
      if (ch) distribution[ch]++;
    }
  }

  // Items closed at the end of the period: those closed before it (a later reopening aside) are not open.
  const openAtEnd = items.filter((i) => i.receivedAt < clipNow && (i.closedAt === null || i.closedAt >= period.end)).length;
  return {
    limits,
    itemsOpened: items.filter((i) => inPeriod(i.receivedAt)).length,
    itemsClosed: items.filter((i) => inPeriod(i.closedAt)).length,
    openAtEnd,
    items: figures,
    ack: tally(figures.map((f) => f.ack)),
    statusReports: { changes: changes.length, ...tally(reportStates) },
    processing: tally(figures.map((f) => f.processing)),
    minutes: minutesByAdmin.reduce((a, r) => a + r.minutes, 0),
    minutesByAdmin,
    survey: {
      answers: answers.length,
      scoreSum,
      average: answers.length ? scoreSum / (5 * answers.length) : null,
      averageText: surveyAverageText(scoreSum, answers.length),
      distribution,
    },
  };
}
