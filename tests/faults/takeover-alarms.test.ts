import { describe, it, expect } from 'vitest';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDb } from '../helpers/temp';
import { waitFor } from '../helpers/site';
import { startWorker, logEvents, type RunningWorker } from '../helpers/worker';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { readLease } from '../../src/lib/lease';
import { PROBE_LEASE } from '../../src/lib/probe/probe';
import { startSmtp, decodeMail } from '../integration/probe-servers';

describe('workers taking over while a target is down', () => {
  it('continue the same alarm: one 【障害検知】 and one 【復旧】 per operator, no alarm left open (SIGTERM, then kill -9)', async () => {
    let down = false;
    const server = createServer((_q, r) => {
      r.statusCode = down ? 503 : 200;
      r.end('x');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const smtp = await startSmtp();
    const t = tempDb();
    const workers: RunningWorker[] = [];
    try {
      importInterchange(t.db, validateInterchange({
        version: 1,
        services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }],
        monitors: [{ slug: 'web-http', service: 'web', type: 'http', target: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true }],
      }));
      const configPath = join(t.dir, 'config.json');
      writeFileSync(configPath, JSON.stringify({ alarms: { operators: ['ops1@example.jp', 'ops2@example.jp'], recovery_confirm: 2, flap_window_s: 0 }, probe: { lease_ttl_s: 60 } }));
      const env = { DATABASE_PATH: t.path, CONFIG_PATH: configPath, SMTP_URL: smtp.url };
      const holderPid = () => readLease(t.db, PROBE_LEASE)?.pid;
      // Three workers: the first holds the lease, the other two wait for it from the start
      // (so whatever they read before taking it over is old by then).
      const [a, b, c] = [startWorker(env), startWorker(env), startWorker(env)];
      workers.push(a, b, c);
      await waitFor(() => workers.filter((w) => logEvents(w.output(), 'probe.waiting_for_lease').length === 1).length === 2, 30_000, 100);
      const first = workers.find((w) => w.pid === holderPid())!;
      expect(first).toBeDefined();
      down = true;
      const alarms = () => t.db.$client.prepare("SELECT id, recovery_detected_at AS closed FROM alarms WHERE kind = 'outage'").all() as Array<{ id: number; closed: number | null }>;
      await waitFor(() => alarms().length === 1, 30_000, 100);
      await waitFor(() => smtp.received.length >= 2, 20_000, 100);

      // SIGTERM the holder while the target is down: a waiting worker takes over.
      first.process.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      await waitFor(() => holderPid() !== undefined && holderPid() !== first.pid, 20_000, 100);
      const second = workers.find((w) => w.pid === holderPid())!;
      const checksAfter = (at: number) => t.db.$client.prepare('SELECT count(*) FROM checks WHERE at > ?').pluck().get(at) as number;
      const takenAt = Date.now();
      await waitFor(() => checksAfter(takenAt) >= 3, 30_000, 100);

      // kill -9 of the second while still down: the third takes over at once.
      second.process.kill('SIGKILL');
      await second.exited;
      await waitFor(() => holderPid() !== undefined && holderPid() !== second.pid, 20_000, 100);
      const third = workers.find((w) => w.pid === holderPid())!;
      expect(logEvents(third.output(), 'probe.started')[0]!.lease).toBe('holder_gone');
      const thirdAt = Date.now();
      await waitFor(() => checksAfter(thirdAt) >= 3, 30_000, 100);
      expect(alarms()).toHaveLength(1);

      down = false;
      await waitFor(() => alarms()[0]!.closed !== null, 30_000, 100);
      await waitFor(() => smtp.received.length >= 4, 20_000, 100);
      // Time for a second recovery, a second alarm or its mail to show up.
      await new Promise((r) => setTimeout(r, 8000));
      expect(alarms()).toEqual([{ id: alarms()[0]!.id, closed: expect.any(Number) }]);
      const mails = smtp.received.map((m) => `${m.to.join(',')} ${(/^Subject: (.*)$/m.exec(decodeMail(m.raw))?.[1] ?? '').replace(/】.*/, '】')}`).sort();
      expect(mails).toEqual([
        'ops1@example.jp 【復旧】', 'ops1@example.jp 【障害検知】',
        'ops2@example.jp 【復旧】', 'ops2@example.jp 【障害検知】',
      ]);
      // The draft incident of the outage is closed with it, so no later outage joins it.
      expect(t.db.$client.prepare('SELECT count(*) AS n, sum(recovered_at IS NOT NULL) AS closed FROM incidents').get()).toEqual({ n: 1, closed: 1 });
    } finally {
      for (const w of workers) await w.stop();
      await smtp.close();
      server.close();
      t.close();
    }
  }, 180_000);
});
