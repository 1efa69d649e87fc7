import { describe, it, expect } from 'vitest';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { tempDb } from '../helpers/temp';
import { waitFor } from '../helpers/site';
import { startWorker } from '../helpers/worker';
import { startReceiver } from '../helpers/webhook-receiver';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { systemActor } from '../../src/lib/audit';
import { parseConfig } from '../../src/lib/config';
import { addDestination, destinationSchema } from '../../src/lib/destinations/destinations';
import { notifySubscribersOfIncidentUpdate, notifySubscribersOfMaintenance } from '../../src/lib/subscriptions/notify';

const DOWN_MS = 120_000;

/**
 * A receiver that is away for two minutes (first not listening, then answering 503) gets
 * every message once it is back: an alarm the worker raised itself, a public incident
 * update and a planned-stop notice, each sent by the worker's sender, signed, and tried
 * again with the same webhook-id until it was taken.
 */
describe('webhook deliveries while the receiver is down', () => {
  it('arrive exactly once each after two minutes of refused connections and 503s, every try signed with the same id', async () => {
    const target = createServer((_q, r) => { r.statusCode = 500; r.end('x'); });
    await new Promise<void>((ok) => target.listen(0, '127.0.0.1', () => ok()));
    const rx = await startReceiver(() => 503);
    const t = tempDb();
    const worker: { stop?: () => Promise<unknown> } = {};
    try {
      importInterchange(t.db, validateInterchange({
        version: 1,
        services: [{ slug: 'web', name: { ja: 'ウェブ', en: 'Website' }, sla_target_pct: 99.9 }],
        monitors: [{ slug: 'web-http', service: 'web', type: 'http', target: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`, interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true }],
      }));
      const { secret } = addDestination(t.db, systemActor('test'), destinationSchema.parse({ name: 'all', kind: 'webhook', url: rx.url('/in'), alarms: true, incidents: true, maintenances: true, allServices: true }));
      const configPath = join(t.dir, 'config.json');
      writeFileSync(configPath, JSON.stringify({ alarms: { operators: [], flap_window_s: 0 }, probe: { lease_ttl_s: 10 } }));
      const config = parseConfig({});

      // Away: nothing listens for the first minute, then it answers 503 for the second.
      await rx.down();
      const awayUntil = Date.now() + DOWN_MS;
      const w = startWorker({ DATABASE_PATH: t.path, CONFIG_PATH: configPath });
      worker.stop = w.stop;

      // A public update and a stop's announcement, queued as the site queues them.
      const c = t.db.$client;
      const now = Date.now();
      const serviceId = c.prepare("SELECT id FROM services WHERE slug = 'web'").pluck().get() as number;
      const incidentId = Number(c.prepare(`INSERT INTO incidents (key, kind, severity, title_ja, title_en, started_at, aware_at, draft, created_at, updated_at)
        VALUES ('20261204-900', 'failure', 'minor', '表示が遅い', 'Slow pages', ?, ?, 0, ?, ?)`).run(now, now, now, now).lastInsertRowid);
      c.prepare("INSERT INTO incident_services (incident_id, service_id, impact) VALUES (?, ?, 'degraded_performance')").run(incidentId, serviceId);
      const updateId = Number(c.prepare("INSERT INTO incident_updates (incident_id, at, status, body_ja, body_en, published) VALUES (?, ?, 'investigating', '調査しています。', 'Investigating.', 1)").run(incidentId, now).lastInsertRowid);
      notifySubscribersOfIncidentUpdate(t.db, incidentId, updateId, { baseUrl: 'https://status.example.jp', config, now });
      const stopId = Number(c.prepare(`INSERT INTO maintenances (key, category, title_ja, scheduled_start, scheduled_end, status, created_at, updated_at)
        VALUES ('m-900', 'inspection', '定期点検', ?, ?, 'scheduled', ?, ?)`).run(now + 10 * 86_400_000, now + 10 * 86_400_000 + 3_600_000, now, now).lastInsertRowid);
      c.prepare('INSERT INTO maintenance_services (maintenance_id, service_id) VALUES (?, ?)').run(stopId, serviceId);
      notifySubscribersOfMaintenance(t.db, stopId, 'announced', { baseUrl: 'https://status.example.jp', config, now });

      // The worker confirms the outage itself and queues the alarm.
      await waitFor(() => c.prepare("SELECT count(*) FROM destination_outbox WHERE topic = 'alarms'").pluck().get() === 1, 60_000, 200)
        .catch((err) => { throw new Error(`${(err as Error).message}; alarms ${JSON.stringify(c.prepare('SELECT * FROM alarms').all())}; worker: ${w.output().slice(-3000)}`); });
      await new Promise((r) => setTimeout(r, Math.max(0, awayUntil - DOWN_MS / 2 - Date.now())));
      await rx.up();
      await new Promise((r) => setTimeout(r, Math.max(0, awayUntil - Date.now())));
      const triedWhileDown = c.prepare('SELECT count(*) FROM destination_outbox WHERE attempts >= 2 AND sent_at IS NULL').pluck().get() as number;
      expect(triedWhileDown).toBe(3);
      rx.setAnswer(() => 200);
      await waitFor(() => c.prepare('SELECT count(*) FROM destination_outbox WHERE sent_at IS NOT NULL').pluck().get() === 3, 240_000, 500);
      // Ticks go on every five seconds: give them time to send anything twice.
      await new Promise((r) => setTimeout(r, 12_000));

      const delivered = rx.delivered();
      const ids = delivered.map((r) => String(r.headers['webhook-id']));
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
      const types = delivered.map((r) => (new Webhook(secret!).verify(r.body, r.headers as Record<string, string>) as { type: string }).type).sort();
      expect(types).toEqual(['alarm.outage', 'incident.update', 'maintenance.announced']);
      // The refused tries (503) carried the same ids as the delivered ones, and were signed too.
      const refused = rx.received.filter((r) => r.status === 503);
      expect(refused.length).toBeGreaterThanOrEqual(3);
      for (const r of refused) {
        expect(ids).toContain(String(r.headers['webhook-id']));
        expect(() => new Webhook(secret!).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
      }
      expect(c.prepare('SELECT count(*) FROM destination_outbox WHERE failed_at IS NOT NULL').pluck().get()).toBe(0);
    } finally {
      await worker.stop?.();
      await rx.close().catch(() => undefined);
      await new Promise((ok) => target.close(ok));
      t.close();
    }
  }, 420_000);
});
