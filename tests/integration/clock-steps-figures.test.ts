import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { CheckStore, type CheckResult } from '../../src/lib/checks/store';
import { setAsideFutureChecks, openClockSteps, reviewClockStep } from '../../src/lib/checks/quarantine';
import { parseConfig } from '../../src/lib/config';
import { serviceAvailabilityFor } from '../../src/lib/sla/month';
import { monthPeriod, parseInstant } from '../../src/lib/time';
import { checkHealth } from '../../src/lib/health';
import { listAudit } from '../../src/lib/audit';
import type { Db } from '../../src/lib/db';

/**
 * A month of checks every minute, with the worker's clock wrong for half an hour on
 * 10 October and a real outage (12:10 to 12:45 JST, true time) inside that half hour. The
 * worker is played step by step as it runs: each check stamped with its system clock
 * (true time plus the clock's error), the steps it sees and its starts setting aside what
 * is stamped later than its clock. The month's figures are then compared with the answer
 * worked out by hand from SLA.md's rules.
 */
const MIN = 60_000;
const H = 3_600_000;
const jst = (hm: string) => parseInstant(`2026-10-10T${hm}:00+09:00`)!;
const october = monthPeriod('2026-10', 'Asia/Tokyo');
const MONTH_MS = 31 * 24 * H;
const config = parseConfig({});

class PlayedWorker {
  /** The clock's error: system clock minus true time. */
  offset = 0;
  private readonly store: CheckStore;
  constructor(private readonly db: Db, private readonly monitorId: number) {
    this.store = new CheckStore(db);
  }

  /** Checks on whole minutes of true time in [from, to), down while `down` says so. */
  run(from: number, to: number, down: (t: number) => boolean = () => false): void {
    const batch: CheckResult[] = [];
    for (let t = from; t < to; t += MIN) {
      const status = down(t) ? 'down' : 'up';
      batch.push({ monitorId: this.monitorId, at: t + this.offset, status, latencyMs: status === 'up' ? 80 : null, error: status === 'up' ? null : 'HTTP 503' });
    }
    for (let i = 0; i < batch.length; i += 5000) this.store.record(batch.slice(i, i + 5000));
  }

  /** The clock steps by `delta` at true time `at`; the worker sees it at its next heartbeat. */
  step(delta: number, at: number): void {
    this.offset += delta;
    setAsideFutureChecks(this.db, at + this.offset, delta);
  }

  /** A worker starts at true time `at` (with this clock). */
  start(at: number): void {
    setAsideFutureChecks(this.db, at + this.offset, null);
  }
}

const outage = (t: number) => t >= jst('12:10') && t < jst('12:45');

interface Scenario {
  name: string;
  play: (w: PlayedWorker) => void;
  expected: { downtimeMs: number; unmonitoredMs: number; pct: string; setAside: number; steps: number; downStart: number };
}

const scenarios: Scenario[] = [
  {
    // The clock jumps an hour ahead at 12:00 and is set back at 12:30, the worker running
    // throughout. Checks stamped 13:00 to 13:29 are set aside at the step back; the outage
    // counts from the first true check that saw it, 12:30; 12:01 (two intervals after the
    // last true check, 11:59) to 12:30 is unmonitored.
    name: 'a step forward then back inside a running worker',
    play: (w) => {
      w.run(october.start, jst('12:00'));
      w.step(+H, jst('12:00'));
      w.run(jst('12:00'), jst('12:30'), outage);
      w.step(-H, jst('12:30'));
      // Checks stamped with the corrected clock before the heartbeat sees the step arrive
      // earlier than the newest stored one: they are stored, and the runs rewritten.
      w.run(jst('12:30'), jst('12:32'), outage);
      w.run(jst('12:32'), october.end, outage);
    },
    expected: { downtimeMs: 15 * MIN, unmonitoredMs: 29 * MIN, pct: '99.966', setAside: 30, steps: 2, downStart: jst('12:30') },
  },
  {
    // A worker an hour ahead runs from 12:00 to 12:30 and is killed; a worker with the right
    // clock starts at 12:30:30 and sets aside what the other stamped in the future.
    name: 'a worker an hour ahead replaced by one with the right clock',
    play: (w) => {
      w.run(october.start, jst('12:00'));
      w.offset = H;
      w.start(jst('12:00'));
      w.run(jst('12:00'), jst('12:30'), outage);
      w.offset = 0;
      w.start(jst('12:30') + 30_000);
      w.run(jst('12:31'), october.end, outage);
    },
    expected: { downtimeMs: 14 * MIN, unmonitoredMs: 30 * MIN, pct: '99.968', setAside: 30, steps: 1, downStart: jst('12:31') },
  },
  {
    // The clock is set back an hour at 12:00:30 and stepped forward again at 12:30:30. At the
    // step back the true checks stamped 11:01 to 12:00 are later than the clock: set aside.
    // The worker's checks then carry the wrong clock's stamps, 11:01 to 11:30 (the outage
    // from 11:10); the hour the step forward skips, 11:32 to 12:31, is unmonitored. The
    // outage holds across that gap until the first success (SLA.md rule 1): 11:10 to 12:45.
    name: 'a step back then forward inside a running worker',
    play: (w) => {
      w.run(october.start, jst('12:00') + MIN);
      w.step(-H, jst('12:00') + 30_000);
      w.run(jst('12:01'), jst('12:31'), outage);
      w.step(+H, jst('12:30') + 30_000);
      w.run(jst('12:31'), october.end, outage);
    },
    expected: { downtimeMs: 95 * MIN, unmonitoredMs: 59 * MIN, pct: '99.787', setAside: 60, steps: 2, downStart: jst('11:10') },
  },
  {
    // The same clock an hour behind, across restarts: a worker with the clock set back starts
    // at 12:00:30 (and sets aside the true checks it finds later than its clock); a worker
    // with the right clock replaces it at 12:30:45.
    name: 'a worker an hour behind between two with the right clock',
    play: (w) => {
      w.run(october.start, jst('12:00') + MIN);
      w.offset = -H;
      w.start(jst('12:00') + 30_000);
      w.run(jst('12:01'), jst('12:31'), outage);
      w.offset = 0;
      w.start(jst('12:30') + 45_000);
      w.run(jst('12:31'), october.end, outage);
    },
    expected: { downtimeMs: 95 * MIN, unmonitoredMs: 59 * MIN, pct: '99.787', setAside: 60, steps: 1, downStart: jst('11:10') },
  },
];

