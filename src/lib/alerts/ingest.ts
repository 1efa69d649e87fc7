import { z } from 'zod';
import type { Db } from '../db';
import { jsonPath } from '../errors';
import type { AlertSource } from './sources';

/**
 * Alerts sent in by a source, stored one row per alert (`external_alerts`); the external
 * monitors read them at each check (../probe/checks/external.ts), so an alert goes through
 * the same confirmation, alarm, incident, flap and SLA rules as a probed failure.
 *
 * One delivery is one transaction: a payload with any problem is refused whole with the
 * reason and changes nothing. A replayed delivery changes nothing either: an alert is keyed
 * by the source's own identity for it, and a `firing` for an alert already resolved from the
 * same start is an old message arriving late, not a new outage.
 */
export interface IncomingAlert {
  fingerprint: string;
  labels: Record<string, string>;
  state: 'firing' | 'resolved';
  startsAt: number;
  endsAt: number | null;
}

export type IngestResult = { ok: true; stored: number; unchanged: number } | { ok: false; error: string };

const labelSet = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a label name'), z.string().max(1000));
const instant = z.string().datetime({ offset: true });

/** Alertmanager's webhook_configs payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export const alertmanagerPayload = z.object({
  version: z.literal('4'),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  alerts: z.array(z.object({
    status: z.enum(['firing', 'resolved']),
    labels: labelSet,
    annotations: labelSet.optional(),
    startsAt: instant,
    endsAt: instant.optional(),
    fingerprint: z.string().regex(/^[0-9a-f]{1,64}$/, 'must be the alert\'s hex fingerprint'),
  })).max(10_000),
});

/** Alertmanager writes `0001-01-01T00:00:00Z` for "no end yet". */
const endOf = (s: string | undefined) => {
  if (!s) return null;
  const t = Date.parse(s);
  return t <= 0 ? null : t;
};

export function alertsFromAlertmanager(body: unknown): IncomingAlert[] | string {
  const parsed = alertmanagerPayload.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `${jsonPath(issue.path)}: ${issue.message}`;
  }
  return parsed.data.alerts.map((a) => ({ fingerprint: a.fingerprint, labels: a.labels, state: a.status, startsAt: Date.parse(a.startsAt), endsAt: a.status === 'resolved' ? endOf(a.endsAt) : null }));
}

/** Stores a delivery's alerts and counts the source as heard from. */
export function storeAlerts(db: Db, source: AlertSource, alerts: readonly IncomingAlert[], now: number): IngestResult {
  const c = db.$client;
  const current = c.prepare('SELECT state, starts_at AS startsAt, labels FROM external_alerts WHERE source_id = ? AND fingerprint = ?');
  const upsert = c.prepare(`INSERT INTO external_alerts (source_id, fingerprint, labels, state, starts_at, ends_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(source_id, fingerprint) DO UPDATE SET labels = excluded.labels, state = excluded.state, starts_at = excluded.starts_at,
      ends_at = excluded.ends_at, updated_at = excluded.updated_at`);
  return c.transaction((): IngestResult => {
    let stored = 0;
    let unchanged = 0;
    for (const a of alerts) {
      const labels = JSON.stringify(a.labels);
      const was = current.get(source.id, a.fingerprint) as { state: string; startsAt: number; labels: string } | undefined;
      const same = was && was.state === a.state && was.startsAt === a.startsAt && was.labels === labels;
      const late = was && was.state === 'resolved' && a.state === 'firing' && (a.startsAt <= was.startsAt || was.startsAt === 0);
      // A resolution that does not carry its start (Zabbix's recovery) keeps the stored one.
      if (was && a.state === 'resolved' && a.startsAt === 0) {
        if (was.state === 'resolved') unchanged++;
        else {
          c.prepare("UPDATE external_alerts SET state = 'resolved', ends_at = ?, updated_at = ? WHERE source_id = ? AND fingerprint = ?").run(a.endsAt, now, source.id, a.fingerprint);
          stored++;
        }
        continue;
      }
      if (same || late) {
        unchanged++;
        continue;
      }
      upsert.run(source.id, a.fingerprint, labels, a.state, a.startsAt, a.endsAt, now);
      stored++;
    }
    c.prepare('UPDATE alert_sources SET last_heard_at = ? WHERE id = ?').run(now, source.id);
    return { ok: true, stored, unchanged };
  })();
}

/**
 * What the Zabbix media type script (deploy/zabbix/status-site.js) sends: the problem's
 * event id (the same in its recovery message), the trigger, severity, host, the event's
 * value (1 problem, 0 recovery) and its tags. The alert's labels are `host`, `severity`,
 * `trigger`, `alertname` (the trigger again) and each tag by name.
 */
export const zabbixPayload = z.strictObject({
  event_id: z.string().regex(/^\d{1,20}$/, 'must be Zabbix\'s event id ({EVENT.ID})'),
  trigger_name: z.string().min(1).max(1000),
  severity: z.string().min(1).max(100),
  host: z.string().min(1).max(255),
  value: z.enum(['0', '1']),
  recovery_event_id: z.string().regex(/^\d{0,20}$/, 'must be Zabbix\'s recovery event id ({EVENT.RECOVERY.ID})').optional(),
  tags: z.array(z.strictObject({ tag: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a tag name usable as a label'), value: z.string().max(1000) })).max(100).default([]),
  /** When the event happened (epoch seconds, {EVENT.DATE} and {EVENT.TIME} in the script); now when absent. */
  event_ts: z.number().int().positive().optional(),
});

export function alertsFromZabbix(body: unknown, now: number): IncomingAlert[] | string {
  const parsed = zabbixPayload.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `${jsonPath(issue.path)}: ${issue.message}`;
  }
  const z1 = parsed.data;
  if (z1.value === '0' && !z1.recovery_event_id) return '$.recovery_event_id: a recovery (value 0) names its recovery event';
  const labels: Record<string, string> = {};
  for (const t of z1.tags) labels[t.tag] = t.value;
  Object.assign(labels, { host: z1.host, severity: z1.severity.toLowerCase(), trigger: z1.trigger_name, alertname: z1.trigger_name });
  const at = z1.event_ts ? z1.event_ts * 1000 : now;
  // The problem's start is not in a recovery message: the stored one stands (see storeAlerts).
  return [{ fingerprint: `zabbix:${z1.event_id}`, labels, state: z1.value === '1' ? 'firing' : 'resolved', startsAt: z1.value === '1' ? at : 0, endsAt: z1.value === '0' ? at : null }];
}
