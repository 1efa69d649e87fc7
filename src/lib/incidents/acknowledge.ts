import type { Db } from '../db';
import { AppError } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { acknowledgeAlarm } from '../alarms/index';

/**
 * An operator acknowledges an alarm (the contract's sound-and-lamp alarm stops for it).
 * The acknowledgement is recorded as its incident's awareness time (and detection time)
 * where none is set yet.
 */
export function acknowledgeAlarmAndRecord(db: Db, actor: Actor, alarmId: number, now = Date.now()): { incidentId: number | null; setAware: boolean; setDetected: boolean } {
  const c = db.$client;
  return c.transaction(() => {
    const alarm = c.prepare('SELECT id, incident_id AS incidentId, acknowledged_at AS acknowledgedAt, detected_at AS detectedAt FROM alarms WHERE id = ?').get(alarmId) as
      { id: number; incidentId: number | null; acknowledgedAt: number | null; detectedAt: number } | undefined;
    if (!alarm) throw new AppError('NOT_FOUND', `no alarm ${alarmId}`);
    if (alarm.acknowledgedAt !== null) return { incidentId: alarm.incidentId, setAware: false, setDetected: false };
    acknowledgeAlarm(db, alarmId, actor.id ?? 0, now); // nested: runs inside this transaction
    let setAware = false;
    let setDetected = false;
    if (alarm.incidentId !== null) {
      const inc = c.prepare('SELECT aware_at AS awareAt, detected_at AS detectedAt, started_at AS startedAt FROM incidents WHERE id = ?').get(alarm.incidentId) as
        { awareAt: number | null; detectedAt: number | null; startedAt: number } | undefined;
      if (inc) {
        const at = Math.max(now, inc.startedAt);
        if (inc.detectedAt === null) {
          c.prepare('UPDATE incidents SET detected_at = ?, updated_at = ? WHERE id = ?').run(at, now, alarm.incidentId);
          setDetected = true;
        }
        if (inc.awareAt === null) {
          c.prepare('UPDATE incidents SET aware_at = ?, updated_at = ? WHERE id = ?').run(at, now, alarm.incidentId);
          setAware = true;
        }
      }
    }
    recordAudit(db, actor, 'alarm.acknowledge', 'alarm', alarmId, { acknowledgedAt: null }, { acknowledgedAt: now, incidentId: alarm.incidentId, setAware, setDetected }, now);
    return { incidentId: alarm.incidentId, setAware, setDetected };
  }).immediate();
}
