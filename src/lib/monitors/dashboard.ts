import type { Db } from '../db';
import { statusName } from '../checks/status';
import { getIncident, listOpenDrafts } from '../incidents/verbs';
import { timersOf, nearestDeadline } from '../incidents/timers';
import { nextStop } from '../maintenance/verbs';
import { defaultTimerLimits, type TimerLimits } from '../sla/timers';
import { listOpenAlarms } from '../alarms/index';

/** What the operators' dashboard shows, as JSON for its live updates. */
export interface DashboardData {
  now: number;
  services: Array<{
    id: number; slug: string; nameJa: string; nameEn: string | null;
    monitors: Array<{ id: number; slug: string; type: string; paused: boolean; status: 'up' | 'degraded' | 'down' | 'unknown'; lastAt: number | null; latencyMs: number | null; error: string | null }>;
  }>;
  alarms: Array<{ id: number; monitorId: number; monitor: string; kind: string; code: string; severity: string; message: string; startedAt: number; detectedAt: number; recoveredAt: number | null; acknowledgedAt: number | null; incidentId: number | null }>;
  incidents: Array<{ id: number; titleJa: string; titleEn: string | null; kind: string; severity: string; startedAt: number; draft: boolean; nearest: { key: string; deadline: number } | null }>;
  drafts: number;
  /** The most urgent running timer of an open incident: what the operator must do next. */
  nextAction: { incidentId: number; titleJa: string; titleEn: string | null; timer: string; deadline: number; anchor: string } | null;
  /** Support items received and not yet taken up (status received), newest first. */
  inquiries: Array<{ id: number; receivedAt: number; channel: string; category: string; ackDeadline: number | null }>;
  /** `announced`: the client's notice was sent (a stop not yet announced is shown as 未告知). */
  nextStop: { id: number; titleJa: string; titleEn: string | null; status: string; scheduledStart: number; scheduledEnd: number; announced: boolean } | null;
}

const UNACKED_RECOVERED = `SELECT a.id FROM alarms a WHERE a.acknowledged_at IS NULL AND a.recovery_detected_at IS NOT NULL ORDER BY a.detected_at DESC LIMIT 50`;

/** Open alarms and warnings (listOpenAlarms), and recovered ones nobody has acknowledged yet. */
export function dashboardAlarms(db: Db): DashboardData['alarms'] {
  const open = listOpenAlarms(db);
  const seen = new Set(open.map((a) => a.id));
  const extraIds = (db.$client.prepare(UNACKED_RECOVERED).all() as { id: number }[]).map((r) => r.id).filter((id) => !seen.has(id));
  const extra = extraIds.length
    ? (db.$client.prepare(`SELECT a.id, a.monitor_id AS monitorId, m.slug AS monitorSlug, a.kind, a.code, a.severity, a.message, a.started_at AS startedAt,
        a.detected_at AS detectedAt, a.recovered_at AS recoveredAt, a.acknowledged_at AS acknowledgedAt, a.incident_id AS incidentId
        FROM alarms a JOIN monitors m ON m.id = a.monitor_id WHERE a.id IN (${extraIds.map(() => '?').join(',')})`).all(...extraIds) as Array<{ monitorSlug: string } & Omit<DashboardData['alarms'][number], 'monitor'>>)
    : [];
  return [...open, ...extra].map((a) => ({
    id: a.id, monitorId: a.monitorId, monitor: a.monitorSlug, kind: a.kind, code: a.code, severity: a.severity, message: a.message,
    startedAt: a.startedAt, detectedAt: a.detectedAt, recoveredAt: a.recoveredAt, acknowledgedAt: a.acknowledgedAt, incidentId: a.incidentId,
  }));
}

/** Where on an incident's page the thing a timer waits for is done. */
export const timerAnchor: Record<string, string> = {
  client_notified: 'notice-first_report', first_report: 'notice-first_report', eta_notified: 'notice-eta', recovery_notified: 'notice-recovery',
  recovery: 'resolve', progress_report: 'add-update', written_report: 'written-report', security_response: 'time-responseStartedAt',
};

