import { describe, it, expect, afterEach } from 'vitest';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDb } from '../helpers/temp';
import { waitFor } from '../helpers/site';
import { startWorker, logEvents } from '../helpers/worker';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { readLease } from '../../src/lib/lease';
import { PROBE_LEASE } from '../../src/lib/probe/probe';
import { openClockSteps } from '../../src/lib/checks/quarantine';
import { serviceAvailabilityFor } from '../../src/lib/sla/month';
import { monthOf, monthPeriod } from '../../src/lib/time';
import type { Db } from '../../src/lib/db';
import { checkHealth, probeBeating } from '../../src/lib/health';
import { parseConfig } from '../../src/lib/config';

// Debian's faketime library, preloaded into the worker itself (the `faketime` command would
// put a process of its own between the test and the worker's pid).
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const shifted = (spec: string) => ({ LD_PRELOAD: LIBFAKETIME, FAKETIME: spec, FAKETIME_DONT_FAKE_MONOTONIC: '1' });

/** A real HTTP target whose answer the test sets: 200, or 503. */
async function target() {
  let status = 200;
  const server = createServer((_q, r) => { r.statusCode = status; r.end('x'); });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, set: (s: number) => { status = s; }, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

function setup(db: Db, url: string, dir: string) {
  importInterchange(db, validateInterchange({
    version: 1,
    services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }],
    monitors: [{ slug: 'web-http', service: 'web', type: 'http', target: url, interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true }],
  }));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ probe: { lease_ttl_s: 3 }, alarms: { operators: ['ops@example.jp'] } }));
  return configPath;
}

const checks = (db: Db) => db.$client.prepare('SELECT at, status FROM checks ORDER BY at').all() as Array<{ at: number; status: number }>;

