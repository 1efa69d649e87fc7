import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { parseConfig } from '../../src/lib/config';
import { monthFigures } from '../../src/lib/sla/month';
import { slaJson, type SlaJson } from '../../src/lib/sla/contract';
import { parseInstant } from '../../src/lib/time';
import { CheckStore, type CheckResult } from '../../src/lib/checks/store';
import { LocationCheckStore } from '../../src/lib/agents/store';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { systemActor } from '../../src/lib/audit';
import { exportInterchange } from '../../src/lib/interchange/export';
import { importInterchangeFile } from '../../src/lib/interchange/import-file';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A golden month (November 2026, 30 days) of one monitor checked every 10 minutes from
 * three locations (local, osaka, nagoya; quorum: the default, a majority of those voting). Every figure
 * below is computed by hand in the comments.
 */
const config = parseConfig({});
const ms = (s: string) => parseInstant(s)!;
const STEP = 600_000;
const FROM = ms('2026-11-01T00:00:00+09:00');
const TO = ms('2026-12-01T00:00:00+09:00');
const NOW = ms('2026-12-05T00:00:00+09:00');
type Span = [string, string];

/** Checks every 10 min; down inside `downs` (first failure to first success), none inside `gaps`, single failures at `blips`. */
function series(monitorId: number, downs: Span[], gaps: Span[] = [], blips: string[] = []): CheckResult[] {
  const d = downs.map(([a, b]) => [ms(a), ms(b)] as const);
  const g = gaps.map(([a, b]) => [ms(a), ms(b)] as const);
  const b = new Set(blips.map(ms));
  const out: CheckResult[] = [];
  for (let t = FROM; t < TO; t += STEP) {
    if (g.some(([x, y]) => t >= x && t < y)) continue;
    const down = b.has(t) || d.some(([x, y]) => t >= x && t < y);
    out.push({ monitorId, at: t, status: down ? 'down' : 'up', latencyMs: down ? null : 120, error: down ? 'connection refused' : null });
  }
  return out;
}