export function dashboardData(db: Db, now = Date.now(), limits: TimerLimits = defaultTimerLimits, ackHours = 2): DashboardData {
  const c = db.$client;
  const latest = c.prepare(`SELECT m.id, m.slug, m.type, m.paused, m.service_id AS serviceId,
      (SELECT at FROM checks WHERE monitor_id = m.id ORDER BY at DESC LIMIT 1) AS lastAt
    FROM monitors m WHERE m.removed_at IS NULL ORDER BY m.slug`).all() as Array<{ id: number; slug: string; type: string; paused: number; serviceId: number; lastAt: number | null }>;
  const checkAt = c.prepare('SELECT status, latency_ms AS latencyMs, error FROM checks WHERE monitor_id = ? AND at = ?');
  const svc = c.prepare('SELECT id, slug, name_ja AS nameJa, name_en AS nameEn FROM services ORDER BY sort_order, id').all() as Array<{ id: number; slug: string; nameJa: string; nameEn: string | null }>;
  const servicesOut = svc.map((s) => ({
    ...s,
    monitors: latest.filter((m) => m.serviceId === s.id).map((m) => {
      const last = m.lastAt === null ? undefined : (checkAt.get(m.id, m.lastAt) as { status: number; latencyMs: number | null; error: string | null } | undefined);
      return {
        id: m.id, slug: m.slug, type: m.type, paused: Boolean(m.paused),
        status: last ? statusName(last.status) : ('unknown' as const),
        lastAt: m.lastAt, latencyMs: last?.latencyMs ?? null, error: last?.error ?? null,
      };
    }),
  }));
  const openIds = c.prepare('SELECT id FROM incidents WHERE draft = 0 AND recovered_at IS NULL ORDER BY started_at DESC').all() as { id: number }[];
  const drafts = listOpenDrafts(db);
  const incidentsOut = [...openIds.map((r) => r.id), ...drafts.map((d) => d.id)].map((id) => {
    const i = getIncident(db, id)!;
    const near = nearestDeadline(timersOf(i, now, limits));
    return { id: i.id, titleJa: i.titleJa, titleEn: i.titleEn, kind: i.kind, severity: i.severity, startedAt: i.startedAt, draft: i.draft, nearest: near ? { key: near.key, deadline: near.deadline! } : null };
  }).sort((a, b) => (a.nearest?.deadline ?? Infinity) - (b.nearest?.deadline ?? Infinity)); // the most urgent first
  const urgent = incidentsOut.find((i) => i.nearest !== null && !i.draft);
  // Mail and form items wait for their acknowledgement mail (support.ack_h); phone and visits are acknowledged at once.
  const inquiries = (c.prepare(`SELECT id, received_at AS receivedAt, channel, category, acknowledged_at AS acknowledgedAt FROM support_items
    WHERE status = 'received' ORDER BY received_at DESC, id DESC LIMIT 20`).all() as Array<{ id: number; receivedAt: number; channel: string; category: string; acknowledgedAt: number | null }>)
    .map((r) => ({ id: r.id, receivedAt: r.receivedAt, channel: r.channel, category: r.category, ackDeadline: r.acknowledgedAt === null && (r.channel === 'mail' || r.channel === 'form') ? r.receivedAt + ackHours * 3_600_000 : null }));
  const stop = nextStop(db);
  return {
    now,
    services: servicesOut,
    alarms: dashboardAlarms(db),
    incidents: incidentsOut,
    drafts: drafts.length,
    nextAction: urgent ? { incidentId: urgent.id, titleJa: urgent.titleJa, titleEn: urgent.titleEn, timer: urgent.nearest!.key, deadline: urgent.nearest!.deadline, anchor: timerAnchor[urgent.nearest!.key] ?? 'timers' } : null,
    inquiries,
    nextStop: stop ? { id: stop.id, titleJa: stop.titleJa, titleEn: stop.titleEn, status: stop.status, scheduledStart: stop.scheduledStart, scheduledEnd: stop.scheduledEnd, announced: stop.announcedAt !== null } : null,
  };
}
