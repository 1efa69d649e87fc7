import { describe, it, expect } from 'vitest';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDb } from '../helpers/temp';
import { waitFor } from '../helpers/site';
import { startWorker, logEvents } from '../helpers/worker';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';

describe('a worker restart', () => {
  it('checks no monitor twice within its interval across SIGTERM restarts (at once, and with every monitor due during the restart) and kill -9, taking a dead holder\'s lease at once', async () => {
    const server = createServer((_q, r) => r.end('ok'));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const t = tempDb();
    const workers: Array<ReturnType<typeof startWorker>> = [];
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      importInterchange(t.db, validateInterchange({
        version: 1,
        services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }],
        monitors: ['a', 'b', 'c', 'd', 'e', 'f'].map((m) => ({ slug: `web-${m}`, service: 'web', type: 'http', target: url, interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true })),
      }));
      const configPath = join(t.dir, 'config.json');
      // A long lease, so that waiting it out could never pass for taking it over at once.
      writeFileSync(configPath, JSON.stringify({ probe: { lease_ttl_s: 60 } }));
      const env = { DATABASE_PATH: t.path, CONFIG_PATH: configPath };
      const count = () => t.db.$client.prepare('SELECT count(*) FROM checks').pluck().get() as number;
      const run = async (end: 'SIGTERM' | 'SIGKILL', pauseMs: number) => {
        const w = startWorker(env);
        workers.push(w);
        const start = count();
        // Two checks of every monitor, so each has been checked on its phase before the end.
        await waitFor(() => count() >= start + 12, 40_000, 100);
        w.process.kill(end);
        await w.exited;
        await new Promise((r) => setTimeout(r, pauseMs));
      };
      await run('SIGTERM', 0);
      // Longer than the interval: every monitor is due while no worker runs.
      await run('SIGTERM', 6000);
      await run('SIGKILL', 0);
      const killedAt = Date.now();
      const last = startWorker(env);
      workers.push(last);
      await waitFor(() => logEvents(last.output(), 'probe.started').length === 1, 30_000, 50);
      // The lease of the killed worker (60 s of silence) does not hold the next one back: it
      // starts as soon as it is up (the margin is for starting a process on a busy machine).
      expect(Date.now() - killedAt).toBeLessThan(30_000);
      expect(logEvents(last.output(), 'probe.started')[0]!.lease).toBe('holder_gone');
      const start = count();
      await waitFor(() => count() >= start + 12, 40_000, 100);
      await last.stop();
      // No two checks of a monitor closer than its interval (5 s), less a tolerance for a
      // check that started late on a busy machine: an overdue monitor's first check after a
      // restart is followed by its next one on the phase an interval later, not a moment later.
      const checks = t.db.$client.prepare('SELECT monitor_id AS id, at FROM checks ORDER BY monitor_id, at').all() as Array<{ id: number; at: number }>;
      const closest = new Map<number, number>();
      for (let i = 1; i < checks.length; i++) {
        if (checks[i]!.id !== checks[i - 1]!.id) continue;
        const gap = checks[i]!.at - checks[i - 1]!.at;
        closest.set(checks[i]!.id, Math.min(closest.get(checks[i]!.id) ?? Infinity, gap));
      }
      expect(closest.size).toBe(6);
      for (const gap of closest.values()) expect(gap).toBeGreaterThanOrEqual(4000);
    } finally {
      for (const w of workers) await w.stop();
      server.close();
      t.close();
    }
  }, 150_000);
});