describe('golden month with three locations: November 2026', () => {
  const t = tempDb();
  let json: SlaJson;
  let figures: ReturnType<typeof monthFigures>;
  beforeAll(() => {
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'portal', name: { ja: 'ポータル', en: 'Portal' }, sla_target_pct: 99.9 }],
      monitors: [{ slug: 'portal-web', service: 'portal', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 600, confirm: 2, counts_for_availability: true }],
    }), NOW);
    const monitorId = (t.db.$client.prepare("SELECT id FROM monitors WHERE slug = 'portal-web'").get() as { id: number }).id;
    const osaka = addAgent(t.db, systemActor('test'), { name: 'osaka', labelJa: '大阪' }).location;
    const nagoya = addAgent(t.db, systemActor('test'), { name: 'nagoya', labelJa: '名古屋' }).location;
    setMonitorLocations(t.db, systemActor('test'), monitorId, ['local', 'osaka', 'nagoya'], null);

    new CheckStore(t.db).record(series(monitorId, [
      ['2026-11-15T04:20:00+09:00', '2026-11-15T04:40:00+09:00'], // D: local alone votes then (a majority of one)
      ['2026-11-20T08:00:00+09:00', '2026-11-20T08:30:00+09:00'], // E: everyone
    ], [], ['2026-11-10T14:00:00+09:00'])); // C: one failure, not confirmed
    const agents = new LocationCheckStore(t.db);
    agents.record(osaka.id, series(monitorId, [
      ['2026-11-03T10:00:00+09:00', '2026-11-03T11:00:00+09:00'], // A: osaka alone
      ['2026-11-05T09:00:00+09:00', '2026-11-05T10:00:00+09:00'], // B: with nagoya from 09:20
      ['2026-11-10T14:00:00+09:00', '2026-11-10T14:30:00+09:00'], // C: with local's unconfirmed failure
      ['2026-11-15T02:00:00+09:00', '2026-11-15T03:00:00+09:00'], // D: with nagoya, which does not vote then
      ['2026-11-20T08:00:00+09:00', '2026-11-20T08:30:00+09:00'], // E
    ], [['2026-11-15T04:00:00+09:00', '2026-11-15T05:00:00+09:00']])); // D: osaka silent from 03:50 + 2 × 10 min
    agents.record(nagoya.id, series(monitorId, [
      ['2026-11-05T09:20:00+09:00', '2026-11-05T09:50:00+09:00'], // B
      ['2026-11-15T02:00:00+09:00', '2026-11-15T03:00:00+09:00'], // D
      ['2026-11-20T08:00:00+09:00', '2026-11-20T08:30:00+09:00'], // E
    ]));
    // nagoya's own network is unsound on the 15th from 00:00 to 06:00: its control check fails.
    const control = t.db.$client.prepare('INSERT INTO location_controls (location_id, at, ok) VALUES (?, ?, ?)');
    control.run(nagoya.id, FROM, 1);
    control.run(nagoya.id, ms('2026-11-15T00:00:00+09:00'), 0);
    control.run(nagoya.id, ms('2026-11-15T06:00:00+09:00'), 1);

    figures = monthFigures({ db: t.db, config, now: NOW }, '2026-11');
    json = slaJson(figures);
  });
  afterAll(() => t.close());
  const portal = () => json.services.find((s) => s.slug === 'portal')!;

  it('downtime is only where two locations agreed, or the one voting location when the others could not vote', () => {
    // B 09:20–09:50 (1800 s) + D 04:20–04:40 (1200 s) + E 08:00–08:30 (1800 s) = 4800 s.
    // A (osaka alone), C (local's single failure is no outage) and D 02:00–03:00 (nagoya not voting: 1 of 2) count nothing.
    expect(portal().outages).toEqual([
      { start: '2026-11-05T00:20:00.000Z', end: '2026-11-05T00:50:00.000Z', duration_s: 1800, source: 'probe', locations: ['nagoya', 'osaka'] },
      { start: '2026-11-14T19:20:00.000Z', end: '2026-11-14T19:40:00.000Z', duration_s: 1200, source: 'probe', locations: ['local'] },
      { start: '2026-11-19T23:00:00.000Z', end: '2026-11-19T23:30:00.000Z', duration_s: 1800, source: 'probe', locations: ['local', 'nagoya', 'osaka'] },
    ]);
    expect(portal().downtime_s).toBe(4800);
  });

  it('availability and target: (2592000 − 4800) / 2592000 = 99.814 %, below 99.9 %', () => {
    expect(portal().period_s).toBe(2_592_000);
    expect(portal().availability).toBe((2_592_000 - 4800) / 2_592_000);
    expect(portal().availability_pct).toBe('99.814');
    expect(portal().met).toBe(false);
  });

  it('no reduced quorum with the default quorum, a majority of those voting: local alone voting 04:10–05:00 on the 15th is its own majority; never unmonitored', () => {
    expect(portal().reduced_quorum_s).toBe(0);
    expect(portal().unmonitored_s).toBe(0);
  });

  it('the interchange file carries each check\'s location and the monitor\'s locations and quorum; imported again, it exports the same and gives the same figures', () => {
    let text = '';
    exportInterchange(t.db, (chunk) => (text += chunk));
    const file = JSON.parse(text) as { monitors: Record<string, unknown>[]; checks: { location?: string }[] };
    expect(file.monitors[0]).toMatchObject({ slug: 'portal-web', locations: ['local', 'nagoya', 'osaka'] });
    expect(file.monitors[0]!.quorum).toBeUndefined();
    expect(file.checks.filter((c) => c.location === 'osaka').length).toBe(4320 - 6);
    expect(file.checks.filter((c) => c.location === undefined).length).toBe(4320);
    const copy = tempDb();
    try {
      importInterchange(copy.db, validateInterchange(text), NOW);
      let again = '';
      exportInterchange(copy.db, (chunk) => (again += chunk));
      expect(again).toBe(text);
      expect(slaJson(monthFigures({ db: copy.db, config, now: NOW }, '2026-11')).services).toEqual(json.services);
      // An imported location has no agent yet: agent:add with its name gives it a token.
      expect(addAgent(copy.db, systemActor('test'), { name: 'osaka' }).location.slug).toBe('osaka');
    } finally {
      copy.close();
    }
  });

  it('the same file read in pieces (npm run data:import) writes the located checks with their runs and gives the same figures', () => {
    let text = '';
    exportInterchange(t.db, (chunk) => (text += chunk));
    const copy = tempDb();
    try {
      const path = join(copy.dir, 'export.json');
      writeFileSync(path, text);
      const file = JSON.parse(text) as { checks: { location?: string }[] };
      expect(importInterchangeFile(copy.db, path, NOW).checks).toBe(file.checks.length);
      let again = '';
      exportInterchange(copy.db, (chunk) => (again += chunk));
      expect(again).toBe(text);
      expect(slaJson(monthFigures({ db: copy.db, config, now: NOW }, '2026-11')).services).toEqual(json.services);
      // A check from a location its monitor is not checked from is refused in the first pass, with its path; nothing is written.
      const osaka = file.checks.findIndex((c) => c.location === 'osaka');
      file.checks[osaka]!.location = 'sapporo';
      const bad = join(copy.dir, 'bad.json');
      writeFileSync(bad, JSON.stringify(file));
      const other = tempDb();
      try {
        expect(() => importInterchangeFile(other.db, bad, NOW)).toThrow(expect.objectContaining({ issues: [
          { path: `$.checks[${osaka}].location`, message: '"sapporo" is not one of the monitor\'s locations' },
        ] }));
        expect(other.db.$client.prepare('SELECT count(*) FROM location_checks').pluck().get()).toBe(0);
      } finally {
        other.close();
      }
    } finally {
      copy.close();
    }
  });

  it('a check from a location the monitor is not checked from is refused by import', () => {
    expect(() => validateInterchange({
      version: 1,
      services: [{ slug: 'a', name: { ja: 'A' }, sla_target_pct: 99 }],
      monitors: [{ slug: 'a-web', service: 'a', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 60, confirm: 2, counts_for_availability: true, locations: ['local', 'osaka'], quorum: 3 }],
      checks: [{ monitor: 'a-web', at: '2026-11-01T00:00:00+09:00', status: 'up', location: 'sapporo' }],
    })).toThrow(expect.objectContaining({ issues: [
      { path: '$.monitors[0].quorum', message: 'must not exceed the number of locations' },
      { path: '$.checks[0].location', message: '"sapporo" is not one of the monitor\'s locations' },
    ] }));
  });

  it('the monitor counts the three outages the quorum confirmed, not each location\'s', () => {
    expect(figures.monitors.find((m) => m.slug === 'portal-web')!.detections).toBe(3);
  });
});