describe('clock steps', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('a worker an hour behind keeps its lease while its heartbeat beats; when it is killed the waiting worker takes over at once', async () => {
    const t = tempDb();
    cleanup.push(() => t.close());
    const web = await target();
    cleanup.push(() => web.close());
    const env = { DATABASE_PATH: t.path, CONFIG_PATH: setup(t.db, web.url, t.dir) };
    const behind = startWorker({ ...env, ...shifted('-1h') });
    cleanup.push(() => behind.stop());
    await waitFor(() => readLease(t.db, PROBE_LEASE)?.pid === behind.pid, 15_000, 100);
    const normal = startWorker(env);
    cleanup.push(() => normal.stop());
    await waitFor(() => logEvents(normal.output(), 'probe.waiting_for_lease').length === 1, 15_000, 100);
    // Its wall-clock expiry looks an hour old to the other worker; its beat is what counts.
    await new Promise((r) => setTimeout(r, 3 * 3000));
    expect(readLease(t.db, PROBE_LEASE)?.pid).toBe(behind.pid);
    expect(logEvents(behind.output(), 'probe.lease_lost')).toEqual([]);
    // The site judges it by its beat too: its renewed_at an hour old says nothing.
    const health = checkHealth(t.db, parseConfig({}), Date.now());
    expect(health.ok).toBe(true);
    expect(probeBeating(t.db, parseConfig({}))).toBe(true);
    const killedAt = Date.now();
    behind.process.kill('SIGKILL');
    await waitFor(() => readLease(t.db, PROBE_LEASE)?.pid === normal.pid, 10_000, 50);
    // Its process is gone from this host: no waiting out the lease time.
    expect(Date.now() - killedAt).toBeLessThan(2500);
    expect(logEvents(normal.output(), 'probe.started')[0]?.lease).toBe('holder_gone');
  });

  it('a worker that ran an hour ahead is replaced: within 90 s checks carry the true time, the outage counts from the first true check, the future checks are out of the figures', async () => {
    const t = tempDb();
    cleanup.push(() => t.close());
    const web = await target();
    cleanup.push(() => web.close());
    const env = { DATABASE_PATH: t.path, CONFIG_PATH: setup(t.db, web.url, t.dir) };
    const ahead = startWorker({ ...env, ...shifted('+1h') });
    cleanup.push(() => ahead.stop());
    await waitFor(() => checks(t.db).length >= 2, 20_000, 100);
    // The target goes down while the wrong clock stamps its checks.
    web.set(503);
    await waitFor(() => checks(t.db).filter((c) => c.status === 2).length >= 2, 20_000, 100);
    ahead.process.kill('SIGKILL');
    await ahead.exited;
    expect(checks(t.db).at(-1)!.at).toBeGreaterThan(Date.now() + 3_500_000);
    const startedAt = Date.now();
    const normal = startWorker(env);
    cleanup.push(() => normal.stop());
    // Two true down checks confirm the outage.
    await waitFor(() => {
      const runs = t.db.$client.prepare('SELECT first_at AS firstAt, count FROM check_runs WHERE status = 2 ORDER BY first_at DESC LIMIT 1').get() as { firstAt: number; count: number } | undefined;
      return runs && runs.firstAt >= startedAt - 1000 && runs.firstAt <= Date.now() && runs.count >= 2;
    }, 90_000, 200);
    const now = Date.now();
    const all = checks(t.db);
    // Every check stored carries a time no later than now; the newest within a few seconds of it.
    expect(all.at(-1)!.at).toBeLessThanOrEqual(now);
    expect(now - all.at(-1)!.at).toBeLessThan(8000);
    const setAside = t.db.$client.prepare('SELECT count(*) AS n, sum(status = 2) AS down, min(at) AS first FROM quarantined_checks').get() as { n: number; down: number; first: number };
    expect(setAside.n).toBeGreaterThanOrEqual(4);
    expect(setAside.down).toBeGreaterThanOrEqual(2);
    expect(setAside.first).toBeGreaterThan(startedAt + 3_000_000);
    // The month's figures: down from the first true check, nothing from the future.
    const config = parseConfig({});
    const month = monthPeriod(monthOf(now, config.zone), config.zone);
    const a = serviceAvailabilityFor({ db: t.db, config, now }, 'web', month);
    expect(a.downtime).toHaveLength(1);
    expect(a.downtime[0]!.start).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(a.downtime[0]!.start).toBeLessThan(startedAt + 15_000);
    expect(a.downtime[0]!.end).toBe(now);
    // The alarm the wrong clock opened an hour ahead is dated no later than the true time, so its timers run.
    const alarms = t.db.$client.prepare("SELECT started_at AS startedAt, detected_at AS detectedAt FROM alarms WHERE kind = 'outage'").all() as { startedAt: number; detectedAt: number }[];
    expect(alarms.length).toBeGreaterThanOrEqual(1);
    for (const alarm of alarms) expect(Math.max(alarm.startedAt, alarm.detectedAt)).toBeLessThanOrEqual(now);
    // The operator is told, with the offset, until an admin reviews it.
    const logged = logEvents(normal.output(), 'probe.clock_step');
    expect(logged).toHaveLength(1);
    expect(Number(logged[0]!.offset_s)).toBeLessThan(-3500);
    const health = checkHealth(t.db, config, now);
    expect(health.ok).toBe(true);
    expect(health.warnings.map((w) => w.cause)).toEqual(['clock_step']);
    expect(health.warnings[0]!.message).toMatch(/was set back 3[56]\d\d s/);
  });

  it('a clock set back an hour while the worker runs: what it stamped ahead is set aside, the checks go on at the true time, an outage counts from its first true check', async () => {
    const t = tempDb();
    cleanup.push(() => t.close());
    const web = await target();
    cleanup.push(() => web.close());
    const clockFile = join(t.dir, 'clock');
    writeFileSync(clockFile, '+1h\n');
    const env = {
      DATABASE_PATH: t.path, CONFIG_PATH: setup(t.db, web.url, t.dir),
      LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: clockFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1',
    };
    const w = startWorker(env);
    cleanup.push(() => w.stop());
    await waitFor(() => checks(t.db).length >= 2, 20_000, 100);
    web.set(503);
    await waitFor(() => checks(t.db).filter((c) => c.status === 2).length >= 2, 20_000, 100);
    const steppedAt = Date.now();
    writeFileSync(clockFile, '+0\n');
    await waitFor(() => logEvents(w.output(), 'probe.clock_step').length === 1, 15_000, 100);
    expect(Number(logEvents(w.output(), 'probe.clock_step')[0]!.offset_s)).toBeLessThan(-3500);
    await waitFor(() => checks(t.db).filter((c) => c.at >= steppedAt && c.at <= Date.now() && c.status === 2).length >= 2, 30_000, 100);
    const now = Date.now();
    const all = checks(t.db);
    expect(all.every((c) => c.at <= now)).toBe(true);
    expect(t.db.$client.prepare('SELECT count(*) FROM quarantined_checks WHERE status = 2').pluck().get()).toBeGreaterThanOrEqual(2);
    expect(t.db.$client.prepare('SELECT sum(count) FROM check_runs').pluck().get()).toBe(all.length);
    const config = parseConfig({});
    const a = serviceAvailabilityFor({ db: t.db, config, now }, 'web', monthPeriod(monthOf(now, config.zone), config.zone));
    expect(a.downtime).toHaveLength(1);
    expect(a.downtime[0]!.start).toBeGreaterThanOrEqual(steppedAt - 1000);
    expect(a.downtime[0]!.end).toBe(now);
    // From the set-back clock's first check to the last true one before the wrong hour: unmonitored.
    expect(a.unmonitoredMs).toBeGreaterThan(0);
  });

  it('a clock stepped an hour ahead while the worker runs: the hour skipped is a gap; a restart with the right clock sets aside the checks stamped ahead', async () => {
    const t = tempDb();
    cleanup.push(() => t.close());
    const web = await target();
    cleanup.push(() => web.close());
    const clockFile = join(t.dir, 'clock');
    writeFileSync(clockFile, '+0\n');
    const configPath = setup(t.db, web.url, t.dir);
    const env = {
      DATABASE_PATH: t.path, CONFIG_PATH: configPath,
      LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: clockFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1',
    };
    const w = startWorker(env);
    cleanup.push(() => w.stop());
    await waitFor(() => checks(t.db).length >= 2, 20_000, 100);
    const lastTrue = checks(t.db).at(-1)!.at;
    writeFileSync(clockFile, '+1h\n');
    await waitFor(() => logEvents(w.output(), 'probe.clock_step').length === 1, 15_000, 100);
    expect(Number(logEvents(w.output(), 'probe.clock_step')[0]!.offset_s)).toBeGreaterThan(3500);
    // The worker goes on with the new wall time: the hour it skipped is a gap.
    web.set(503);
    await waitFor(() => checks(t.db).filter((c) => c.status === 2).length >= 2, 20_000, 100);
    const gap = t.db.$client.prepare('SELECT start, "end" FROM check_gaps ORDER BY start DESC LIMIT 1').get() as { start: number; end: number };
    expect(gap.start).toBeLessThan(lastTrue + 3 * 5000);
    expect(gap.end - gap.start).toBeGreaterThan(3_500_000);
    expect(checkHealth(t.db, parseConfig({}), Date.now()).warnings.map((w) => w.cause)).toEqual(['clock_step']);
    w.process.kill('SIGKILL');
    await w.exited;
    const restartedAt = Date.now();
    const normal = startWorker({ DATABASE_PATH: t.path, CONFIG_PATH: configPath });
    cleanup.push(() => normal.stop());
    await waitFor(() => checks(t.db).filter((c) => c.at >= restartedAt - 1000 && c.at <= Date.now() && c.status === 2).length >= 2, 30_000, 100);
    const now = Date.now();
    expect(checks(t.db).every((c) => c.at <= now)).toBe(true);
    // The gap now runs from the last true check to the first check on the right clock.
    const gaps = t.db.$client.prepare('SELECT start, "end" FROM check_gaps').all() as { start: number; end: number }[];
    expect(gaps.every((g) => g.end <= now)).toBe(true);
    const config = parseConfig({});
    const a = serviceAvailabilityFor({ db: t.db, config, now }, 'web', monthPeriod(monthOf(now, config.zone), config.zone));
    expect(a.downtime).toHaveLength(1);
    expect(a.downtime[0]!.start).toBeGreaterThanOrEqual(restartedAt - 1000);
    expect(openClockSteps(t.db).map((s) => Math.sign(s.offsetMs))).toEqual([-1, 1]);
  });
});
