import type { Db } from '../db';
import { AppError } from '../errors';

export { AlarmEngine, type AlarmSettings } from './engine';

/** An alarm as the admin dashboard shows it. Instants are epoch ms, UTC. */
export interface AlarmView {
  id: number;
  kind: 'outage' | 'warning';
  code: string;
  severity: 'warning' | 'critical';
  message: string;
  monitorId: number;
  monitorSlug: string;
  monitorType: string;
  serviceId: number;
  serviceSlug: string;
  serviceNameJa: string;
  serviceNameEn: string | null;
  startedAt: number;
  detectedAt: number;
  recoveredAt: number | null;
  recoveryDetectedAt: number | null;
  incidentId: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: number | null;
}

const SELECT = `SELECT a.id, a.kind, a.code, a.severity, a.message, a.monitor_id AS monitorId, m.slug AS monitorSlug, m.type AS monitorType,
  s.id AS serviceId, s.slug AS serviceSlug, s.name_ja AS serviceNameJa, s.name_en AS serviceNameEn,
  a.started_at AS startedAt, a.detected_at AS detectedAt, a.recovered_at AS recoveredAt, a.recovery_detected_at AS recoveryDetectedAt,
  a.incident_id AS incidentId, a.acknowledged_at AS acknowledgedAt, a.acknowledged_by AS acknowledgedBy
  FROM alarms a JOIN monitors m ON m.id = a.monitor_id JOIN services s ON s.id = m.service_id`;

/** Alarms not yet recovered: outages first, then critical warnings, newest first. */
export function listOpenAlarms(db: Db): AlarmView[] {
  return db.$client.prepare(`${SELECT} WHERE a.recovery_detected_at IS NULL
    ORDER BY a.kind = 'outage' DESC, a.severity = 'critical' DESC, a.detected_at DESC`).all() as AlarmView[];
}

/** Alarms detected in [from, to), newest first (history for the dashboard and the monthly report). */
export function listAlarms(db: Db, from: number, to: number, limit = 500): AlarmView[] {
  return db.$client.prepare(`${SELECT} WHERE a.detected_at >= ? AND a.detected_at < ? ORDER BY a.detected_at DESC LIMIT ?`).all(from, to, limit) as AlarmView[];
}

/**
 * Marks an alarm seen by an admin. The first acknowledgement stands; acknowledging again
 * changes nothing. NOT_FOUND when there is no such alarm.
 */
export function acknowledgeAlarm(db: Db, id: number, userId: number, now: number = Date.now()): AlarmView {
  if (!Number.isInteger(id) || id <= 0) throw new AppError('VALIDATION', 'id: must be a positive integer', [{ path: '$.id', message: 'must be a positive integer' }]);
  const c = db.$client;
  return c.transaction(() => {
    const res = c.prepare('UPDATE alarms SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL').run(now, userId, id);
    const row = c.prepare(`${SELECT} WHERE a.id = ?`).get(id) as AlarmView | undefined;
    if (!row) throw new AppError('NOT_FOUND', `no alarm ${id}`);
    void res;
    return row;
  }).immediate();
}

/** A notification the probe sent about an alarm. `sentAt` is null while the mail waits in the outbox. */
export interface NotificationView {
  id: number;
  alarmId: number;
  incidentId: number | null;
  event: 'outage' | 'recovery' | 'warning' | 'warning_cleared';
  channel: string;
  recipient: string;
  queuedAt: number;
  sentAt: number | null;
  lastError: string | null;
}

/** The notifications about an incident's alarms, in order (the incident page and its timers). */
export function notificationsOfIncident(db: Db, incidentId: number): NotificationView[] {
  return db.$client.prepare(`SELECT n.id, n.alarm_id AS alarmId, n.incident_id AS incidentId, n.event, n.channel, n.recipient,
      n.queued_at AS queuedAt, n.sent_at AS sentAt, o.last_error AS lastError
    FROM alarm_notifications n LEFT JOIN mail_outbox o ON o.id = n.outbox_id WHERE n.incident_id = ? ORDER BY n.queued_at, n.id`).all(incidentId) as NotificationView[];
}

/** When the operators were first told of the incident (the first alarm mail that left), or null. */
export function firstNotifiedAt(db: Db, incidentId: number): number | null {
  const row = db.$client.prepare("SELECT MIN(sent_at) AS at FROM alarm_notifications WHERE incident_id = ? AND event = 'outage'").get(incidentId) as { at: number | null };
  return row.at;
}
