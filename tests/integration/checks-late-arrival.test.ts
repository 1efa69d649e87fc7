import { afterEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { CheckStore, rebuildDerived, type CheckResult } from '../../src/lib/checks/store';
import { LocationCheckStore } from '../../src/lib/agents/store';
import { enqueueMail, releaseFutureMail, retryDelayMs, CLAIM_MS } from '../../src/lib/mail/outbox';
import { ClockWatch } from '../../src/lib/probe/clock';
import { processRollups } from '../../src/lib/checks/rollups';
import { setAsideFutureChecks } from '../../src/lib/checks/quarantine';
import type { Db } from '../../src/lib/db';

const MIN = 60_000;
const T0 = Date.parse('2026-10-10T03:00:00Z');

function setup(db: Db): void {
  importInterchange(db, validateInterchange({
    version: 1,
    services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }],
    monitors: [{ slug: 'web-http', service: 'web', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 60, timeout_s: 5, confirm: 2, counts_for_availability: true }],
  }));
}

/** Checks every minute with a pattern of statuses and two holes (gaps beyond two intervals). */
function series(): CheckResult[] {
  const out: CheckResult[] = [];
  for (let i = 0; i < 120; i++) {
    if ((i >= 30 && i < 36) || (i >= 80 && i < 84)) continue;
    const status = i % 17 < 5 ? 'down' : i % 23 === 0 ? 'degraded' : 'up';
    out.push({ monitorId: 1, at: T0 + i * MIN, status, latencyMs: status === 'down' ? null : 50, error: status === 'down' ? 'HTTP 503' : null });
  }
  return out;
}

/** A seeded shuffle, so a failure can be replayed. */
function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const derived = (db: Db, runs: string, gaps: string) => ({
  runs: db.$client.prepare(`SELECT first_at, last_at, status, count FROM ${runs} ORDER BY first_at`).all(),
  gaps: db.$client.prepare(`SELECT start, "end" FROM ${gaps} ORDER BY start`).all(),
});

describe('checks that arrive later than newer ones', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => { for (const f of cleanup.splice(0)) f(); });

  it('the local store keeps every check and the same runs and gaps as checks written in time order', () => {
    const inOrder = tempDb();
    const late = tempDb();
    cleanup.push(inOrder.close, late.close);
    setup(inOrder.db);
    setup(late.db);
    new CheckStore(inOrder.db).record(series());
    const expected = derived(inOrder.db, 'check_runs', 'check_gaps');
    // The same checks in batches of seven, in a shuffled order: many arrive after newer ones.
    const store = new CheckStore(late.db);
    const list = shuffled(series(), 7);
    for (let i = 0; i < list.length; i += 7) store.record(list.slice(i, i + 7));
    expect(late.db.$client.prepare('SELECT count(*) FROM checks').pluck().get()).toBe(series().length);
    expect(derived(late.db, 'check_runs', 'check_gaps')).toEqual(expected);
    rebuildDerived(late.db, 1);
    expect(derived(late.db, 'check_runs', 'check_gaps')).toEqual(expected);
  });

  it("an agent's spool sent late splits and merges the location's runs the same way", () => {
    const inOrder = tempDb();
    const late = tempDb();
    cleanup.push(inOrder.close, late.close);
    for (const t of [inOrder, late]) {
      setup(t.db);
      t.db.$client.prepare("INSERT INTO probe_locations (slug, label_ja, created_at) VALUES ('osaka', '大阪', 0)").run();
    }
    const loc = inOrder.db.$client.prepare("SELECT id FROM probe_locations WHERE slug = 'osaka'").pluck().get() as number;
    const sorted = (l: CheckResult[]) => [...l].sort((a, b) => a.at - b.at);
    expect(new LocationCheckStore(inOrder.db).record(loc, series())).toBe(series().length);
    const expected = derived(inOrder.db, 'location_check_runs', 'location_check_gaps');
    const store = new LocationCheckStore(late.db);
    const list = shuffled(series(), 11);
    let stored = 0;
    for (let i = 0; i < list.length; i += 10) stored += store.record(loc, sorted(list.slice(i, i + 10)));
    // A batch sent again is stored once.
    stored += store.record(loc, sorted(list.slice(0, 10)));
    expect(stored).toBe(series().length);
    expect(derived(late.db, 'location_check_runs', 'location_check_gaps')).toEqual(expected);
  });
});

