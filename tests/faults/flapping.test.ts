import { describe, it, expect } from 'vitest';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tempDb } from '../helpers/temp';
import { waitFor } from '../helpers/site';
import { startWorker } from '../helpers/worker';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { startSmtp, decodeMail } from '../integration/probe-servers';

describe('a flapping target, with the worker and a real SMTP server', () => {
  it('2 down / 2 up for a minute and a half: one alarm and one draft incident collecting the episodes; mail again only once it settles', async () => {
    // HTTP 503 for two checks, 200 for two, over and over, until the test calms it.
    let requests = 0;
    let calm = false;
    const server = createServer((_q, r) => {
      const n = requests++;
      r.statusCode = !calm && Math.floor(n / 2) % 2 === 0 ? 503 : 200;
      r.end('x');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const smtp = await startSmtp();
    const t = tempDb();
    const w = (() => {
      importInterchange(t.db, validateInterchange({
        version: 1,
        services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }],
        monitors: [{ slug: 'web-http', service: 'web', type: 'http', target: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true }],
      }));
      const configPath = join(t.dir, 'config.json');
      writeFileSync(configPath, JSON.stringify({ alarms: { operators: ['ops@example.jp'], recovery_confirm: 2, flap_window_s: 60, flap_settle_s: 15 } }));
      return startWorker({ DATABASE_PATH: t.path, CONFIG_PATH: configPath, SMTP_URL: smtp.url });
    })();
    try {
      await waitFor(() => requests >= 18, 120_000, 200); // four and a half cycles: 4 or 5 episodes
      calm = true;
      const episodes = () => t.db.$client.prepare("SELECT episodes FROM alarms WHERE kind = 'outage'").pluck().all() as number[];
      expect(episodes()).toHaveLength(1);
      expect(episodes()[0]).toBeGreaterThanOrEqual(3);
      await waitFor(() => t.db.$client.prepare("SELECT recovery_detected_at FROM alarms WHERE kind = 'outage'").pluck().get() !== null, 60_000, 500);
      await waitFor(() => smtp.received.length >= 4, 20_000, 200);
      await new Promise((r) => setTimeout(r, 6000));
      const subjects = smtp.received.map((m) => /^Subject: (.*)$/m.exec(decodeMail(m.raw))?.[1] ?? '');
      expect(subjects.map((s) => s.slice(0, s.indexOf('】') + 1))).toEqual(['【障害検知】', '【復旧】', '【不安定】', '【復旧】']);
      expect(t.db.$client.prepare('SELECT count(*) FROM incidents').pluck().get()).toBe(1);
      expect(t.db.$client.prepare('SELECT recovered_at IS NOT NULL FROM incidents').pluck().get()).toBe(1);
    } finally {
      await w.stop();
      await smtp.close();
      server.close();
      t.close();
    }
  }, 240_000);
});
