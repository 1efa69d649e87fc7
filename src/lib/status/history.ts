import { monthOf } from '../time';
import type { Db } from '../db';
import type { ComponentStatus } from './summary';

/**
 * Published incidents and planned stops as the public sees them: drafts (the probe's
 * unconfirmed incidents) and unpublished updates never leave the database through here.
 * The page, the API, the feeds and the subscriber mail all read them from this module.
 */
export type IncidentImpact = 'degraded_performance' | 'partial_outage' | 'major_outage';
export type IncidentState = 'investigating' | 'identified' | 'monitoring' | 'resolved';

export interface PublicUpdate {
  id: number;
  at: number;
  status: IncidentState;
  bodyJa: string;
  bodyEn: string | null;
}

export interface PublicIncident {
  id: number;
  key: string;
  kind: 'failure' | 'security';
  severity: 'minor' | 'major' | 'critical';
  titleJa: string;
  titleEn: string | null;
  startedAt: number;
  recoveredAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** The latest published update's status, or resolved once recovered. */
  status: IncidentState;
  /** Newest first. */
  updates: PublicUpdate[];
  services: Array<{ serviceId: number; slug: string; nameJa: string; nameEn: string | null; impact: IncidentImpact }>;
}

export type MaintenanceState = 'scheduled' | 'in_progress' | 'completed' | 'cancelled';

export interface PublicMaintenance {
  id: number;
  key: string;
  category: string;
  titleJa: string;
  titleEn: string | null;
  bodyJa: string | null;
  bodyEn: string | null;
  /** When it was announced, or saved if it has not been (the public first sees it then). */
  announcedAt: number;
  scheduledStart: number;
  scheduledEnd: number;
  actualStart: number | null;
  actualEnd: number | null;
  /** The stored status, except that a scheduled stop whose window has begun shows as in progress. */
  status: MaintenanceState;
  createdAt: number;
  updatedAt: number;
  services: Array<{ serviceId: number; slug: string; nameJa: string; nameEn: string | null }>;
}

const INCIDENT_COLUMNS = `i.id, i.key, i.kind, i.severity, i.title_ja AS titleJa, i.title_en AS titleEn, i.started_at AS startedAt,
  i.recovered_at AS recoveredAt, i.created_at AS createdAt, i.updated_at AS updatedAt`;
const PUBLIC_INCIDENT = 'i.draft = 0';

type IncidentRow = Omit<PublicIncident, 'status' | 'updates' | 'services'>;

function withDetails(db: Db, rows: IncidentRow[]): PublicIncident[] {
  if (rows.length === 0) return [];
  const c = db.$client;
  const ids = rows.map((r) => r.id);
  const marks = ids.map(() => '?').join(',');
  const updates = c.prepare(`SELECT id, incident_id AS incidentId, at, status, body_ja AS bodyJa, body_en AS bodyEn FROM incident_updates
    WHERE published = 1 AND incident_id IN (${marks}) ORDER BY at DESC, id DESC`).all(...ids) as Array<PublicUpdate & { incidentId: number }>;
  const services = c.prepare(`SELECT s.incident_id AS incidentId, s.impact, v.id AS serviceId, v.slug, v.name_ja AS nameJa, v.name_en AS nameEn
    FROM incident_services s JOIN services v ON v.id = s.service_id WHERE s.incident_id IN (${marks}) ORDER BY v.sort_order, v.id`).all(...ids) as Array<PublicIncident['services'][number] & { incidentId: number }>;
  return rows.map((r) => {
    const own = updates.filter((u) => u.incidentId === r.id).map(({ incidentId: _, ...u }) => u);
    const status: IncidentState = r.recoveredAt !== null ? 'resolved' : own[0]?.status ?? 'investigating';
    return { ...r, status, updates: own, services: services.filter((s) => s.incidentId === r.id).map(({ incidentId: _, ...s }) => s) };
  });
}

/** Open incidents (not recovered), newest first. */
export function activeIncidents(db: Db, now: number): PublicIncident[] {
  const rows = db.$client.prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents i WHERE ${PUBLIC_INCIDENT} AND i.recovered_at IS NULL AND i.started_at <= ?
    ORDER BY i.started_at DESC`).all(now) as IncidentRow[];
  return withDetails(db, rows);
}

/** Incidents that started in [start, end), newest first. */
export function incidentsBetween(db: Db, start: number, end: number): PublicIncident[] {
  const rows = db.$client.prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents i WHERE ${PUBLIC_INCIDENT} AND i.started_at >= ? AND i.started_at < ?
    ORDER BY i.started_at DESC`).all(start, end) as IncidentRow[];
  return withDetails(db, rows);
}

