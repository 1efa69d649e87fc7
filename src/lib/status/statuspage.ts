import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { SlaContext } from '../sla/figures';
import { sharedSummary, type ComponentStatus, type Indicator } from './summary';
import {
  activeIncidents, recentIncidents, recentMaintenances, currentAndUpcomingMaintenances,
  type PublicIncident, type PublicMaintenance,
} from './history';
import { localized, type Lang } from '../i18n';

/**
 * The Atlassian Statuspage public API v2 (summary.json, status.json, components.json,
 * incidents.json, scheduled-maintenances.json, ...), with its field names and values, so
 * existing clients and aggregators read this site unchanged. Ids are this site's stable
 * keys (service slug, incident and maintenance key). Times are ISO 8601 in the page's zone.
 */
export interface SpPage { id: string; name: string; url: string; time_zone: string; updated_at: string }
export interface SpStatus { indicator: Indicator; description: string }
export interface SpComponent {
  id: string; name: string; status: ComponentStatus; created_at: string; updated_at: string; position: number;
  description: string | null; showcase: boolean; start_date: string | null; group_id: string | null; page_id: string;
  group: boolean; only_show_if_degraded: boolean;
}
export interface SpAffectedComponent { code: string; name: string; old_status: ComponentStatus; new_status: ComponentStatus }
export interface SpIncidentUpdate {
  id: string; status: string; body: string; incident_id: string; created_at: string; updated_at: string; display_at: string;
  affected_components: SpAffectedComponent[] | null; deliver_notifications: boolean; custom_tweet: string | null; tweet_id: string | null;
}
export interface SpIncident {
  id: string; name: string; status: string; created_at: string; updated_at: string; monitoring_at: string | null;
  resolved_at: string | null; impact: string; shortlink: string; started_at: string; page_id: string;
  incident_updates: SpIncidentUpdate[]; components: SpComponent[];
}
export interface SpScheduledMaintenance extends SpIncident { scheduled_for: string; scheduled_until: string }

export interface ApiContext extends SlaContext {
  lang: Lang;
  baseUrl: string;
}

const DESCRIPTION: Record<Indicator, string> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
  maintenance: 'Service Under Maintenance',
};
const DESCRIPTION_JA: Record<Indicator, string> = {
  none: 'すべてのシステムは正常に稼働しています',
  minor: '一部のサービスに軽微な障害が発生しています',
  major: '一部のシステムで障害が発生しています',
  critical: 'システムで重大な障害が発生しています',
  maintenance: 'メンテナンス中です',
};

function iso(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toISO({ suppressMilliseconds: false })!;
}

export function pageId(baseUrl: string): string {
  // Twelve lower-case characters, like Statuspage's ids, stable for one public address.
  return createHash('sha256').update(baseUrl).digest('hex').replace(/[^a-z0-9]/g, '').slice(0, 12);
}

function pageOf(ctx: ApiContext, updatedAt: number): SpPage {
  return {
    id: pageId(ctx.baseUrl),
    name: ctx.config.site.name[ctx.lang],
    url: ctx.lang === 'en' ? `${ctx.baseUrl}/en/` : `${ctx.baseUrl}/`,
    time_zone: ctx.config.zone,
    updated_at: iso(updatedAt, ctx.config.zone),
  };
}

/** When anything the public sees last changed. */
function lastChange(ctx: SlaContext): number {
  const row = ctx.db.$client.prepare(`SELECT max(t) AS t FROM (
      SELECT max(updated_at) AS t FROM incidents WHERE draft = 0
      UNION ALL SELECT max(at) FROM incident_updates WHERE published = 1
      UNION ALL SELECT max(updated_at) FROM maintenances
      UNION ALL SELECT max(last_at) FROM check_runs)`).get() as { t: number | null };
  return row.t ?? ctx.now;
}

interface ComponentFacts { components: SpComponent[]; byId: Map<number, SpComponent>; status: SpStatus; updatedAt: number }

