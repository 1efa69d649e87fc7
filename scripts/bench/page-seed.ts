import { openDatabase } from '../../src/lib/db';
import { importInterchange } from '../../src/lib/interchange/import';
import { rebuildDerived } from '../../src/lib/checks/store';

/**
 * The benchmarks' data: a year (or `days`) of 60 s checks for 10 monitors of two services (a short
 * outage every 17 days), an incident in progress and a planned stop ahead; `fleet` adds that
 * many HTTP monitors at 60 s (without history) against a target.
 */
const MIN = 60_000;
const DAY = 86_400_000;

export function seedYear(path: string, now: number, days = 365, fleet?: { count: number; target: string }): number {
  const db = openDatabase(path);
  importInterchange(db, {
    version: 1,
    services: [
      { slug: 'awareness', name: { ja: '当事業広報啓発WEBサイト', en: 'Program awareness website' }, sla_target_pct: 99.9 },
      { slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 },
      ...(fleet ? [{ slug: 'fleet', name: { ja: '多数の監視', en: 'Fleet' }, sla_target_pct: 99.9 }] : []),
    ],
    monitors: Array.from({ length: 10 }, (_, i) => ({
      slug: `m${i}`, service: i < 5 ? 'awareness' : 'elearning', type: 'http' as const, target: 'http://127.0.0.1:9/',
      interval_s: 60, confirm: 2, counts_for_availability: true, paused: true,
    })).concat(Array.from({ length: fleet?.count ?? 0 }, (_, i) => ({
      slug: `fleet-${i}`, service: 'fleet', type: 'http' as const, target: fleet!.target,
      interval_s: 60, confirm: 2, counts_for_availability: true, paused: false,
    }))),
    incidents: [{
      key: 'bench-1', kind: 'failure', severity: 'major', title: { ja: 'ログイン障害', en: 'Sign-in failure' },
      services: [{ service: 'elearning', impact: 'major_outage' }], started_at: new Date(now - 30 * MIN).toISOString(), force_majeure: false,
      updates: [{ at: new Date(now - 20 * MIN).toISOString(), status: 'investigating', body: { ja: '調査中です。', en: 'Investigating.' } }],
    }],
    maintenances: [{
      key: 'bench-m', category: 'inspection', title: { ja: '定期点検', en: 'Inspection' }, services: ['awareness'],
      announced_at: new Date(now - DAY).toISOString(), scheduled_start: new Date(now + 20 * DAY).toISOString(),
      scheduled_end: new Date(now + 20 * DAY + 2 * 3_600_000).toISOString(), status: 'scheduled',
    }],
  });
  const ids = db.$client.prepare("SELECT id FROM monitors WHERE slug NOT LIKE 'fleet-%' ORDER BY id").pluck().all() as number[];
  const insert = db.$client.prepare('INSERT INTO checks (monitor_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?)');
  const end = Math.floor(now / MIN) * MIN;
  const start = end - days * DAY;
  let n = 0;
  for (const id of ids) {
    db.$client.transaction(() => {
      for (let at = start; at <= end; at += MIN) {
        const down = at % (17 * DAY) < 6 * MIN;
        insert.run(id, at, down ? 2 : 0, down ? null : 150 + ((at / MIN) % 97), down ? 'connection refused' : null);
        n++;
      }
    })();
    rebuildDerived(db, id);
  }
  db.$client.close();
  return n;
}
