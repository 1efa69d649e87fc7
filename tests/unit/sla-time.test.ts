import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import type { Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { createIncident, getIncident } from '../../src/lib/incidents/verbs';
import { timersOf } from '../../src/lib/incidents/timers';
import { computeAvailability, exactFraction, meetsPercent } from '../../src/lib/sla/availability';
import { AppError } from '../../src/lib/errors';

const admin = { id: 1, email: 'admin@example.jp' };
const H = 3_600_000;

describe('targets are judged as written', () => {
  it('reads the decimal the admin wrote, exactly', () => {
    expect(exactFraction(99.9)).toEqual({ num: 999n, den: 1000n });
    expect(exactFraction(99.99995)).toEqual({ num: 9999995n, den: 10n ** 7n });
    expect(exactFraction(100)).toEqual({ num: 100n, den: 100n });
    expect(exactFraction(1e-7)).toEqual({ num: 1n, den: 10n ** 9n });
  });

  it('99.99995 is not 100: a month with 0.00004 % downtime meets it, one with 0.00006 % does not', () => {
    const period = { start: 0, end: 100_000_000 };
    const down = (ms: number) => computeAvailability(period, period.end, 99.99995, {
      monitorOutages: [[{ start: 1000, end: 1000 + ms }]], monitorUnmonitored: [[]], incidentOutages: [], plannedExclusions: [], forceMajeure: [],
    });
    expect(down(40).met).toBe(true);
    expect(down(50).met).toBe(true);
    expect(down(51).met).toBe(false);
    expect(down(60).met).toBe(false);
    expect(meetsPercent(999_999_500, 1_000_000_000, 99.99995)).toBe(true);
    expect(meetsPercent(999_999_499, 1_000_000_000, 99.99995)).toBe(false);
    // The old rounding to 4 decimals judged against 100 %: any downtime missed it.
    expect(meetsPercent(99_999_960, 100_000_000, 99.99995)).toBe(true);
  });
});

describe('an incident recorded by hand', () => {
  let t: ReturnType<typeof tempDb>;
  let db: Db;
  beforeEach(() => {
    t = tempDb();
    db = t.db;
    importInterchange(db, validateInterchange({ version: 1, services: [{ slug: 'elearning', name: { ja: 'eラーニング' }, sla_target_pct: 99.9 }] }));
  });
  afterEach(() => t.close());
  const base = { kind: 'failure' as const, severity: 'major' as const, titleJa: '障害', titleEn: '', services: [{ serviceId: 1, impact: 'major_outage' as const }], cause: '', fix: '', prevention: '', causeKnown: null, forceMajeure: false, forceMajeureReason: '', firstUpdate: null };

  it('is known from the moment it is recorded, so every timer runs at once', () => {
    const now = Date.UTC(2026, 9, 1, 3, 0);
    const i = createIncident(db, admin, { ...base, startedAt: now - 2 * H }, now);
    expect(i.awareAt).toBe(now);
    const timers = timersOf(getIncident(db, i.id)!, now + H);
    expect(timers.find((x) => x.key === 'client_notified')).toMatchObject({ state: 'pending', from: now, deadline: now + 12 * H });
    // Only the written report waits for the recovery; everything else runs from the recording.
    expect(timers.filter((x) => x.state === 'not_started').map((x) => x.key)).toEqual(['written_report']);
    expect(timersOf(getIncident(db, i.id)!, now + 13 * H).find((x) => x.key === 'client_notified')!.state).toBe('missed');
  });

  it('takes an earlier awareness when the admin gives one, never a later one or one before the start', () => {
    const now = Date.UTC(2026, 9, 1, 3, 0);
    const i = createIncident(db, admin, { ...base, startedAt: now - 2 * H, awareAt: now - H }, now);
    expect(i.awareAt).toBe(now - H);
    expect(() => createIncident(db, admin, { ...base, startedAt: now - 2 * H, awareAt: now + H }, now)).toThrow(AppError);
    expect(() => createIncident(db, admin, { ...base, startedAt: now - 2 * H, awareAt: now - 3 * H }, now)).toThrow(/before the start/);
    expect(db.$client.prepare('SELECT count(*) AS n FROM incidents').get()).toEqual({ n: 1 });
  });
});