function componentFacts(ctx: ApiContext): ComponentFacts {
  const summary = sharedSummary(ctx, 1);
  const zone = ctx.config.zone;
  const created = ctx.db.$client.prepare('SELECT min(first_at) FROM check_runs r JOIN monitors m ON m.id = r.monitor_id WHERE m.service_id = ?').pluck();
  const changed = ctx.db.$client.prepare(`SELECT max(first_at) FROM check_runs r JOIN monitors m ON m.id = r.monitor_id WHERE m.service_id = ?`).pluck();
  const byId = new Map<number, SpComponent>();
  const page = pageId(ctx.baseUrl);
  const components = summary.services.map((s, i): SpComponent => {
    const createdAt = (created.get(s.service.id) as number | null) ?? ctx.now;
    const c: SpComponent = {
      id: s.service.slug,
      name: localized(s.service.nameJa, s.service.nameEn, ctx.lang),
      status: s.status,
      created_at: iso(createdAt, zone),
      updated_at: iso((changed.get(s.service.id) as number | null) ?? createdAt, zone),
      position: i + 1,
      description: null,
      showcase: true,
      start_date: DateTime.fromMillis(createdAt, { zone }).toISODate(),
      group_id: null,
      page_id: page,
      group: false,
      only_show_if_degraded: false,
    };
    byId.set(s.service.id, c);
    return c;
  });
  const description = ctx.lang === 'en' ? DESCRIPTION[summary.indicator] : DESCRIPTION_JA[summary.indicator];
  return { components, byId, status: { indicator: summary.indicator, description }, updatedAt: lastChange(ctx) };
}

const IMPACT_OF_STATUS: Record<string, ComponentStatus> = {
  degraded_performance: 'degraded_performance', partial_outage: 'partial_outage', major_outage: 'major_outage',
};

function incidentOf(ctx: ApiContext, facts: ComponentFacts, i: PublicIncident): SpIncident {
  const zone = ctx.config.zone;
  const id = i.key;
  const monitoring = [...i.updates].reverse().find((u) => u.status === 'monitoring');
  const updates = i.updates.map((u): SpIncidentUpdate => ({
    id: `${id}-${u.id}`,
    status: u.status,
    body: localized(u.bodyJa, u.bodyEn, ctx.lang),
    incident_id: id,
    created_at: iso(u.at, zone),
    updated_at: iso(u.at, zone),
    display_at: iso(u.at, zone),
    affected_components: i.services.map((s) => ({
      code: s.slug,
      name: localized(s.nameJa, s.nameEn, ctx.lang),
      old_status: 'operational',
      new_status: u.status === 'resolved' ? 'operational' : IMPACT_OF_STATUS[s.impact] ?? 'major_outage',
    })),
    deliver_notifications: true,
    custom_tweet: null,
    tweet_id: null,
  }));
  const lastAt = Math.max(i.updatedAt, i.recoveredAt ?? 0, ...i.updates.map((u) => u.at));
  return {
    id,
    name: localized(i.titleJa, i.titleEn, ctx.lang),
    status: i.status,
    created_at: iso(i.createdAt < i.startedAt ? i.createdAt : i.startedAt, zone),
    updated_at: iso(lastAt, zone),
    monitoring_at: monitoring ? iso(monitoring.at, zone) : null,
    resolved_at: i.recoveredAt !== null ? iso(i.recoveredAt, zone) : null,
    impact: i.severity,
    shortlink: `${ctx.baseUrl}${ctx.lang === 'en' ? '/en' : ''}/incidents/${encodeURIComponent(i.key)}`,
    started_at: iso(i.startedAt, zone),
    page_id: pageId(ctx.baseUrl),
    incident_updates: updates,
    components: i.services.map((s) => facts.byId.get(s.serviceId)).filter((c): c is SpComponent => c !== undefined),
  };
}

const MAINTENANCE_STATUS: Record<string, string> = { scheduled: 'scheduled', in_progress: 'in_progress', completed: 'completed', cancelled: 'completed' };

