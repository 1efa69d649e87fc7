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
import { PROBE_LEASE, CLOCK_STEP_KEY } from '../../src/lib/probe/probe';
import type { Db } from '../../src/lib/db';
import { checkHealth } from '../../src/lib/health';
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
    const killedAt = Date.now();
    behind.process.kill('SIGKILL');
    await waitFor(() => readLease(t.db, PROBE_LEASE)?.pid === normal.pid, 10_000, 50);
    // Its process is gone from this host: no waiting out the lease time.
    expect(Date.now() - killedAt).toBeLessThan(2500);
    expect(logEvents(normal.output(), 'probe.started')[0]?.lease).toBe('holder_gone');
  });

  it('after the clock is set back an hour across a restart, down checks still raise the alarm and count as downtime', async () => {
    const t = tempDb();
    cleanup.push(() => t.close());
    const web = await target();
    cleanup.push(() => web.close());
    const env = { DATABASE_PATH: t.path, CONFIG_PATH: setup(t.db, web.url, t.dir) };
    const ahead = startWorker({ ...env, ...shifted('+1h') });
    cleanup.push(() => ahead.stop());
    await waitFor(() => checks(t.db).length >= 1, 20_000, 100);
    ahead.process.kill('SIGKILL');
    await ahead.exited;
    const futureLast = checks(t.db).at(-1)!.at;
    expect(futureLast).toBeGreaterThan(Date.now() + 3_500_000);
    web.set(503);
    const normal = startWorker(env);
    cleanup.push(() => normal.stop());
    const alarm = await waitFor(() => t.db.$client.prepare("SELECT started_at AS startedAt FROM alarms WHERE kind = 'outage'").get() as { startedAt: number } | undefined, 25_000, 200);
    expect(alarm.startedAt).toBeGreaterThan(futureLast);
    expect(logEvents(normal.output(), 'checks.out_of_order')).toEqual([]);
    const all = checks(t.db);
    for (let i = 1; i < all.length; i++) expect(all[i]!.at).toBeGreaterThan(all[i - 1]!.at);
    const down = t.db.$client.prepare('SELECT count FROM check_runs WHERE status = 2').pluck().get() as number;
    expect(down).toBeGreaterThanOrEqual(2);
    // The operator is told: in the log and in the worker's report that /healthz shows.
    expect(logEvents(normal.output(), 'probe.clock_step')).toHaveLength(1);
    const step = JSON.parse(t.db.$client.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(CLOCK_STEP_KEY) as string) as { offsetMs: number };
    expect(step.offsetMs).toBeLessThan(-3_500_000);
    const health = checkHealth(t.db, parseConfig({}), Date.now());
    expect(health.ok).toBe(true);
    expect(health.warnings.map((w) => w.cause)).toEqual(['clock_step']);
    expect(health.warnings[0]!.message).toMatch(/stepped 3[56]\d\d s back/);
  });

  it('a clock stepped back an hour while the worker runs changes neither the order nor the spacing of checks', async () => {
    const t = tempDb();
    cleanup.push(() => t.close());
    const web = await target();
    cleanup.push(() => web.close());
    const clockFile = join(t.dir, 'clock');
    writeFileSync(clockFile, '+0\n');
    const env = {
      DATABASE_PATH: t.path, CONFIG_PATH: setup(t.db, web.url, t.dir),
      LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: clockFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1',
    };
    const w = startWorker(env);
    cleanup.push(() => w.stop());
    await waitFor(() => checks(t.db).length >= 2, 20_000, 100);
    writeFileSync(clockFile, '-1h\n');
    const before = checks(t.db).length;
    await waitFor(() => checks(t.db).length >= before + 2, 20_000, 100);
    const all = checks(t.db);
    // Across the step and after it: an interval apart (a busy machine may start a check a
    // little late), where the wall clock would have put them an hour back.
    for (let i = before; i < all.length; i++) {
      const step = all[i]!.at - all[i - 1]!.at;
      expect(step).toBeGreaterThan(3000);
      expect(step).toBeLessThan(7000);
    }
    expect(t.db.$client.prepare('SELECT sum(count) FROM check_runs').pluck().get()).toBe(all.length);
    await waitFor(() => logEvents(w.output(), 'probe.clock_step').length === 1, 10_000, 100);
  });
});
