import type { SlaContext } from '../sla/figures';
import { statusSummary, type StatusSummary } from './summary';
import { activeIncidents, currentAndUpcomingMaintenances, incidentsBetween, type PublicIncident, type PublicMaintenance } from './history';
import { pageState, type PageState } from './state';
import { lastDays, type Period } from '../time';
import { serviceLatency, meanOf, type LatencyPoint } from './latency';
import { SharedComputation } from './cache';
import { RENDER_EVERY_MS, MAX_AGE_MS } from './renderer';

/** Everything the public status page shows, in both languages (the words are the page's). */
export interface ServiceLatency {
  slug: string;
  h24: LatencyPoint[];
  d7: LatencyPoint[];
  d30: LatencyPoint[];
  mean24h: number | null;
  mean7d: number | null;
  mean30d: number | null;
}

/** One day of the "past incidents" list: the resolved incidents that began that day. */
export interface PastDay {
  day: Period;
  incidents: PublicIncident[];
}

export interface PageData {
  summary: StatusSummary;
  /** The one state the banner, the rows and the incident list are read from. */
  state: PageState;
  /** The last seven days, newest first. */
  past: PastDay[];
  incidents: PublicIncident[];
  maintenances: PublicMaintenance[];
  latency: ServiceLatency[];
}

export function statusPageData(ctx: SlaContext): PageData {
  const summary = statusSummary(ctx);
  const monitorsOf = ctx.db.$client.prepare('SELECT id FROM monitors WHERE service_id = ?').pluck();
  const latency = summary.services.map((s): ServiceLatency => {
    const ids = monitorsOf.all(s.service.id) as number[];
    const key = String(s.service.id);
    const h24 = serviceLatency(ctx.db, key, ids, ctx.now, 24, 1);
    const d7 = serviceLatency(ctx.db, key, ids, ctx.now, 24 * 7, 1);
    const d30 = serviceLatency(ctx.db, key, ids, ctx.now, 24 * 30, 6);
    return { slug: s.service.slug, h24, d7, d30, mean24h: meanOf(h24), mean7d: meanOf(d7), mean30d: meanOf(d30) };
  });
  const incidents = activeIncidents(ctx.db, ctx.now);
  const state = pageState(summary.services.map((s) => ({ serviceId: s.service.id, state: s.state })), incidents.length);
  const days = lastDays(7, ctx.now, ctx.config.zone);
  const resolved = incidentsBetween(ctx.db, days[0]!.start, days[days.length - 1]!.end).filter((i) => i.recoveredAt !== null);
  const past = days.reverse().map((day): PastDay => ({ day, incidents: resolved.filter((i) => i.startedAt >= day.start && i.startedAt < day.end) }));
  return {
    summary,
    state,
    past,
    incidents,
    maintenances: currentAndUpcomingMaintenances(ctx.db, ctx.now),
    latency,
  };
}

/**
 * The page data, computed once for both languages and every visitor: again after 30 s with no
 * change (it follows the clock), 2 s after the probe's writes (the renderer's bound), at once
 * after a change made through the site.
 */
const pageData = new SharedComputation<PageData>(RENDER_EVERY_MS, MAX_AGE_MS);

export function statusPageDataFor(ctx: SlaContext): PageData {
  return pageData.get(ctx, () => statusPageData(ctx));
}