function maintenanceOf(ctx: ApiContext, facts: ComponentFacts, m: PublicMaintenance): SpScheduledMaintenance {
  const zone = ctx.config.zone;
  const status = MAINTENANCE_STATUS[m.status] ?? 'scheduled';
  const body = localized(m.bodyJa ?? m.titleJa, m.bodyEn ?? m.titleEn, ctx.lang);
  const updates: SpIncidentUpdate[] = [];
  const update = (suffix: string, st: string, at: number, text: string) => updates.unshift({
    id: `${m.key}-${suffix}`, status: st, body: text, incident_id: m.key,
    created_at: iso(at, zone), updated_at: iso(at, zone), display_at: iso(at, zone),
    affected_components: m.services.map((s) => ({ code: s.slug, name: localized(s.nameJa, s.nameEn, ctx.lang), old_status: 'operational', new_status: st === 'completed' ? 'operational' : 'under_maintenance' })),
    deliver_notifications: true, custom_tweet: null, tweet_id: null,
  });
  update('scheduled', 'scheduled', m.announcedAt, body);
  const began = m.actualStart ?? (m.status !== 'scheduled' ? m.scheduledStart : null);
  if (began !== null && m.status !== 'cancelled') update('in_progress', 'in_progress', began, body);
  const ended = m.actualEnd ?? (m.status === 'completed' || m.status === 'cancelled' ? Math.max(m.updatedAt, m.scheduledStart) : null);
  if (ended !== null) update('completed', 'completed', ended, body);
  return {
    id: m.key,
    name: localized(m.titleJa, m.titleEn, ctx.lang),
    status,
    created_at: iso(m.announcedAt, zone),
    updated_at: iso(Math.max(m.updatedAt, m.announcedAt, ended ?? 0), zone),
    monitoring_at: null,
    resolved_at: ended !== null ? iso(ended, zone) : null,
    impact: 'maintenance',
    shortlink: `${ctx.baseUrl}${ctx.lang === 'en' ? '/en' : ''}/incidents/maintenance/${encodeURIComponent(m.key)}`,
    started_at: iso(began ?? m.scheduledStart, zone),
    page_id: pageId(ctx.baseUrl),
    incident_updates: updates,
    components: m.services.map((s) => facts.byId.get(s.serviceId)).filter((c): c is SpComponent => c !== undefined),
    scheduled_for: iso(m.scheduledStart, zone),
    scheduled_until: iso(m.scheduledEnd, zone),
  };
}

export const apiEndpoints = ['summary', 'status', 'components', 'incidents', 'incidents/unresolved', 'scheduled-maintenances',
  'scheduled-maintenances/upcoming', 'scheduled-maintenances/active'] as const;
export type ApiEndpoint = (typeof apiEndpoints)[number];

/** The body of one endpoint. */
export function statuspageAnswer(ctx: ApiContext, endpoint: ApiEndpoint): Record<string, unknown> {
  const facts = componentFacts(ctx);
  const page = pageOf(ctx, facts.updatedAt);
  const incidents = (list: PublicIncident[]) => list.map((i) => incidentOf(ctx, facts, i));
  const maintenances = (list: PublicMaintenance[]) => list.map((m) => maintenanceOf(ctx, facts, m));
  switch (endpoint) {
    case 'summary': {
      const current = currentAndUpcomingMaintenances(ctx.db, ctx.now).filter((m) => m.status === 'scheduled' || m.status === 'in_progress');
      return { page, components: facts.components, incidents: incidents(activeIncidents(ctx.db, ctx.now)), scheduled_maintenances: maintenances(current), status: facts.status };
    }
    case 'status':
      return { page, status: facts.status };
    case 'components':
      return { page, components: facts.components };
    case 'incidents':
      return { page, incidents: incidents(recentIncidents(ctx.db, 50)) };
    case 'incidents/unresolved':
      return { page, incidents: incidents(activeIncidents(ctx.db, ctx.now)) };
    case 'scheduled-maintenances':
      return { page, scheduled_maintenances: maintenances(recentMaintenances(ctx.db, 50, ctx.now)) };
    case 'scheduled-maintenances/upcoming':
      return { page, scheduled_maintenances: maintenances(currentAndUpcomingMaintenances(ctx.db, ctx.now).filter((m) => m.status === 'scheduled')) };
    case 'scheduled-maintenances/active':
      return { page, scheduled_maintenances: maintenances(currentAndUpcomingMaintenances(ctx.db, ctx.now).filter((m) => m.status === 'in_progress')) };
  }
}
