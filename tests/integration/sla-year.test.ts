import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve, join } from 'node:path';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { parseConfig } from '../../src/lib/config';
import { parseInstant } from '../../src/lib/time';
import { yearFigures } from '../../src/lib/sla/year';
import { slaYearJson, type SlaYearJson } from '../../src/lib/sla/contract';
import type { Interchange } from '../../src/lib/interchange/format';
import { checks } from './sla-fixture';

const tsx = (script: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', resolve(script), ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8' });
const config = parseConfig({});
const ms = (s: string) => parseInstant(s)!;

/**
 * Twelve golden months: FY2025 (2025-04-01 to 2026-04-01 JST, 365 days), one service at
 * 99.9 %, hourly checks, the k-th month (k = 1 … 12) down 3k minutes on its 10th at 03:00,
 * and a planned stop announced 20 days ahead on 2025-06-20 20:00–22:00 during which the
 * service was also down (excluded). By hand:
 *   |year| = 31,536,000 s; E = 7,200 s; D = 3 × (1 + … + 12) min = 234 min = 14,040 s;
 *   availability = (31,536,000 − 7,200 − 14,040) / (31,536,000 − 7,200) = 31,514,760 / 31,528,800;
 *   allowance = 0.1 % × 31,528,800 s = 31,528.8 s; left = 17,488.8 s.
 */
const MONTHS = ['2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03'];

function goldenYear(): Interchange {
  const downs = MONTHS.map((m, k): [string, string] => {
    const start = ms(`${m}-10T03:00:00+09:00`);
    return [new Date(start).toISOString(), new Date(start + 3 * (k + 1) * 60_000).toISOString()];
  });
  downs.push(['2025-06-20T20:00:00+09:00', '2025-06-20T22:00:00+09:00']);
  return {
    version: 1,
    services: [{ slug: 'svc', name: { ja: 'eラーニングシステム' }, sla_target_pct: 99.9 }],
    monitors: [{ slug: 'svc-http', service: 'svc', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 3600, confirm: 2, counts_for_availability: true }],
    checks: checks({ monitor: 'svc-http', from: '2025-03-25T00:00:00+09:00', to: '2026-04-05T00:00:00+09:00', downs }),
    incidents: [
      { key: 'y-1', kind: 'failure', severity: 'minor', title: { ja: '応答なし（5月）' }, services: [{ service: 'svc', impact: 'partial_outage' }],
        started_at: '2025-05-10T03:00:00+09:00', aware_at: '2025-05-10T03:05:00+09:00', recovered_at: '2025-05-10T03:06:00+09:00',
        force_majeure: false, cause: 'ディスク障害', cause_category: 'ハードウェア' },
      { key: 'y-2', kind: 'failure', severity: 'major', title: { ja: '応答なし（7月）' }, services: [{ service: 'svc', impact: 'partial_outage' }],
        started_at: '2025-07-10T03:00:00+09:00', aware_at: '2025-07-10T03:05:00+09:00', recovered_at: '2025-07-10T03:12:00+09:00',
        force_majeure: false, cause: '別のディスク障害', cause_category: 'ハードウェア' },
      { key: 'y-3', kind: 'failure', severity: 'minor', title: { ja: '応答なし（12月）' }, services: [{ service: 'svc', impact: 'partial_outage' }],
        started_at: '2025-12-10T03:00:00+09:00', aware_at: '2025-12-10T03:05:00+09:00', recovered_at: '2025-12-10T03:27:00+09:00',
        force_majeure: false, cause: '設定の誤り', cause_category: '作業ミス' },
    ],
    maintenances: [{ key: 'june-stop', category: 'preventive', title: { ja: '予防保守' }, services: ['svc'], announced_at: '2025-05-31T10:00:00+09:00',
      scheduled_start: '2025-06-20T20:00:00+09:00', scheduled_end: '2025-06-20T22:00:00+09:00',
      actual_start: '2025-06-20T20:00:00+09:00', actual_end: '2025-06-20T22:00:00+09:00', status: 'completed' }],
  };
}

