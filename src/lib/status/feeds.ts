import { Feed } from 'feed';
import ical, { ICalEventStatus } from 'ical-generator';
import type { Db } from '../db';
import type { Config } from '../config';
import { recentIncidents, recentMaintenances, type PublicIncident, type PublicMaintenance } from './history';
import { words, localized, serviceName, formatTime, formatWindow, pathIn, type Lang } from '../i18n';

/**
 * The history feeds (Atom and RSS, through the `feed` package) and the planned-maintenance
 * calendar (iCalendar, through ical-generator). Every entry links to its permanent page.
 */
export interface FeedContext {
  db: Db;
  config: Config;
  now: number;
  lang: Lang;
  baseUrl: string;
}

const FEED_ITEMS = 50;

function incidentText(ctx: FeedContext, i: PublicIncident): string {
  const t = words[ctx.lang];
  const zone = ctx.config.zone;
  const lines = [
    `${t.incidentStatus[i.status]} · ${t.startedAt}: ${formatTime(i.startedAt, ctx.lang, zone)}${i.recoveredAt !== null ? ` · ${t.resolvedAt}: ${formatTime(i.recoveredAt, ctx.lang, zone)}` : ''}`,
  ];
  if (i.services.length) lines.push(`${t.affected}: ${i.services.map((s) => `${serviceName(s, ctx.lang)} (${t.impact[s.impact]})`).join(', ')}`);
  for (const u of i.updates) lines.push(`${formatTime(u.at, ctx.lang, zone)} ${t.incidentStatus[u.status]}: ${localized(u.bodyJa, u.bodyEn, ctx.lang)}`);
  return lines.join('\n');
}

