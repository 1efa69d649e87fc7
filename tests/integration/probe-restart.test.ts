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
  it('resumes each monitor on its own phase (never a check twice in a row) after SIGTERM and after kill -9, taking a dead holder\'s lease at once', async () => {
    const server = createServer((_q, r) => r.end('ok'));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const t = tempDb();
    const workers: Array<ReturnType<typeof startWorker>> = [];
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      importInterchange(t.db, validateInterchange({
        version: 1,
        services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }],
        monitors: ['a', 'b', 'c'].map((m) => ({ slug: `web-${m}`, service: 'web', type: 'http', target: url, interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true })),
      }));
      const configPath = join(t.dir, 'config.json');
      // A long lease, so that waiting it out could never pass for taking it over at once.
      writeFileSync(configPath, JSON.stringify({ probe: { lease_ttl_s: 60 } }));
      const env = { DATABASE_PATH: t.path, CONFIG_PATH: configPath };
      const count = () => t.db.$client.prepare('SELECT count(*) FROM checks').pluck().get() as number;
      // Each monitor's last check when a worker ended.
      const boundaries: Array<Map<number, number>> = [];
      const lastChecks = () => new Map((t.db.$client.prepare('SELECT monitor_id AS id, max(at) AS at FROM checks GROUP BY monitor_id').all() as Array<{ id: number; at: number }>).map((r) => [r.id, r.at]));
      const run = async (end: 'SIGTERM' | 'SIGKILL') => {
        const w = startWorker(env);
        workers.push(w);
        const start = count();
        await waitFor(() => count() >= start + 3, 30_000, 100);
        w.process.kill(end);
        await w.exited;
        boundaries.push(lastChecks());
      };
      await run('SIGTERM');
      await run('SIGKILL');
      const killedAt = Date.now();
      const last = startWorker(env);
      workers.push(last);
      await waitFor(() => logEvents(last.output(), 'probe.started').length === 1, 30_000, 50);
      // The lease of the killed worker (60 s of silence) does not hold the next one back: it
      // starts as soon as it is up (the margin is for starting a process on a busy machine).
      expect(Date.now() - killedAt).toBeLessThan(30_000);
      expect(logEvents(last.output(), 'probe.started')[0]!.lease).toBe('holder_gone');
      const start = count();
      await waitFor(() => count() >= start + 3, 30_000, 100);
      await last.stop();
      // The first check of each monitor after each restart is on its phase, at least half an
      // interval after its last one (a busy machine may only start it later, never sooner).
      for (const boundary of boundaries) {
        for (const [id, lastAt] of boundary) {
          const next = t.db.$client.prepare('SELECT min(at) FROM checks WHERE monitor_id = ? AND at > ?').pluck().get(id, lastAt) as number;
          expect(next - lastAt).toBeGreaterThanOrEqual(2500);
        }
      }
    } finally {
      for (const w of workers) await w.stop();
      server.close();
      t.close();
    }
  }, 90_000);
});