describe('the fiscal year of twelve golden months (FY2025)', () => {
  const t = tempDb();
  let json: SlaYearJson;
  beforeAll(() => {
    importInterchange(t.db, validateInterchange(goldenYear()));
    json = slaYearJson(yearFigures({ db: t.db, config, now: ms('2026-05-01T00:00:00+09:00') }, 2025));
  });
  afterAll(() => t.close());

  it('computes the year over its seconds, equal to the hand-computed answer', () => {
    expect(json.period).toEqual({ fiscal_year: 2025, zone: 'Asia/Tokyo', start: '2025-03-31T15:00:00.000Z', end: '2026-03-31T15:00:00.000Z' });
    const s = json.services[0]!;
    expect(s).toMatchObject({ slug: 'svc', period_s: 31_536_000, excluded_s: 7200, planned_excluded_s: 7200, downtime_s: 14_040, unmonitored_s: 0 });
    expect(s.availability).toBe(31_514_760 / 31_528_800);
    expect(s.availability_pct).toBe('99.955');
    expect(s).toMatchObject({ met: true, verdict: 'met', allowance_s: 31_528, allowance_left_s: 17_488 });
    expect(json.provisional).toBe(false);
  });

  it('is not the mean of its months, and its months sum to it', () => {
    expect(json.months.map((m) => m.month)).toEqual(MONTHS);
    const months = json.months.map((m) => m.services[0]!);
    expect(months.map((m) => m.downtime_s)).toEqual(MONTHS.map((_, k) => 180 * (k + 1)));
    expect(months.reduce((a, m) => a + m.downtime_s, 0)).toBe(json.services[0]!.downtime_s);
    expect(months.reduce((a, m) => a + m.period_s, 0)).toBe(31_536_000);
    expect(months[0]).toMatchObject({ availability_pct: '99.993', downtime_s: 180 });
    const mean = months.reduce((a, m) => a + m.availability!, 0) / 12;
    expect(Math.abs(mean - json.services[0]!.availability!)).toBeGreaterThan(1e-7);
  });

  it('puts every SLA row in a grid of monthly verdicts, and the year\'s incidents and statistics', () => {
    const availability = json.rows.find((r) => r.key === 'availability.svc')!;
    expect(availability.months.map((m) => m.met)).toEqual(MONTHS.map(() => true));
    expect(json.rows.length).toBeGreaterThan(5);
    expect(json.incidents.map((i) => i.key)).toEqual(['y-1', 'y-2', 'y-3']);
    const st = json.statistics;
    expect(st.by_category.find((g) => g.key === 'ハードウェア')).toMatchObject({ incidents: 2, duration_s: 360 + 720 });
    expect(st.by_category.find((g) => g.key === '作業ミス')).toMatchObject({ incidents: 1, duration_s: 1620 });
    expect(st.top_causes[0]).toMatchObject({ key: 'ハードウェア', incidents: 2 });
    expect(st.by_hour.find((g) => g.key === '3')).toMatchObject({ incidents: 3 });
    expect(st.by_severity.find((g) => g.key === 'major')).toMatchObject({ incidents: 1, duration_s: 720 });
    expect(st.by_month.find((g) => g.key === '2025-07')).toMatchObject({ incidents: 1 });
    // MTTR: (6 + 12 + 27 min) / 3 = 15 min; MTBF: (year − 45 min) / 3.
    expect(st.by_service[0]).toMatchObject({ incidents: 3, mttr_s: 900, mtbf_s: Math.trunc((31_536_000 - 2700) / 3) });
    // The July disk failure came back with the same cause 61 days after May's.
    expect(st.recurrences).toEqual([{ key: 'y-2', previous: 'y-1', category: 'ハードウェア', days_apart: 61 }]);
  });

  it('is what `npm run sla -- --year 2025 --json` prints', () => {
    const r = tsx('scripts/sla.ts', ['--year', '2025', '--json'], { DATABASE_PATH: t.path });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as SlaYearJson;
    expect(out.services).toEqual(json.services);
    expect(out.months.map((m) => m.services)).toEqual(json.months.map((m) => m.services));
    // The same year as the PDF report (年間報告書).
    const pdfPath = join(t.dir, 'year.pdf');
    const report = tsx('scripts/report.ts', ['--year', '2025', '--out', pdfPath], { DATABASE_PATH: t.path });
    expect(report.status).toBe(0);
    expect(report.stdout.trim()).toBe(pdfPath);
    const text = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, '');
    for (const f of ['年間報告書', '2025年度（2025年4月〜2026年3月）', 'eラーニングシステム99.955%99.9%達成8時間45分28秒3時間54分4時間51分28秒',
      '4月99.993%3分', 'SLA項目の月別判定', '年度の障害一覧', '応答なし（7月）', '障害統計と傾向', 'ハードウェア2', '61日']) expect(text, f).toContain(f);
    expect(text).not.toContain('速報');
    const bad = tsx('scripts/sla.ts', ['--year', '25'], { DATABASE_PATH: t.path });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--year: "25" is not a year/);
  });
});

