import { describe, it, expect } from 'vitest';
import { tempDb } from '../helpers/temp';
import { AlarmEngine, listOpenAlarms } from '../../src/lib/alarms/index';
import { CheckStore, type CheckResult } from '../../src/lib/checks/store';
import { parseConfig } from '../../src/lib/config';
import { alarmSettings } from '../../src/lib/probe/probe';

const at = (n: number) => 1_800_000_000_000 + n * 60_000;

function setup(warningClearChecks: number | undefined) {
  const t = tempDb();
  const c = t.db.$client;
  c.prepare("INSERT INTO services (slug, name_ja) VALUES ('web', 'ウェブ')").run();
  const id = Number(c.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, options) VALUES ('server', 1, 'resources', 'http://127.0.0.1:9100/metrics', 60, '{}')`).run().lastInsertRowid);
  const config = parseConfig(warningClearChecks === undefined ? { alarms: { operators: ['ops@example.jp'] } } : { alarms: { operators: ['ops@example.jp'], warning_clear_checks: warningClearChecks } });
  const engine = new AlarmEngine(t.db, alarmSettings(config, null), () => at(1000));
  const store = new CheckStore(t.db, { onCheck: (r, run) => engine.onCheck(r, run) });
  // A disk swinging around its 90 % threshold: over, under, over, under ...
  const reading = (n: number, pct: number | null): CheckResult => pct === null
    ? { monitorId: id, at: at(n), status: 'down', latencyMs: null, error: 'connection refused' }
    : { monitorId: id, at: at(n), status: 'up', latencyMs: 20, error: null, ...(pct > 90 ? { warnings: [{ code: 'disk:/', severity: 'warning' as const, message: `disk / ${pct} % full, over 90 %` }] } : {}) };
  const mails = (event: string) => (c.prepare('SELECT COUNT(*) AS n FROM alarm_notifications WHERE event = ?').get(event) as { n: number }).n;
  const alarms = () => c.prepare("SELECT started_at AS startedAt, recovered_at AS recoveredAt, recovery_detected_at AS detectedAt FROM alarms WHERE kind = 'warning' ORDER BY id").all();
  return { t, store, reading, mails, alarms };
}

describe('threshold warnings with hysteresis', () => {
  it('mails once for a value swinging around its threshold, and clears after warning_clear_checks quiet checks', () => {
    const { t, store, reading, mails, alarms } = setup(3);
    store.record([91, 89, 92, 88, 91, 89, 89, 93].map((pct, n) => reading(n, pct)));
    expect(listOpenAlarms(t.db)).toMatchObject([{ kind: 'warning', code: 'disk:/', message: 'disk / 91 % full, over 90 %' }]);
    expect(mails('warning')).toBe(1);
    expect(mails('warning_cleared')).toBe(0);
    // A down check (no answer) neither counts as quiet nor starts the count over.
    store.record([reading(8, 85), reading(9, null), reading(10, 84)]);
    expect(listOpenAlarms(t.db)).toHaveLength(1);
    store.record([reading(11, 80)]);
    expect(listOpenAlarms(t.db)).toEqual([]);
    expect(mails('warning_cleared')).toBe(1);
    // It went back at the first quiet check; the clearing was confirmed at the third.
    expect(alarms()).toEqual([{ startedAt: at(0), recoveredAt: at(8), detectedAt: at(11) }]);
    // Over the threshold again later: a new warning, mailed.
    store.record([reading(12, 95)]);
    expect(mails('warning')).toBe(2);
    t.close();
  });

  it('defaults to 3 checks from the configuration, and 1 restores the old behaviour', () => {
    expect(parseConfig({}).alarms.warning_clear_checks).toBe(3);
    expect(() => parseConfig({ alarms: { warning_clear_checks: 0 } })).toThrow(/alarms\.warning_clear_checks/);
    const d = setup(undefined);
    d.store.record([91, 89, 89, 92].map((pct, n) => d.reading(n, pct)));
    expect(d.mails('warning')).toBe(1);
    d.t.close();
    const one = setup(1);
    one.store.record([91, 89, 92, 88].map((pct, n) => one.reading(n, pct)));
    expect(one.mails('warning')).toBe(2);
    expect(one.mails('warning_cleared')).toBe(2);
    one.t.close();
  });
});
