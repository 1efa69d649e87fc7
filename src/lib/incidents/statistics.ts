import { DateTime } from 'luxon';
import type { Db } from '../db';
import type { Interval } from '../intervals';

/**
 * Failure statistics over a period (障害統計, 002 (5) オ): incidents and their time by service,
 * cause category, severity, month and hour of day; MTTR and MTBF per service; the most
 * frequent causes; and recurrences (the same cause category on a shared service within 90
 * days), so that a 再発防止策 can be judged. An incident belongs to the period it started in;
 * its time is from its start to its recovery (or the period's end, while still open).
 */
export const RECURRENCE_DAYS = 90;

export interface StatIncident {
  id: number;
  key: string;
  titleJa: string;
  kind: 'failure' | 'security';
  severity: 'minor' | 'major' | 'critical';
  startedAt: number;
  recoveredAt: number | null;
  cause: string | null;
  causeCategory: string | null;
  prevention: string | null;
  services: { slug: string; nameJa: string }[];
  /** From start to recovery, or to the end of the observed period while open. */
  durationMs: number;
}

export interface StatGroup {
  key: string;
  label: string;
  incidents: number;
  durationMs: number;
}

export interface ServiceStat extends StatGroup {
  /** Mean time to recovery of its recovered incidents (start → recovery), null without any. */
  mttrMs: number | null;
  /** Mean time between failures: the observed time outside its incidents, over their number. */
  mtbfMs: number | null;
}

export interface Recurrence {
  incident: StatIncident;
  previous: StatIncident;
  category: string;
  daysApart: number;
}

export interface FailureStatistics {
  period: Interval;
  /** The period's observed part (up to now). */
  observedMs: number;
  incidents: StatIncident[];
  byService: ServiceStat[];
  byCategory: StatGroup[];
  bySeverity: StatGroup[];
  byMonth: StatGroup[];
  /** Hours 0–23 of the start, in the zone. */
  byHour: StatGroup[];
  /** Categories by how often they occurred, most frequent first (unclassified last). */
  topCauses: StatGroup[];
  recurrences: Recurrence[];
}

const DAY = 86_400_000;
const severityJa: Record<string, string> = { minor: '軽微', major: '重大', critical: '重大（緊急）' };
const UNCLASSIFIED = '（未分類）';

/** Confirmed incidents that started in [from, to), with their services. */
export function loadStatIncidents(db: Db, from: number, to: number, now: number): StatIncident[] {
  const c = db.$client;
  const rows = c.prepare(`SELECT id, key, title_ja AS titleJa, kind, severity, started_at AS startedAt, recovered_at AS recoveredAt, cause,
      cause_category AS causeCategory, prevention FROM incidents WHERE draft = 0 AND started_at >= ? AND started_at < ? ORDER BY started_at, id`)
    .all(from, to) as Omit<StatIncident, 'services' | 'durationMs'>[];
  const servicesOf = c.prepare('SELECT s.slug, s.name_ja AS nameJa FROM incident_services x JOIN services s ON s.id = x.service_id WHERE x.incident_id = ? ORDER BY s.sort_order, s.id');
  const end = Math.min(to, Math.max(now, from));
  return rows.map((r) => ({
    ...r,
    services: servicesOf.all(r.id) as StatIncident['services'],
    durationMs: Math.max(0, (r.recoveredAt ?? Math.max(end, r.startedAt)) - r.startedAt),
  }));
}

function group(list: StatIncident[], keyOf: (i: StatIncident) => string[], labelOf: (k: string) => string = (k) => k, keys: string[] = []): StatGroup[] {
  const map = new Map<string, StatGroup>(keys.map((k) => [k, { key: k, label: labelOf(k), incidents: 0, durationMs: 0 }]));
  for (const i of list) {
    for (const k of keyOf(i)) {
      const g = map.get(k) ?? { key: k, label: labelOf(k), incidents: 0, durationMs: 0 };
      g.incidents++;
      g.durationMs += i.durationMs;
      map.set(k, g);
    }
  }
  return [...map.values()];
}

export function failureStatistics(db: Db, period: Interval, now: number, options: { zone: string; categories: readonly string[]; services: { slug: string; nameJa: string }[] }): FailureStatistics {
  const incidents = loadStatIncidents(db, period.start, period.end, now);
  const observedMs = Math.max(0, Math.min(period.end, now) - period.start);
  const zone = options.zone;

  const byService: ServiceStat[] = options.services.map((s) => {
    const own = incidents.filter((i) => i.services.some((x) => x.slug === s.slug));
    const recovered = own.filter((i) => i.recoveredAt !== null);
    const down = own.reduce((a, i) => a + i.durationMs, 0);
    return {
      key: s.slug, label: s.nameJa, incidents: own.length, durationMs: down,
      mttrMs: recovered.length ? recovered.reduce((a, i) => a + i.durationMs, 0) / recovered.length : null,
      mtbfMs: own.length ? Math.max(0, observedMs - down) / own.length : null,
    };
  });

  const categoryOf = (i: StatIncident) => [i.causeCategory ?? UNCLASSIFIED];
  const byCategory = group(incidents, categoryOf, undefined, [...options.categories]);
  const months: string[] = [];
  for (let m = DateTime.fromMillis(period.start, { zone }).startOf('month'); m.toMillis() < period.end; m = m.plus({ months: 1 })) months.push(m.toFormat('yyyy-LL'));
  const byMonth = group(incidents, (i) => [DateTime.fromMillis(i.startedAt, { zone }).toFormat('yyyy-LL')], (k) => `${k.slice(0, 4)}年${Number(k.slice(5))}月`, months);
  const byHour = group(incidents, (i) => [String(DateTime.fromMillis(i.startedAt, { zone }).hour)], (k) => `${k}時台`, Array.from({ length: 24 }, (_, h) => String(h)));
  const bySeverity = group(incidents, (i) => [i.severity], (k) => severityJa[k] ?? k, ['minor', 'major', 'critical']);
  const topCauses = [...byCategory].filter((g) => g.incidents > 0)
    .sort((a, b) => Number(a.key === UNCLASSIFIED) - Number(b.key === UNCLASSIFIED) || b.incidents - a.incidents || b.durationMs - a.durationMs);

  // The same cause category on a shared service within RECURRENCE_DAYS of an earlier one
  // (earlier incidents before the period count too: a recurrence in April of a March failure).
  const earlier = loadStatIncidents(db, period.start - RECURRENCE_DAYS * DAY, period.start, now);
  const pool = [...earlier, ...incidents];
  const recurrences: Recurrence[] = [];
  for (const i of incidents) {
    if (!i.causeCategory) continue;
    const previous = pool.filter((p) => p.id !== i.id && p.startedAt < i.startedAt && i.startedAt - p.startedAt <= RECURRENCE_DAYS * DAY
      && p.causeCategory === i.causeCategory && p.services.some((s) => i.services.some((x) => x.slug === s.slug))).at(-1);
    if (previous) recurrences.push({ incident: i, previous, category: i.causeCategory, daysApart: Math.floor((i.startedAt - previous.startedAt) / DAY) });
  }
  return { period, observedMs, incidents, byService, byCategory, bySeverity, byMonth, byHour, topCauses, recurrences };
}
