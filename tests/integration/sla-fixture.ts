import { parseInstant } from '../../src/lib/time';
import type { Interchange } from '../../src/lib/interchange/format';

/**
 * Golden SLA scenarios as interchange files. Checks are hourly (interval 3600 s, so a gap
 * is unmonitored after 2 h), with extra checks that start and end each outage at exact
 * instants. All instants are written in JST.
 */
const HOUR = 3_600_000;
const ms = (s: string) => parseInstant(s)!;
const iso = (t: number) => new Date(t).toISOString();

export interface Series {
  monitor: string;
  from: string;
  to: string;
  /** [start, end): down from the first failed check to the first success. */
  downs?: [string, string][];
  /** [start, end): no checks at all. */
  gaps?: [string, string][];
  /** Single failed checks (shorter than confirm: not an outage). */
  blips?: string[];
}

export function checks(s: Series): NonNullable<Interchange['checks']> {
  const downs = (s.downs ?? []).map(([a, b]) => [ms(a), ms(b)] as const);
  const gaps = (s.gaps ?? []).map(([a, b]) => [ms(a), ms(b)] as const);
  const blips = new Set((s.blips ?? []).map(ms));
  const points = new Set<number>();
  for (let t = ms(s.from); t < ms(s.to); t += HOUR) if (!gaps.some(([a, b]) => t >= a && t < b)) points.add(t);
  for (const [a, b] of downs) {
    points.add(a);
    points.add(a + 60_000);
    points.add(b);
  }
  for (const b of blips) {
    points.add(b);
    points.add(b + 60_000);
  }
  return [...points].sort((x, y) => x - y).map((t) => {
    const down = downs.some(([a, b]) => t >= a && t < b) || blips.has(t);
    return { monitor: s.monitor, at: iso(t), status: down ? 'down' : 'up', latency_ms: down ? null : 100 + (Math.floor(t / 60_000) % 50) };
  });
}

const monitor = (slug: string, service: string) => ({ slug, service, type: 'http' as const, target: `http://127.0.0.1:9/${slug}`, interval_s: 3600, confirm: 2, counts_for_availability: true });

/** October 2026 (31 days), the main golden month; `now` for it is 2026-11-05 00:00 JST. */
export const OCTOBER_NOW = ms('2026-11-05T00:00:00+09:00');

