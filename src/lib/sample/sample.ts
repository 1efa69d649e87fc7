import type { Db } from '../db';
import type { Interchange } from '../interchange/format';
import { importInterchange, validateInterchange } from '../interchange/import';
import { setSetting } from '../settings';
import { toIso } from '../time';
import { log } from '../log';

/**
 * The sample a fresh installation starts with: the contract's two services, monitors aimed
 * at this machine (the site's own /sample-target/ pages), and 90 days of history with a
 * few outages, an incident and planned stops, so the page has something to show. It is
 * labelled as sample data on the page, and only ever goes into an empty database.
 */
const MINUTE = 60_000;
const DAY = 86_400_000;

/** A small deterministic PRNG, so the sample is the same every time. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildSample(baseUrl: string, now: number, days = 90): Interchange {
  const random = mulberry32(20261001);
  const end = Math.floor(now / MINUTE) * MINUTE;
  const start = end - days * DAY;
  // Outages as [monitor, start offset from `end`, minutes].
  const outages: Array<[string, number, number]> = [
    ['elearning-web', 12 * DAY + 3 * 60 * MINUTE, 25],
    ['awareness-web', 41 * DAY + 10 * 60 * MINUTE, 8],
    ['elearning-web', 63 * DAY + 20 * 60 * MINUTE, 4],
  ];
  const stop = { start: end - 20 * DAY - 5 * 60 * MINUTE, minutes: 120 };
  const checks: NonNullable<Interchange['checks']> = [];
  for (const [slug, base] of [['awareness-web', 180], ['elearning-web', 240]] as const) {
    for (let at = start; at < end; at += MINUTE) {
      const down = outages.some(([m, off, min]) => m === slug && at >= end - off && at < end - off + min * MINUTE);
      const inStop = slug === 'elearning-web' && at >= stop.start && at < stop.start + stop.minutes * MINUTE;
      const hour = new Date(at).getUTCHours();
      const busy = hour >= 0 && hour <= 3 ? 1.4 : 1; // 09:00–12:00 JST is busier
      if (down || inStop) {
        checks.push({ monitor: slug, at: toIso(at), status: 'down', error: inStop ? 'HTTP 503, expected 200-399' : 'connection refused' });
      } else {
        checks.push({ monitor: slug, at: toIso(at), status: 'up', latency_ms: Math.round(base * busy * (0.8 + random() * 0.5)) });
      }
    }
  }
  const incidentStart = end - 12 * DAY - 3 * 60 * MINUTE;
  return {
    version: 1,
    services: [
      { slug: 'awareness', name: { ja: '当事業広報啓発WEBサイト', en: 'Program awareness website' }, sla_target_pct: 99.9, sort_order: 0 },
      { slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9, sort_order: 1 },
    ],
    monitors: [
      { slug: 'awareness-web', service: 'awareness', type: 'http', target: `${baseUrl}/sample-target/awareness`, interval_s: 60, confirm: 2, counts_for_availability: true, options: { keyword: 'ok' } },
      { slug: 'elearning-web', service: 'elearning', type: 'http', target: `${baseUrl}/sample-target/elearning`, interval_s: 60, confirm: 2, counts_for_availability: true, options: { keyword: 'ok' } },
    ],
    checks,
    incidents: [{
      key: 'sample-1',
      kind: 'failure',
      severity: 'major',
      title: { ja: 'eラーニングシステムにログインできない障害', en: 'Learners could not sign in to the e-learning system' },
      services: [{ service: 'elearning', impact: 'major_outage' }],
      started_at: toIso(incidentStart),
      detected_at: toIso(incidentStart + 2 * MINUTE),
      aware_at: toIso(incidentStart + 5 * MINUTE),
      recovered_at: toIso(incidentStart + 25 * MINUTE),
      client_notified_at: toIso(incidentStart + 12 * MINUTE),
      eta_notified_at: toIso(incidentStart + 15 * MINUTE),
      recovery_notified_at: toIso(incidentStart + 35 * MINUTE),
      force_majeure: false,
      cause: 'アプリケーションサーバのメモリ不足',
      fix: 'アプリケーションサーバを再起動',
      prevention: 'メモリ使用率の監視閾値を見直し',
      cause_known: true,
      updates: [
        { at: toIso(incidentStart + 6 * MINUTE), status: 'investigating', body: { ja: 'eラーニングシステムにログインできない事象を確認し、調査しています。', en: 'We are investigating reports that learners cannot sign in.' } },
        { at: toIso(incidentStart + 15 * MINUTE), status: 'identified', body: { ja: '原因を特定し、復旧作業を行っています。', en: 'The cause has been found and a fix is under way.' } },
        { at: toIso(incidentStart + 30 * MINUTE), status: 'resolved', body: { ja: '復旧しました。ご迷惑をおかけしました。', en: 'The service has recovered. We apologise for the trouble.' } },
      ],
    }],
    maintenances: [
      {
        key: 'sample-m1', category: 'inspection', services: ['elearning'],
        title: { ja: '定期点検', en: 'Periodic inspection' },
        announced_at: toIso(stop.start - 21 * DAY), scheduled_start: toIso(stop.start), scheduled_end: toIso(stop.start + stop.minutes * MINUTE),
        actual_start: toIso(stop.start), actual_end: toIso(stop.start + stop.minutes * MINUTE), status: 'completed',
      },
      {
        key: 'sample-m2', category: 'preventive', services: ['awareness', 'elearning'],
        title: { ja: '予防保守のためのサービス停止', en: 'Preventive maintenance' },
        announced_at: toIso(end - 2 * DAY), scheduled_start: toIso(end + 18 * DAY), scheduled_end: toIso(end + 18 * DAY + 3 * 60 * MINUTE),
        status: 'scheduled',
      },
    ],
  };
}

/** Loads the sample into an empty database (no services). Returns whether it did. */
export function seedSampleIfEmpty(db: Db, baseUrl: string, now = Date.now()): boolean {
  const { n } = db.$client.prepare('SELECT count(*) AS n FROM services').get() as { n: number };
  if (n > 0) return false;
  const data = validateInterchange(buildSample(baseUrl, now));
  db.$client.transaction(() => {
    importInterchange(db, data, now);
    setSetting(db, 'sample_data', '1');
  }).immediate();
  log.info('sample.loaded', { services: data.services.length, checks: data.checks?.length ?? 0 });
  return true;
}