for (const tz of ['UTC', 'America/Los_Angeles']) {
  describe(`clock steps and the month's figures (TZ=${tz})`, () => {
    const savedTz = process.env.TZ;
    beforeAll(() => { process.env.TZ = tz; });
    afterAll(() => { process.env.TZ = savedTz; });

    for (const s of scenarios) {
      it(s.name, () => {
        const t = tempDb();
        try {
          importInterchange(t.db, validateInterchange({
            version: 1,
            services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }],
            monitors: [{ slug: 'web-http', service: 'web', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 60, timeout_s: 5, confirm: 2, counts_for_availability: true }],
          }));
          const w = new PlayedWorker(t.db, 1);
          s.play(w);
          const now = parseInstant('2026-11-05T10:00:00+09:00')!;
          const a = serviceAvailabilityFor({ db: t.db, config, now }, 'web', october);
          expect(a.periodMs).toBe(MONTH_MS);
          expect(a.downtimeMs).toBe(s.expected.downtimeMs);
          expect(a.downtime[0]!.start).toBe(s.expected.downStart);
          expect(a.unmonitoredMs).toBe(s.expected.unmonitoredMs);
          expect(a.pct).toBe(s.expected.pct);

          // Every stored check was stamped no later than the clock of the worker that wrote it
          // allowed; the runs count each stored check once, in time order.
          const c = t.db.$client;
          const stored = c.prepare('SELECT count(*) FROM checks').pluck().get() as number;
          expect(c.prepare('SELECT sum(count) FROM check_runs').pluck().get()).toBe(stored);
          const runs = c.prepare('SELECT first_at AS firstAt, last_at AS lastAt FROM check_runs ORDER BY first_at').all() as { firstAt: number; lastAt: number }[];
          for (let i = 1; i < runs.length; i++) expect(runs[i]!.firstAt).toBeGreaterThan(runs[i - 1]!.lastAt);
          // What was set aside is kept, with the steps that explain it, and audited.
          expect(c.prepare('SELECT count(*) FROM quarantined_checks').pluck().get()).toBe(s.expected.setAside);
          const steps = openClockSteps(t.db);
          expect(steps).toHaveLength(s.expected.steps);
          expect(steps.reduce((n, x) => n + x.setAside, 0)).toBe(s.expected.setAside);
          expect(listAudit(t.db, { entity: 'clock_step' }).map((e) => e.action)).toEqual(steps.map(() => 'clock_step.set_aside'));
          // A warning until an admin has reviewed every step.
          const warned = () => checkHealth(t.db, config, now).warnings.filter((x) => x.cause === 'clock_step');
          expect(warned()).toHaveLength(s.expected.steps);
          expect(warned()[0]!.message).toMatch(/ 3[56]\d\d s /);
          for (const step of steps) reviewClockStep(t.db, { id: null, email: 'admin@example.jp' }, step.id, now);
          expect(warned()).toEqual([]);
          expect(listAudit(t.db, { entity: 'clock_step' }).filter((e) => e.action === 'clock_step.review')).toHaveLength(s.expected.steps);
          // Reviewing changes no figure.
          expect(serviceAvailabilityFor({ db: t.db, config, now }, 'web', october).downtimeMs).toBe(s.expected.downtimeMs);
        } finally {
          t.close();
        }
      });
    }
  });
}