/** The latest `limit` incidents, newest first. */
export function recentIncidents(db: Db, limit: number): PublicIncident[] {
  const rows = db.$client.prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents i WHERE ${PUBLIC_INCIDENT} ORDER BY i.started_at DESC LIMIT ?`).all(limit) as IncidentRow[];
  return withDetails(db, rows);
}

export function incidentByKey(db: Db, key: string): PublicIncident | null {
  const rows = db.$client.prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents i WHERE ${PUBLIC_INCIDENT} AND i.key = ?`).all(key) as IncidentRow[];
  return withDetails(db, rows)[0] ?? null;
}

export function incidentById(db: Db, id: number): PublicIncident | null {
  const rows = db.$client.prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents i WHERE ${PUBLIC_INCIDENT} AND i.id = ?`).all(id) as IncidentRow[];
  return withDetails(db, rows)[0] ?? null;
}

/** Incidents that touched [start, end) for a service (for the day details of the uptime bars). */
export function incidentsTouching(db: Db, start: number, end: number, now: number): Array<{ id: number; key: string; titleJa: string; titleEn: string | null; serviceId: number; startedAt: number; endedAt: number }> {
  return db.$client.prepare(`SELECT i.id, i.key, i.title_ja AS titleJa, i.title_en AS titleEn, s.service_id AS serviceId, i.started_at AS startedAt,
      coalesce(i.recovered_at, ?) AS endedAt
    FROM incidents i JOIN incident_services s ON s.incident_id = i.id
    WHERE ${PUBLIC_INCIDENT} AND i.started_at < ? AND coalesce(i.recovered_at, ?) > ? ORDER BY i.started_at`).all(now, end, now, start) as never;
}

const MAINTENANCE_COLUMNS = `m.id, m.key, m.category, m.title_ja AS titleJa, m.title_en AS titleEn, m.body_ja AS bodyJa, m.body_en AS bodyEn,
  COALESCE(m.announced_at, m.created_at) AS announcedAt, m.scheduled_start AS scheduledStart, m.scheduled_end AS scheduledEnd, m.actual_start AS actualStart,
  m.actual_end AS actualEnd, m.status, m.created_at AS createdAt, m.updated_at AS updatedAt`;

/** SQL (on `maintenances m`): the stop was announced to the client or to its subscribers. */
export const ANNOUNCED_MAINTENANCE = `(m.announced_at IS NOT NULL
  OR EXISTS (SELECT 1 FROM subscriber_notices n WHERE n.what = 'maintenance_announced' AND n.ref = m.id))`;

/**
 * Which stops the public sees, as of `now`: one that was announced (the client's notice
 * stamped `announced_at`, or its subscribers were told; src/lib/maintenance/announce.ts),
 * or whose window has begun (people must know what happens now, announced or not). An
 * upcoming stop nobody was told of, or one cancelled before anyone was, stays internal.
 */
function publicMaintenance(now: number): string {
  if (!Number.isFinite(now)) throw new TypeError(`now is not a time: ${now}`);
  return `(${ANNOUNCED_MAINTENANCE} OR m.status IN ('in_progress', 'completed') OR (m.status = 'scheduled' AND m.scheduled_start <= ${Math.floor(now)}))`;
}

function withServices(db: Db, rows: PublicMaintenance[], now: number): PublicMaintenance[] {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const services = db.$client.prepare(`SELECT s.maintenance_id AS maintenanceId, v.id AS serviceId, v.slug, v.name_ja AS nameJa, v.name_en AS nameEn
    FROM maintenance_services s JOIN services v ON v.id = s.service_id WHERE s.maintenance_id IN (${ids.map(() => '?').join(',')})
    ORDER BY v.sort_order, v.id`).all(...ids) as Array<PublicMaintenance['services'][number] & { maintenanceId: number }>;
  return rows.map((r) => ({
    ...r,
    status: effectiveMaintenanceStatus(r, now),
    services: services.filter((s) => s.maintenanceId === r.id).map(({ maintenanceId: _, ...s }) => s),
  }));
}

export function effectiveMaintenanceStatus(m: Pick<PublicMaintenance, 'status' | 'scheduledStart' | 'scheduledEnd'>, now: number): MaintenanceState {
  if (m.status === 'scheduled' && m.scheduledStart <= now && now < m.scheduledEnd) return 'in_progress';
  if (m.status === 'scheduled' && m.scheduledEnd <= now) return 'completed';
  return m.status;
}

/** Stops in progress now, then those still to come, soonest first. */
export function currentAndUpcomingMaintenances(db: Db, now: number): PublicMaintenance[] {
  const rows = db.$client.prepare(`SELECT ${MAINTENANCE_COLUMNS} FROM maintenances m
    WHERE (m.status = 'in_progress' OR (m.status = 'scheduled' AND m.scheduled_end > ?)) AND ${publicMaintenance(now)} ORDER BY m.scheduled_start`).all(now) as PublicMaintenance[];
  return withServices(db, rows, now);
}

export function maintenancesBetween(db: Db, start: number, end: number, now: number): PublicMaintenance[] {
  const rows = db.$client.prepare(`SELECT ${MAINTENANCE_COLUMNS} FROM maintenances m WHERE m.scheduled_start >= ? AND m.scheduled_start < ?
    AND ${publicMaintenance(now)} ORDER BY m.scheduled_start DESC`).all(start, end) as PublicMaintenance[];
  return withServices(db, rows, now);
}

export function recentMaintenances(db: Db, limit: number, now: number): PublicMaintenance[] {
  const rows = db.$client.prepare(`SELECT ${MAINTENANCE_COLUMNS} FROM maintenances m WHERE ${publicMaintenance(now)} ORDER BY m.scheduled_start DESC LIMIT ?`).all(limit) as PublicMaintenance[];
  return withServices(db, rows, now);
}

export function maintenanceByKey(db: Db, key: string, now: number): PublicMaintenance | null {
  const rows = db.$client.prepare(`SELECT ${MAINTENANCE_COLUMNS} FROM maintenances m WHERE m.key = ? AND ${publicMaintenance(now)}`).all(key) as PublicMaintenance[];
  return withServices(db, rows, now)[0] ?? null;
}

/** A stop by id whether public or not: what its announcement mail tells (src/lib/subscriptions/notify.ts). */
export function maintenanceById(db: Db, id: number, now: number): PublicMaintenance | null {
  const rows = db.$client.prepare(`SELECT ${MAINTENANCE_COLUMNS} FROM maintenances m WHERE m.id = ?`).all(id) as PublicMaintenance[];
  return withServices(db, rows, now)[0] ?? null;
}

/** Months (YYYY-MM in the zone, newest first) that have an incident or a stop, for the history index. */
export function historyMonths(db: Db, zone: string, now: number): string[] {
  const offsetMin = zoneOffsetMinutes(zone);
  const rows = db.$client.prepare(`SELECT DISTINCT strftime('%Y-%m', (t + ?) / 1000, 'unixepoch') AS month FROM (
      SELECT started_at AS t FROM incidents WHERE draft = 0 UNION ALL SELECT scheduled_start FROM maintenances m WHERE m.status != 'cancelled' AND ${publicMaintenance(now)}
    ) ORDER BY month DESC`).all(offsetMin * 60_000) as { month: string }[];
  return rows.map((r) => r.month);
}

/**
 * Whether a month (YYYY-MM) lies in the stored history: from the first incident, stop or
 * check to the last stop ahead, and always the current month. Others are not pages (404),
 * so the endless space of month addresses cannot fill the answer cache.
 */
export function monthInHistory(db: Db, month: string, zone: string, now: number): boolean {
  const months = historyMonths(db, zone, now);
  // Per monitor through the primary key (monitor_id, first_at): no scan of all runs.
  const firstCheck = (db.$client.prepare('SELECT min((SELECT min(first_at) FROM check_runs WHERE monitor_id = monitors.id)) AS t FROM monitors').get() as { t: number | null }).t;
  const bounds = [...months, monthOf(now, zone), ...(firstCheck === null ? [] : [monthOf(firstCheck, zone)])].sort();
  return month >= bounds[0]! && month <= bounds[bounds.length - 1]!;
}

/** The zone's offset now; good enough for grouping into months in zones without daylight saving (JST). */
function zoneOffsetMinutes(zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(new Date());
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

export const impactRank: Record<ComponentStatus, number> = {
  operational: 0, under_maintenance: 1, degraded_performance: 2, partial_outage: 3, major_outage: 4,
};