function maintenanceText(ctx: FeedContext, m: PublicMaintenance): string {
  const t = words[ctx.lang];
  const lines = [
    `${t.maintenanceStatus[m.status]} · ${t.category[m.category] ?? m.category}`,
    `${t.window}: ${formatWindow(m.scheduledStart, m.scheduledEnd, ctx.lang, ctx.config.zone)}`,
  ];
  if (m.services.length) lines.push(`${t.affected}: ${m.services.map((s) => serviceName(s, ctx.lang)).join(', ')}`);
  if (m.bodyJa) lines.push(localized(m.bodyJa, m.bodyEn, ctx.lang));
  return lines.join('\n');
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const asHtml = (text: string) => text.split('\n').map((l) => `<p>${escapeHtml(l)}</p>`).join('');

/**
 * Titles and summaries are text, whatever a person typed into them: the feed package writes
 * them as `type="html"` CDATA, so they are given to it escaped (no `<` and no `]]>` is left
 * in them) and then written as XML-escaped text: Atom `type="text"`, RSS plain titles.
 * RSS descriptions are HTML by definition: they stay CDATA holding the escaped text.
 */
function asTextElements(xml: string, kind: 'atom' | 'rss'): string {
  if (kind === 'atom') return xml.replace(/<(title|summary) type="html"><!\[CDATA\[([^<]*?)\]\]><\/\1>/g, '<$1 type="text">$2</$1>');
  return xml.replace(/<title><!\[CDATA\[([^<]*?)\]\]><\/title>/g, '<title>$1</title>');
}

export interface HistoryFeed { atom1: () => string; rss2: () => string }

export function historyFeed(ctx: FeedContext): HistoryFeed {
  const t = words[ctx.lang];
  const site = ctx.config.site.name[ctx.lang];
  const q = ctx.lang === 'en' ? '?lang=en' : '';
  const incidents = recentIncidents(ctx.db, FEED_ITEMS);
  const maintenances = recentMaintenances(ctx.db, FEED_ITEMS, ctx.now);
  type Entry = { at: number; published: number; title: string; link: string; id: string; text: string };
  const entries: Entry[] = [
    ...incidents.map((i): Entry => ({
      at: Math.max(i.updatedAt, i.recoveredAt ?? 0, ...i.updates.map((u) => u.at)),
      published: i.startedAt,
      title: `[${t.incidentStatus[i.status]}] ${localized(i.titleJa, i.titleEn, ctx.lang)}`,
      link: `${ctx.baseUrl}${pathIn(ctx.lang, `/incidents/${encodeURIComponent(i.key)}`)}`,
      id: `${ctx.baseUrl}/incidents/${encodeURIComponent(i.key)}`,
      text: incidentText(ctx, i),
    })),
    ...maintenances.map((m): Entry => ({
      at: Math.max(m.updatedAt, m.announcedAt),
      published: m.announcedAt,
      title: `[${t.maintenances}: ${t.maintenanceStatus[m.status]}] ${localized(m.titleJa, m.titleEn, ctx.lang)}`,
      link: `${ctx.baseUrl}${pathIn(ctx.lang, `/incidents/maintenance/${encodeURIComponent(m.key)}`)}`,
      id: `${ctx.baseUrl}/incidents/maintenance/${encodeURIComponent(m.key)}`,
      text: maintenanceText(ctx, m),
    })),
  ].sort((a, b) => b.at - a.at).slice(0, FEED_ITEMS);
  const updated = entries[0]?.at ?? ctx.now;
  const feed = new Feed({
    id: `${ctx.baseUrl}/incidents/`,
    title: `${site} – ${t.history}`,
    description: t.history,
    link: `${ctx.baseUrl}${pathIn(ctx.lang, '/incidents/')}`,
    language: ctx.lang,
    updated: new Date(updated),
    generator: false,
    copyright: site,
    feedLinks: { atom: `${ctx.baseUrl}/history.atom${q}`, rss: `${ctx.baseUrl}/history.rss${q}` },
    author: { name: site, link: `${ctx.baseUrl}${pathIn(ctx.lang, '/')}` },
  });
  for (const e of entries) {
    feed.addItem({ title: escapeHtml(e.title), id: e.id, guid: e.id, link: e.link, date: new Date(e.at), published: new Date(e.published), description: escapeHtml(e.text), content: asHtml(e.text) });
  }
  return { atom1: () => asTextElements(feed.atom1(), 'atom'), rss2: () => asTextElements(feed.rss2(), 'rss') };
}

/** Planned maintenance (the last 90 days and everything ahead) as an iCalendar feed. */
export function maintenanceCalendar(ctx: FeedContext): string {
  const t = words[ctx.lang];
  const site = ctx.config.site.name[ctx.lang];
  const cal = ical({
    name: `${site} – ${t.maintenances}`,
    description: t.maintenances,
    prodId: { company: 'status-sla', product: 'maintenance', language: ctx.lang.toUpperCase() },
    url: `${ctx.baseUrl}${pathIn(ctx.lang, '/')}`,
    ttl: 60 * 60,
  });
  const since = ctx.now - 90 * 86_400_000;
  for (const m of recentMaintenances(ctx.db, 500, ctx.now).filter((m) => m.scheduledEnd >= since)) {
    cal.createEvent({
      id: `maintenance-${m.key}@${new URL(ctx.baseUrl).host}`,
      start: new Date(m.scheduledStart),
      end: new Date(m.scheduledEnd),
      stamp: new Date(m.updatedAt),
      created: new Date(m.announcedAt),
      lastModified: new Date(m.updatedAt),
      summary: `${localized(m.titleJa, m.titleEn, ctx.lang)}${m.status === 'cancelled' ? ` (${t.maintenanceStatus.cancelled})` : ''}`,
      description: maintenanceText(ctx, m),
      url: `${ctx.baseUrl}${pathIn(ctx.lang, `/incidents/maintenance/${encodeURIComponent(m.key)}`)}`,
      status: m.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      sequence: Math.floor(m.updatedAt / 1000) % 2_000_000_000,
    });
  }
  return cal.toString();
}