describe('after the clock was set back', () => {
  it("mail due or claimed on the wrong clock is released to the true clock's limits", () => {
    const t = tempDb();
    try {
      const now = T0;
      const ahead = now + 3_600_000;
      const fresh = enqueueMail(t.db, { to: 'ops@example.jp', subject: 's', text: 't', kind: 'alarm' }, ahead);
      const retried = enqueueMail(t.db, { to: 'ops@example.jp', subject: 's', text: 't', kind: 'alarm' }, ahead);
      const claimed = enqueueMail(t.db, { to: 'ops@example.jp', subject: 's', text: 't', kind: 'alarm' }, ahead);
      const onTime = enqueueMail(t.db, { to: 'ops@example.jp', subject: 's', text: 't', kind: 'alarm' }, now);
      t.db.$client.prepare('UPDATE mail_outbox SET attempts = 2, next_attempt_at = ? WHERE id = ?').run(ahead + retryDelayMs(2), retried);
      t.db.$client.prepare('UPDATE mail_outbox SET attempts = 1, claimed_until = ? WHERE id = ?').run(ahead + CLAIM_MS, claimed);
      expect(releaseFutureMail(t.db, now)).toBe(3);
      const row = (id: number) => t.db.$client.prepare('SELECT next_attempt_at AS nextAt, claimed_until AS claimedUntil FROM mail_outbox WHERE id = ?').get(id);
      expect(row(fresh)).toEqual({ nextAt: now, claimedUntil: null });
      expect(row(retried)).toEqual({ nextAt: now + retryDelayMs(2), claimedUntil: null });
      expect(row(claimed)).toEqual({ nextAt: now + retryDelayMs(1), claimedUntil: now + CLAIM_MS });
      expect(row(onTime)).toEqual({ nextAt: now, claimedUntil: null });
      expect(releaseFutureMail(t.db, now)).toBe(0);
    } finally {
      t.close();
    }
  });

  it('a step is told from a slew by the monotonic clock', () => {
    let wall = T0;
    let mono = 0;
    const watch = new ClockWatch(() => wall, () => mono);
    // Five seconds pass on both clocks, the wall clock slewed by 50 ms: no step.
    mono += 5000;
    wall += 5050;
    expect(watch.look()).toBe(0);
    // The wall clock is set back an hour between two looks.
    mono += 5000;
    wall += 5000 - 3_600_000;
    expect(watch.look()).toBe(-3_600_000);
    expect(watch.look()).toBe(0);
    // A frozen VM resumed: the monotonic clock stood still while the wall clock ran on.
    wall += 600_000;
    expect(watch.look()).toBe(600_000);
  });
});

