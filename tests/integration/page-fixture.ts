import { join } from 'node:path';
import type { Interchange } from '../../src/lib/interchange/format';
import { openDatabase } from '../../src/lib/db';
import { importInterchange } from '../../src/lib/interchange/import';
import { startSite, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';

/**
 * A small world for the public page's tests: two services watched every five minutes for
 * three days, an open incident with a published timeline (and an unpublished update and a
 * draft that must never show), a resolved incident, and a planned stop ahead.
 */
const MIN = 60_000;
const iso = (at: number) => new Date(at).toISOString().replace('Z', '+00:00');

export function pageFixture(now = Date.now(), days = 3): Interchange {
  const end = Math.floor(now / (5 * MIN)) * 5 * MIN;
  // The planned stop: 18:30 to 20:30 JST, three days ahead, as a real stop would be (never
  // across midnight, whatever the time the tests run at).
  const JST = 9 * 60 * MIN;
  const stopStart = Math.floor((end + JST) / (1440 * MIN)) * 1440 * MIN - JST + 3 * 1440 * MIN + (18 * 60 + 30) * MIN;
  const checks: NonNullable<Interchange['checks']> = [];
  for (const [monitor, base] of [['web-check', 150], ['learn-check', 230]] as const) {
    for (let at = end - days * 1440 * MIN; at <= end; at += 5 * MIN) {
      const down = monitor === 'learn-check' && at > end - 40 * MIN;
      checks.push(down
        ? { monitor, at: iso(at), status: 'down', error: 'HTTP 502, expected 200-399' }
        : { monitor, at: iso(at), status: 'up', latency_ms: base + ((at / MIN) % 37) });
    }
  }
  return {
    version: 1,
    services: [
      { slug: 'web', name: { ja: '広報WEBサイト', en: 'Public website' }, sla_target_pct: 99.9 },
      { slug: 'learn', name: { ja: 'eラーニング', en: 'E-learning' }, sla_target_pct: 99.9 },
    ],
    monitors: [
      { slug: 'web-check', service: 'web', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 300, confirm: 2, counts_for_availability: true, paused: true },
      { slug: 'learn-check', service: 'learn', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 300, confirm: 2, counts_for_availability: true, paused: true },
    ],
    checks,
    incidents: [
      {
        key: 'login-failure', kind: 'failure', severity: 'major',
        title: { ja: 'ログインできない障害', en: 'Learners cannot sign in' },
        services: [{ service: 'learn', impact: 'major_outage' }],
        started_at: iso(end - 40 * MIN), aware_at: iso(end - 35 * MIN), force_majeure: false,
        updates: [
          { at: iso(end - 30 * MIN), status: 'investigating', body: { ja: '原因を調査しています。', en: 'We are investigating.' } },
          { at: iso(end - 10 * MIN), status: 'identified', body: { ja: 'データベースの障害を特定しました。', en: 'A database fault was identified.' } },
          { at: iso(end - 5 * MIN), status: 'monitoring', body: { ja: '内部メモ（非公開）', en: 'internal note' }, published: false },
        ],
      },
      {
        key: 'slow-pages', kind: 'failure', severity: 'minor',
        title: { ja: 'ページの表示が遅い', en: 'Pages were slow' },
        services: [{ service: 'web', impact: 'degraded_performance' }],
        started_at: iso(end - 2 * 1440 * MIN), recovered_at: iso(end - 2 * 1440 * MIN + 50 * MIN), force_majeure: false,
        updates: [
          { at: iso(end - 2 * 1440 * MIN + 5 * MIN), status: 'investigating', body: { ja: '表示の遅延を確認しています。', en: 'Pages are slow; investigating.' } },
          { at: iso(end - 2 * 1440 * MIN + 50 * MIN), status: 'resolved', body: { ja: '復旧しました。', en: 'Resolved.' } },
        ],
      },
      {
        key: 'draft-probe', kind: 'failure', severity: 'minor', draft: true,
        title: { ja: '未確認の下書き', en: 'Unconfirmed draft' },
        services: [{ service: 'web', impact: 'partial_outage' }],
        started_at: iso(end - 20 * MIN), force_majeure: false,
      },
    ],
    maintenances: [
      {
        key: 'inspection-next', category: 'inspection',
        title: { ja: '定期点検のための計画停止', en: 'Planned stop for inspection' },
        body: { ja: 'サーバーの定期点検を行います。', en: 'Periodic inspection of the servers.' },
        services: ['web', 'learn'],
        announced_at: iso(end - 1440 * MIN), scheduled_start: iso(stopStart), scheduled_end: iso(stopStart + 120 * MIN),
        status: 'scheduled',
      },
    ],
  };
}

/** Starts the built site on a temp database holding the fixture; the returned stop removes both. */
export async function startFixtureSite(env: Record<string, string> = {}): Promise<RunningSite & { dbPath: string; close: () => Promise<void> }> {
  const dir = tempDir();
  const dbPath = join(dir.dir, 'status.db');
  const db = openDatabase(dbPath);
  importInterchange(db, pageFixture());
  db.$client.close();
  const site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off', ...env });
  return { ...site, dbPath, close: async () => { await site.stop(); dir.remove(); } };
}
