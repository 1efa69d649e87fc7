import { checks } from './sla-fixture';
import type { Interchange } from '../../src/lib/interchange/format';

/**
 * A golden failure for the 障害報告書: the e-learning system on 2026-10-25, 10:00 to 12:00 JST,
 * recorded as a partial outage (so only the monitors' confirmed outages count):
 * - el-a down 10:00–10:40 and el-b down 10:20–11:00: 60 min counted (their union);
 * - el-a down 11:10–11:20, marked a false positive: 10 min not counted;
 * - el-b down 11:40–12:00, inside planned stop m-db (announced 20 days ahead, actual 11:30–12:10):
 *   the window's 11:30–12:00 is excluded (30 min).
 */
const monitor = (slug: string) => ({ slug, service: 'elearning', type: 'http' as const, target: `http://127.0.0.1:9/${slug}`, interval_s: 3600, confirm: 2, counts_for_availability: true });

export const GOLDEN_INCIDENT_KEY = '2026-10-db';

export function goldenIncidentScenario(): Interchange {
  return {
    version: 1,
    services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 }],
    monitors: [monitor('el-a'), monitor('el-b')],
    checks: [
      ...checks({ monitor: 'el-a', from: '2026-10-01T00:00:00+09:00', to: '2026-11-05T00:00:00+09:00',
        downs: [['2026-10-25T10:00:00+09:00', '2026-10-25T10:40:00+09:00'], ['2026-10-25T11:10:00+09:00', '2026-10-25T11:20:00+09:00']] }),
      ...checks({ monitor: 'el-b', from: '2026-10-01T00:00:00+09:00', to: '2026-11-05T00:00:00+09:00',
        downs: [['2026-10-25T10:20:00+09:00', '2026-10-25T11:00:00+09:00'], ['2026-10-25T11:40:00+09:00', '2026-10-25T12:00:00+09:00']] }),
    ],
    incidents: [{
      key: GOLDEN_INCIDENT_KEY, kind: 'failure', severity: 'major', title: { ja: 'eラーニングの学習履歴が保存できない' },
      services: [{ service: 'elearning', impact: 'partial_outage' }],
      started_at: '2026-10-25T10:00:00+09:00', detected_at: '2026-10-25T10:01:00+09:00', aware_at: '2026-10-25T10:05:00+09:00',
      recovered_at: '2026-10-25T12:00:00+09:00', force_majeure: false,
      cause: 'データベースサーバーのディスク容量が不足し、書き込みが失敗したため', cause_known: true, cause_category: 'ハードウェア',
      fix: '古いログを別ディスクへ退避し、容量を確保した', prevention: 'ディスク使用率の監視を追加し、80%で警告する',
      updates: [
        { at: '2026-10-25T10:15:00+09:00', status: 'investigating', body: { ja: '学習履歴の保存ができない事象を調査しています' } },
        { at: '2026-10-25T12:05:00+09:00', status: 'resolved', body: { ja: '復旧しました' } },
      ],
    }],
    maintenances: [{
      key: 'm-db', category: 'preventive', title: { ja: 'データベース保守' }, services: ['elearning'], announced_at: '2026-10-05T10:00:00+09:00',
      scheduled_start: '2026-10-25T11:30:00+09:00', scheduled_end: '2026-10-25T12:30:00+09:00',
      actual_start: '2026-10-25T11:30:00+09:00', actual_end: '2026-10-25T12:10:00+09:00', status: 'completed',
    }],
    false_positives: [{ monitor: 'el-a', start: '2026-10-25T11:10:00+09:00', reason: '監視サーバー側の回線工事' }],
  };
}
