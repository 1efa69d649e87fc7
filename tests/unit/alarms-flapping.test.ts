import { describe, it, expect } from 'vitest';
import { tempDb } from '../helpers/temp';
import { AlarmEngine, listOpenAlarms } from '../../src/lib/alarms/index';
import { CheckStore, type CheckResult } from '../../src/lib/checks/store';
import { parseConfig } from '../../src/lib/config';
import { alarmSettings } from '../../src/lib/probe/probe';

const base = Date.parse('2026-11-02T01:00:00Z');
const at = (n: number) => base + n * 5000; // one check every 5 s

function setup(alarms: Record<string, unknown> = {}) {
  const t = tempDb();
  const c = t.db.$client;
  c.prepare("INSERT INTO services (slug, name_ja) VALUES ('web', 'ウェブ')").run();
  const id = Number(c.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, confirm, options) VALUES ('web-http', 1, 'http', 'http://127.0.0.1:9/', 5, 2, '{}')`).run().lastInsertRowid);
  const config = parseConfig({ alarms: { operators: ['ops@example.jp'], ...alarms } });
  let clock = at(0);
  const engine = new AlarmEngine(t.db, alarmSettings(config, null), () => clock);
  const store = new CheckStore(t.db, { onCheck: (r, run) => engine.onCheck(r, run) });
  const check = (n: number, up: boolean): CheckResult => up
    ? { monitorId: id, at: at(n), status: 'up', latencyMs: 20, error: null }
    : { monitorId: id, at: at(n), status: 'down', latencyMs: null, error: 'HTTP 503' };
  const record = (from: number, ups: boolean[]) => ups.forEach((up, k) => { clock = at(from + k); store.record([check(from + k, up)]); });
  const subjects = () => c.prepare('SELECT subject FROM mail_outbox ORDER BY id').pluck().all() as string[];
  return { t, c, record, subjects };
}

// 2 down / 2 up for two minutes: 24 checks, 6 outage episodes.
const flapping = Array.from({ length: 24 }, (_, n) => n % 4 >= 2);

describe('flap damping', () => {
  it('a monitor failing and recovering every few checks gets one alarm, one draft incident collecting the episodes, and mail again only when it settles', () => {
    const { t, c, record, subjects } = setup();
    record(0, flapping);
    const outages = c.prepare("SELECT episodes, recovery_detected_at AS closed FROM alarms WHERE kind = 'outage'").all();
    expect(outages).toEqual([{ episodes: 6, closed: null }]);
    expect(c.prepare('SELECT count(*) FROM incidents').pluck().get()).toBe(1);
    expect(c.prepare('SELECT draft, recovered_at IS NULL AS open FROM incidents').get()).toEqual({ draft: 1, open: 1 });
    expect(listOpenAlarms(t.db)).toHaveLength(1);
    // The first outage and its recovery, then one mail saying it is unstable.
    expect(subjects().map((s) => s.slice(0, 6))).toEqual(['【障害検知】', '【復旧】ウェ', '【不安定】ウ']);
    // Up for less than the settle time (300 s): still one open alarm, no mail.
    record(24, Array.from({ length: 50 }, () => true));
    expect(subjects()).toHaveLength(3);
    // Settled: one recovery mail that says how many episodes there were; the draft is recovered.
    record(74, Array.from({ length: 12 }, () => true));
    expect(c.prepare("SELECT episodes, recovered_at AS recoveredAt FROM alarms WHERE kind = 'outage'").get()).toEqual({ episodes: 6, recoveredAt: at(22) });
    expect(subjects()).toHaveLength(4);
    expect(subjects()[3]).toMatch(/^【復旧】/);
    expect(c.prepare('SELECT text FROM mail_outbox ORDER BY id DESC LIMIT 1').pluck().get()).toContain('障害と復旧を6回繰り返した後、安定しました');
    expect(c.prepare('SELECT recovered_at FROM incidents').pluck().get()).toBe(at(22));
    expect(listOpenAlarms(t.db)).toEqual([]);
    t.close();
  });

  it('with damping off (flap_window_s 0) each episode is its own alarm, as before', () => {
    const { t, c, record, subjects } = setup({ flap_window_s: 0 });
    record(0, flapping);
    expect(c.prepare("SELECT count(*) FROM alarms WHERE kind = 'outage'").pluck().get()).toBe(6);
    expect(subjects()).toHaveLength(12);
    t.close();
  });
});
