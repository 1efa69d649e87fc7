import type { Db } from '../db';
import { daysBetween, type Period } from '../time';
import { settingAt, settingSpans } from '../monitors/history';

/**
 * Daily response time of each service (median and 95th percentile of its checks'
 * latencies), and each monitor's largest value, for the report's chart and its monitoring
 * table. Read from the raw checks in one pass per monitor; when hourly or daily rollups
 * exist this is the one function to switch to them.
 */
export interface DailyLatency {
  day: string;
  median: number | null;
  p95: number | null;
  count: number;
}

export interface ResponseTimes {
  /** By service slug: one entry per day of the period. */
  byService: Map<string, DailyLatency[]>;
  /** By monitor id: the largest latency of the period, null without any. */
  maxByMonitor: Map<number, number | null>;
}

/** Monitor types whose latency is a response time of the service as its users see it. */
const RESPONSE_TYPES = new Set(['http', 'page-health']);

/** Nearest-rank percentile of a histogram (value → count) sorted by value: the smallest value with at least p of the values at or below it. */
function percentile(hist: readonly (readonly [number, number])[], total: number, p: number): number | null {
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [value, n] of hist) {
    seen += n;
    if (seen >= rank) return value;
  }
  return hist[hist.length - 1]![0];
}

export function responseTimes(db: Db, period: Period, zone: string): ResponseTimes {
  const c = db.$client;
  const days = daysBetween(period.start, period.end, zone);
  // Each monitor under the service it belonged to at the end of the period, as the report's monitor table lists it.
  const serviceSlug = new Map((c.prepare('SELECT id, slug FROM services').all() as { id: number; slug: string }[]).map((s) => [s.id, s.slug]));
  const monitors = (c.prepare('SELECT id, type FROM monitors ORDER BY id').all() as { id: number; type: string }[])
    .map((m) => ({ ...m, service: serviceSlug.get(settingAt(settingSpans(db, m.id), period.end - 1).serviceId) ?? '' }));
  const hasResponseType = new Set(monitors.filter((m) => RESPONSE_TYPES.has(m.type)).map((m) => m.service));
  // SQLite counts each day's latencies per value (a histogram of a few hundred rows), so no
  // check is carried into JavaScript one by one; percentiles from it are exact.
  const histogram = c.prepare(`SELECT latency_ms, count(*) FROM checks WHERE monitor_id = ? AND at >= ? AND at < ? AND latency_ms IS NOT NULL AND status != 2
    GROUP BY latency_ms ORDER BY latency_ms`).raw();
  const maxSelect = c.prepare('SELECT max(latency_ms) AS m FROM checks WHERE monitor_id = ? AND at >= ? AND at < ? AND status != 2');
  const perService = new Map<string, Map<number, number>[]>();
  const maxByMonitor = new Map<number, number | null>();
  for (const m of monitors) {
    // A service with web checks is charted from those; one without, from all of its checks.
    const charted = hasResponseType.has(m.service) ? RESPONSE_TYPES.has(m.type) : true;
    if (!charted) {
      maxByMonitor.set(m.id, (maxSelect.get(m.id, period.start, period.end) as { m: number | null }).m);
      continue;
    }
    let perDay = perService.get(m.service);
    if (!perDay) perService.set(m.service, (perDay = days.map(() => new Map())));
    let max: number | null = null;
    days.forEach((day, d) => {
      const hist = perDay![d]!;
      for (const [value, n] of histogram.all(m.id, day.start, day.end) as [number, number][]) {
        hist.set(value, (hist.get(value) ?? 0) + n);
        if (max === null || value > max) max = value;
      }
    });
    maxByMonitor.set(m.id, max);
  }
  const byService = new Map<string, DailyLatency[]>();
  for (const [service, perDay] of perService) {
    byService.set(service, perDay.map((hist, i) => {
      const sorted = [...hist.entries()].sort((x, y) => x[0] - y[0]);
      const total = sorted.reduce((sum, [, n]) => sum + n, 0);
      return { day: days[i]!.label, median: percentile(sorted, total, 0.5), p95: percentile(sorted, total, 0.95), count: total };
    }));
  }
  return { byService, maxByMonitor };
}
