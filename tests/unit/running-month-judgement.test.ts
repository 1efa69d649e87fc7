import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { monthFigures } from '../../src/lib/sla/month';
import { slaJson } from '../../src/lib/sla/contract';
import { slaTable } from '../../src/lib/sla/text';
import { reportFigures } from '../../src/lib/report/versions';
import { parseConfig } from '../../src/lib/config';

/**
 * The December 速報 once said 月 未達成 beside 残りの許容停止時間 38分13秒. A running month is
 * judged as far as it can be (SLA.md): every answer built on the month's figures (the SLA
 * rows, the JSON of the API and CLI, the CLI's table, the report's figures) says 見込み while
 * allowance is left, and 未達成 only once it is spent.
 */
describe('a running month, judged the same everywhere', () => {
  let t: ReturnType<typeof tempDb>;
  const config = parseConfig({});
  // 2026-12-01 00:00 JST; four days in.
  const monthStart = Date.UTC(2026, 10, 30, 15, 0);
  const now = monthStart + 4 * 86_400_000;
  const outage = (minutes: number) => ({
    key: `outage-${minutes}`, kind: 'failure', severity: 'minor', title: { ja: '停止' }, services: [{ service: 'elearning', impact: 'major_outage' }],
    started_at: new Date(monthStart + 3_600_000).toISOString(), recovered_at: new Date(monthStart + 3_600_000 + minutes * 60_000).toISOString(), force_majeure: false,
  });
  const load = (minutes: number) => importInterchange(t.db, validateInterchange({
    version: 1, services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム' }, sla_target_pct: 99.9 }], incidents: [outage(minutes)],
  }));
  beforeEach(() => { t = tempDb(); });
  afterEach(() => t.close());

  it('says 見込み beside a positive allowance, though the month so far is below the target', () => {
    load(20);
    const f = monthFigures({ db: t.db, config, now }, '2026-12');
    const s = f.services[0]!;
    expect(Number(s.month.pct)).toBeLessThan(99.9);
    expect(s.month.allowedLeftMs).toBeGreaterThan(0);
    expect(f.rows.find((r) => r.key === 'availability.elearning')).toMatchObject({ met: null, onTrack: true });
    const json = slaJson(f);
    expect(json.services[0]).toMatchObject({ met: null, on_track: true });
    expect(json.rows.find((r) => r.key === 'availability.elearning')).toMatchObject({ met: null, on_track: true });
    const table = slaTable(f);
    expect(table).toMatch(/eラーニングシステム.*見込み/);
    expect(table).not.toMatch(/eラーニングシステム.*未達成/);
    expect(reportFigures(f).find((x) => x.key === 'service.elearning.met')?.value).toBe('見込み');
  });

  it('says 未達成 once the downtime so far exceeds the whole month\'s allowance', () => {
    load(50);
    const f = monthFigures({ db: t.db, config, now }, '2026-12');
    expect(f.rows.find((r) => r.key === 'availability.elearning')).toMatchObject({ met: false });
    expect(slaJson(f).services[0]).toMatchObject({ met: false, on_track: false });
    expect(slaTable(f)).toMatch(/eラーニングシステム.*未達成/);
  });
});