describe('checks stamped later than now', () => {
  it("are set aside from the local probe and from an agent beyond its measured offset, with their hours' rollups", () => {
    const t = tempDb();
    try {
      setup(t.db);
      const c = t.db.$client;
      // An agent whose clock runs 60 s ahead of the site's, as measured at its last batch.
      const osaka = Number(c.prepare("INSERT INTO probe_locations (slug, label_ja, created_at, clock_offset_ms) VALUES ('osaka', '大阪', 0, -60000)").run().lastInsertRowid);
      const now = T0 + 10 * MIN;
      const local = new CheckStore(t.db);
      const located = new LocationCheckStore(t.db);
      // Ten true minutes, then an hour ahead (a worker whose clock ran ahead).
      local.record([...Array(10).keys()].map((i) => ({ monitorId: 1, at: T0 + i * MIN, status: 'up' as const, latencyMs: 40, error: null })));
      local.record([0, 1, 2].map((i) => ({ monitorId: 1, at: now + 3_600_000 + i * MIN, status: 'down' as const, latencyMs: null, error: 'HTTP 503' })));
      // The agent's last result is 50 s ahead (within its offset); one an hour ahead is not.
      located.record(osaka, [{ monitorId: 1, at: now - MIN, status: 'up', latencyMs: 40, error: null }, { monitorId: 1, at: now + 50_000, status: 'up', latencyMs: 40, error: null }, { monitorId: 1, at: now + 3_600_000, status: 'down', latencyMs: null, error: 'HTTP 503' }]);
      // The wrong clock's outage opened an alarm dated an hour ahead.
      const alarm = c.prepare(`INSERT INTO alarms (monitor_id, kind, code, severity, message, started_at, detected_at) VALUES (1, 'outage', 'down', 'critical', 'HTTP 503', ?, ?)`).run(now + 3_600_000, now + 3_660_000).lastInsertRowid;
      const mail = enqueueMail(t.db, { to: 'ops@example.jp', subject: '【障害検知】', text: 't', kind: 'alarm' }, now + 3_660_000);
      c.prepare('UPDATE mail_outbox SET sent_at = ?, next_attempt_at = NULL WHERE id = ?').run(now + 3_661_000, mail);
      c.prepare(`INSERT INTO alarm_notifications (alarm_id, event, recipient, outbox_id, queued_at, sent_at) VALUES (?, 'outage', 'ops@example.jp', ?, ?, ?)`).run(alarm, mail, now + 3_660_000, now + 3_661_000);
      processRollups(t.db, 'Asia/Tokyo', now + 3_700_000);
      expect(c.prepare('SELECT count(*) FROM check_rollups_hourly WHERE start > ?').pluck().get(now)).toBe(1);

      const step = setAsideFutureChecks(t.db, now, null)!;
      expect(step).toMatchObject({ seenBy: 'start', setAside: 4, firstStampAt: now + 3_600_000 });
      expect(Math.round(step.offsetMs / 1000)).toBe(-3720);
      expect(c.prepare('SELECT max(at) FROM checks').pluck().get()).toBe(T0 + 9 * MIN);
      expect(c.prepare('SELECT max(last_at) FROM check_runs').pluck().get()).toBe(T0 + 9 * MIN);
      expect(c.prepare('SELECT count(*) FROM check_runs WHERE status = 2').pluck().get()).toBe(0);
      expect(c.prepare('SELECT count(*) FROM check_gaps').pluck().get()).toBe(0);
      expect(c.prepare('SELECT max(at) FROM location_checks').pluck().get()).toBe(now + 50_000);
      expect(c.prepare('SELECT last_at, count FROM location_check_runs').raw().all()).toEqual([[now + 50_000, 2]]);
      expect(c.prepare('SELECT location_id, count(*) FROM quarantined_checks GROUP BY location_id ORDER BY location_id').raw().all()).toEqual([[null, 3], [osaka, 1]]);
      // The hour the future checks fell in has no rollup any more; the true hours are rolled again.
      expect(c.prepare('SELECT count(*) FROM check_rollups_hourly WHERE start > ?').pluck().get(now)).toBe(0);
      processRollups(t.db, 'Asia/Tokyo', now);
      expect(c.prepare('SELECT sum(up) FROM check_rollups_hourly').pluck().get()).toBe(10);
      // Its timers run from now, not from a time that has not come.
      expect(c.prepare('SELECT started_at, detected_at FROM alarms').raw().get()).toEqual([now, now]);
      expect(c.prepare('SELECT queued_at, sent_at FROM alarm_notifications').raw().get()).toEqual([now, now]);
      expect(c.prepare('SELECT created_at, sent_at FROM mail_outbox').raw().get()).toEqual([now, now]);
      // Nothing more to set aside: no second step is recorded.
      expect(setAsideFutureChecks(t.db, now, null)).toBeNull();
    } finally {
      t.close();
    }
  });
});
