import { describe, it, expect } from 'vitest';
import { DateTime } from 'luxon';
import { tempDb } from '../helpers/temp';
import { CheckStore, rebuildDerived, type CheckResult } from '../../src/lib/checks/store';
import { processRollups, latencySeries, oldestPendingHour } from '../../src/lib/checks/rollups';

function setup() {
  const t = tempDb();
  const c = t.db.$client;
  c.prepare("INSERT INTO services (slug, name_ja) VALUES ('s', 'サービス')").run();
  const id = Number(c.prepare("INSERT INTO monitors (slug, service_id, type, target, interval_s) VALUES ('m', 1, 'http', 'http://x/', 60)").run().lastInsertRowid);
  return { t, id };
}

describe('check rollups', () => {
  it('rolls up hours and JST days: counts by status and exact latency percentiles', () => {
    const { t, id } = setup();
    // 2026-10-01 23:00 JST to 2026-10-02 01:00 JST, a check a minute.
    const start = DateTime.fromISO('2026-10-01T23:00:00', { zone: 'Asia/Tokyo' }).toMillis();
    const results: CheckResult[] = [];
    for (let i = 0; i < 120; i++) {
      const down = i >= 50 && i < 55;
      results.push({ monitorId: id, at: start + i * 60_000, status: down ? 'down' : i % 10 === 0 ? 'degraded' : 'up', latencyMs: down ? null : i + 1, error: null });
    }
    new CheckStore(t.db).record(results);
    expect(oldestPendingHour(t.db)).toBe(start);
    const now = start + 3 * 86_400_000; // both days are over
    expect(processRollups(t.db, 'Asia/Tokyo', now)).toEqual({ hours: 2, days: 2 });
    expect(oldestPendingHour(t.db)).toBeNull();

    const hours = latencySeries(t.db, id, { start, end: start + 2 * 3_600_000 }, 'hour');
    expect(hours).toHaveLength(2);
    // Hour 1: minutes 0..59, down 50..54, degraded 0,10,20,30,40; latencies 1..50 and 56..60.
    expect(hours[0]).toEqual({ start, up: 50, degraded: 5, down: 5, latCount: 55, latAvg: 28.5, latP50: 28, latP95: 58, latMax: 60 });
    expect(hours[1]).toMatchObject({ start: start + 3_600_000, up: 54, degraded: 6, down: 0, latCount: 60, latP50: 90, latP95: 117, latMax: 120 });

    const days = latencySeries(t.db, id, { start: start - 86_400_000, end: now }, 'day');
    expect(days.map((d) => [d.day, d.up + d.degraded + d.down])).toEqual([['2026-10-01', 60], ['2026-10-02', 60]]);
    expect(days[1]!.start).toBe(DateTime.fromISO('2026-10-02T00:00:00', { zone: 'Asia/Tokyo' }).toMillis());
    t.close();
  });

  it('keeps a running day pending and re-rolls it at most every 10 minutes, then when it ends', () => {
    const { t, id } = setup();
    const day = DateTime.fromISO('2026-10-05T00:00:00', { zone: 'Asia/Tokyo' }).toMillis();
    const store = new CheckStore(t.db);
    store.record([{ monitorId: id, at: day + 60_000, status: 'up', latencyMs: 10, error: null }]);
    processRollups(t.db, 'Asia/Tokyo', day + 120_000);
    store.record([{ monitorId: id, at: day + 180_000, status: 'down', latencyMs: null, error: 'x' }]);
    expect(processRollups(t.db, 'Asia/Tokyo', day + 240_000)).toEqual({ hours: 1, days: 0 });
    expect(latencySeries(t.db, id, { start: day, end: day + 86_400_000 }, 'day')[0]).toMatchObject({ up: 1, down: 0 });
    expect(latencySeries(t.db, id, { start: day, end: day + 86_400_000 }, 'hour')[0]).toMatchObject({ up: 1, down: 1 });
    expect(processRollups(t.db, 'Asia/Tokyo', day + 12 * 60_000)).toEqual({ hours: 0, days: 1 });
    expect(latencySeries(t.db, id, { start: day, end: day + 86_400_000 }, 'day')[0]).toMatchObject({ up: 1, down: 1 });
    expect(oldestPendingHour(t.db)).toBe(day);
    expect(processRollups(t.db, 'Asia/Tokyo', day + 86_400_000 + 1)).toEqual({ hours: 0, days: 1 });
    expect(oldestPendingHour(t.db)).toBeNull();
    t.close();
  });

  it('re-rolls every hour after an import rebuilds a monitor, and keeps rollups whose raw checks are gone', () => {
    const { t, id } = setup();
    const c = t.db.$client;
    const h = DateTime.fromISO('2026-09-01T10:00:00', { zone: 'Asia/Tokyo' }).toMillis();
    const ins = c.prepare('INSERT INTO checks (monitor_id, at, status, latency_ms) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < 3; i++) ins.run(id, h + i * 3_600_000, 0, 100 + i);
    rebuildDerived(t.db, id);
    expect(processRollups(t.db, 'Asia/Tokyo', h + 30 * 86_400_000)).toEqual({ hours: 3, days: 1 });
    // Retention removed the raw checks of the first hour; a later re-roll keeps its rollup.
    c.prepare('DELETE FROM checks WHERE at = ?').run(h);
    c.prepare('INSERT INTO rollup_pending (monitor_id, hour) VALUES (?, ?)').run(id, h);
    processRollups(t.db, 'Asia/Tokyo', h + 30 * 86_400_000);
    expect(latencySeries(t.db, id, { start: h, end: h + 3_600_000 }, 'hour')).toMatchObject([{ up: 1, latP50: 100 }]);
    t.close();
  });
});