export function octoberScenario(): Interchange {
  return {
    version: 1,
    services: [
      { slug: 'web', name: { ja: '広報啓発WEBサイト', en: 'Awareness website' }, sla_target_pct: 99.9 },
      { slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 },
    ],
    monitors: [monitor('web-http', 'web'), monitor('el-http', 'elearning'), monitor('el-http2', 'elearning')],
    checks: [
      ...checks({
        monitor: 'web-http', from: '2026-09-01T00:00:00+09:00', to: '2026-11-05T00:00:00+09:00',
        downs: [
          ['2026-09-30T23:50:00+09:00', '2026-10-01T00:20:00+09:00'], // across the September/October edge
          ['2026-10-09T03:00:00+09:00', '2026-10-09T03:30:00+09:00'], // marked a false positive
          ['2026-10-13T22:10:00+09:00', '2026-10-14T01:00:00+09:00'], // inside planned stop m1
          ['2026-10-20T20:05:00+09:00', '2026-10-20T22:30:00+09:00'], // planned stop m2 overruns by 30 min
          ['2026-10-31T23:40:00+09:00', '2026-11-01T00:10:00+09:00'], // across the October/November edge
        ],
        blips: ['2026-10-11T12:30:00+09:00'],
      }),
      ...checks({
        monitor: 'el-http', from: '2026-09-01T00:00:00+09:00', to: '2026-11-05T00:00:00+09:00',
        downs: [
          ['2026-10-05T10:00:00+09:00', '2026-10-05T12:00:00+09:00'], // force majeure
          ['2026-10-12T19:00:00+09:00', '2026-10-12T20:00:00+09:00'], // stop m3, announced late
          ['2026-10-22T23:00:00+09:00', '2026-10-23T00:00:00+09:00'], // stop m4, late but approved
          ['2026-10-25T10:00:00+09:00', '2026-10-25T10:40:00+09:00'], // overlaps el-http2
        ],
        gaps: [['2026-10-08T00:00:00+09:00', '2026-10-08T06:00:00+09:00']], // probe gap
      }),
      ...checks({
        monitor: 'el-http2', from: '2026-09-01T00:00:00+09:00', to: '2026-11-05T00:00:00+09:00',
        downs: [['2026-10-25T10:20:00+09:00', '2026-10-25T11:00:00+09:00']],
      }),
    ],
    incidents: [
      {
        key: '2026-10-fm', kind: 'failure', severity: 'major', title: { ja: '落雷による停電', en: 'Power cut by lightning' },
        services: [{ service: 'elearning', impact: 'major_outage' }],
        started_at: '2026-10-05T10:00:00+09:00', detected_at: '2026-10-05T10:05:00+09:00', aware_at: '2026-10-05T10:10:00+09:00',
        client_notified_at: '2026-10-05T11:00:00+09:00', eta_notified_at: '2026-10-05T23:00:00+09:00', recovered_at: '2026-10-05T12:00:00+09:00',
        recovery_notified_at: '2026-10-06T09:00:00+09:00', written_report_at: '2026-10-06T10:00:00+09:00',
        force_majeure: true, force_majeure_reason: '落雷', cause: 'データセンターの停電', prevention: '無停電電源装置の増設',
        updates: [{ at: '2026-10-05T11:00:00+09:00', status: 'identified', body: { ja: '停電を確認しました' } }],
      },
      {
        key: '2026-10-open', kind: 'failure', severity: 'minor', title: { ja: 'WEBサイト応答なし', en: 'Website not answering' },
        services: [{ service: 'web', impact: 'major_outage' }],
        started_at: '2026-10-31T20:00:00+09:00', aware_at: '2026-10-31T20:30:00+09:00', client_notified_at: '2026-10-31T20:40:00+09:00',
        force_majeure: false,
      },
      {
        key: '2026-10-sec', kind: 'security', severity: 'minor', title: { ja: '不正ログイン試行', en: 'Login attempts' },
        services: [], started_at: '2026-10-18T02:00:00+09:00', aware_at: '2026-10-18T03:00:00+09:00', response_started_at: '2026-10-18T03:30:00+09:00',
        client_notified_at: '2026-10-18T16:00:00+09:00', recovered_at: '2026-10-18T05:00:00+09:00', force_majeure: false,
      },
    ],
    maintenances: [
      { key: 'm1', category: 'inspection', title: { ja: '定期点検' }, services: ['web'], announced_at: '2026-09-20T10:00:00+09:00',
        scheduled_start: '2026-10-13T22:00:00+09:00', scheduled_end: '2026-10-14T02:00:00+09:00',
        actual_start: '2026-10-13T22:00:00+09:00', actual_end: '2026-10-14T01:30:00+09:00', status: 'completed' },
      { key: 'm2', category: 'preventive', title: { ja: '予防保守' }, services: ['web'], announced_at: '2026-10-01T10:00:00+09:00',
        scheduled_start: '2026-10-20T20:00:00+09:00', scheduled_end: '2026-10-20T22:00:00+09:00',
        actual_start: '2026-10-20T20:00:00+09:00', actual_end: '2026-10-20T22:30:00+09:00', status: 'completed' },
      { key: 'm3', category: 'functional', title: { ja: '機能改修' }, services: ['elearning'], announced_at: '2026-10-10T10:00:00+09:00',
        scheduled_start: '2026-10-12T19:00:00+09:00', scheduled_end: '2026-10-12T20:00:00+09:00',
        actual_start: '2026-10-12T19:00:00+09:00', actual_end: '2026-10-12T20:00:00+09:00', status: 'completed' },
      { key: 'm4', category: 'security', title: { ja: '緊急セキュリティ修正' }, services: ['elearning'], announced_at: '2026-10-21T10:00:00+09:00',
        scheduled_start: '2026-10-22T23:00:00+09:00', scheduled_end: '2026-10-23T00:00:00+09:00', client_approved_at: '2026-10-21T12:00:00+09:00',
        actual_start: '2026-10-22T23:00:00+09:00', actual_end: '2026-10-23T00:00:00+09:00', status: 'completed' },
    ],
    false_positives: [{ monitor: 'web-http', start: '2026-10-09T03:00:00+09:00', reason: '監視経路の一時的な不調' }],
  };
}

/** One service, November 2026 to February 2027: one outage a month of a chosen length. */
export const MONTHS_NOW = ms('2027-03-10T00:00:00+09:00');

export function monthLengthScenario(): Interchange {
  return {
    version: 1,
    services: [{ slug: 'svc', name: { ja: 'サービス' }, sla_target_pct: 99.9 }],
    monitors: [monitor('svc-http', 'svc')],
    checks: checks({
      monitor: 'svc-http', from: '2026-10-01T00:00:00+09:00', to: '2027-03-10T00:00:00+09:00',
      downs: [
        ['2026-11-10T03:00:00+09:00', '2026-11-10T03:43:12+09:00'], // 2592 s: exactly the 99.9 % allowance of 30 days
        ['2026-12-10T03:00:00+09:00', '2026-12-10T03:44:39+09:00'], // 2679 s: 0.1 s over 31 days' 2678.4 s
        ['2027-02-10T03:00:00+09:00', '2027-02-10T03:40:19+09:00'], // 2419 s: inside 28 days' 2419.2 s
      ],
    }),
  };
}