describe('a fiscal year still running (SLA.md: judged as far as it can be)', () => {
  const t = tempDb();
  afterAll(() => t.close());

  it('in July, 5 h 30 min lost at 99.9 % is on track with about 3 h 15 min left, not missed', () => {
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'svc', name: { ja: 'WEBサイト' }, sla_target_pct: 99.9 }],
      monitors: [{ slug: 'svc-http', service: 'svc', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 3600, confirm: 2, counts_for_availability: true }],
      checks: checks({ monitor: 'svc-http', from: '2026-03-25T00:00:00+09:00', to: '2026-07-31T00:00:00+09:00',
        downs: [['2026-07-10T01:00:00+09:00', '2026-07-10T06:30:00+09:00']] }),
    }));
    const now = ms('2026-07-31T00:00:00+09:00');
    const y = slaYearJson(yearFigures({ db: t.db, config, now }, 2026));
    const s = y.services[0]!;
    expect(y.provisional).toBe(true);
    expect(y.cut_off).toBe(new Date(now).toISOString());
    expect(s.downtime_s).toBe(19_800);
    // The year so far is below 99.9 % …
    expect(s.availability!).toBeLessThan(0.999);
    // … but the whole year's allowance (8 h 45 min 36 s) is not used up: on track, 3 h 15 min 36 s left.
    expect(s).toMatchObject({ verdict: 'on_track', met: true, allowance_s: 31_536, allowance_left_s: 11_736 });
    expect(y.months.map((m) => m.month)).toEqual(['2026-04', '2026-05', '2026-06', '2026-07']);
    expect(y.months.at(-1)!.provisional).toBe(true);
    // A year not begun yet is refused.
    expect(() => yearFigures({ db: t.db, config, now }, 2027)).toThrow(/has not begun yet/);
  });

  it('is missed once the downtime so far exceeds the whole year\'s allowance', () => {
    const now = ms('2026-07-31T00:00:00+09:00');
    // Another 3 h 20 min of downtime (an admin's major outage) exceeds the 8 h 45 min 36 s.
    t.db.$client.prepare(`INSERT INTO incidents (key, kind, severity, title_ja, started_at, aware_at, recovered_at, created_at, updated_at) VALUES ('big', 'failure', 'major', '全面停止', ?, ?, ?, ?, ?)`)
      .run(ms('2026-07-20T01:00:00+09:00'), ms('2026-07-20T01:00:00+09:00'), ms('2026-07-20T04:20:00+09:00'), now, now);
    const id = (t.db.$client.prepare("SELECT id FROM incidents WHERE key = 'big'").get() as { id: number }).id;
    t.db.$client.prepare("INSERT INTO incident_services (incident_id, service_id, impact) VALUES (?, 1, 'major_outage')").run(id);
    const s = slaYearJson(yearFigures({ db: t.db, config, now }, 2026)).services[0]!;
    expect(s.downtime_s).toBe(19_800 + 12_000);
    expect(s).toMatchObject({ verdict: 'missed', met: false, allowance_left_s: 31_536 - 31_800 });
  });
});
