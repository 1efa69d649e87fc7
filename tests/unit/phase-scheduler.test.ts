import { describe, it, expect } from 'vitest';
import { PhaseScheduler, phaseOf, lateness } from '../../src/lib/probe/phase-scheduler';

/** The one scheduler of the local probe and the agents, on the real clock with short intervals. */
describe('the phase scheduler', () => {
  const INTERVAL = 300;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('runs each monitor on its own phase, whole intervals apart, without drift', async () => {
    const runs = new Map<number, number[]>();
    const s = new PhaseScheduler<{ id: number }>({
      now: Date.now, concurrency: 8,
      run: async (item, dueAt) => void runs.set(item.id, [...(runs.get(item.id) ?? []), dueAt]),
    });
    s.apply([1, 2, 3].map((id) => ({ id, intervalMs: INTERVAL, item: { id } })));
    await sleep(1700);
    s.stop();
    for (const id of [1, 2, 3]) {
      const due = runs.get(id)!;
      expect(due.length).toBeGreaterThanOrEqual(3);
      // After the first (soon, spread over the first seconds), every due time is on the phase.
      for (const t of due.slice(1)) expect(t % INTERVAL).toBe(phaseOf(id, INTERVAL));
      // The first (off the phase when sooner) is not followed by the next slot a moment later.
      expect(due[1]! - due[0]!).toBeGreaterThanOrEqual(INTERVAL - lateness(INTERVAL));
      // Whole intervals apart (a timer late by more than one, on a busy machine, skips it: never two at once).
      for (let i = 2; i < due.length; i++) {
        expect(due[i]! - due[i - 1]!).toBeGreaterThan(0);
        expect((due[i]! - due[i - 1]!) % INTERVAL).toBe(0);
      }
    }
    // Stopped: nothing more runs.
    const count = [...runs.values()].reduce((n, d) => n + d.length, 0);
    await sleep(2 * INTERVAL);
    expect([...runs.values()].reduce((n, d) => n + d.length, 0)).toBe(count);
  });

  it('resumes a monitor checked just before a restart on its phase, a whole interval after that check', async () => {
    const last = Date.now() - 20;
    const due: number[] = [];
    const s = new PhaseScheduler<{ id: number }>({ now: Date.now, concurrency: 8, run: async (_, d) => void due.push(d), lastCheckAt: () => last });
    s.apply([{ id: 7, intervalMs: INTERVAL, item: { id: 7 } }]);
    await sleep(INTERVAL * 2);
    s.stop();
    expect(due[0]! - last).toBeGreaterThanOrEqual(INTERVAL - lateness(INTERVAL));
    expect(due[0]! % INTERVAL).toBe(phaseOf(7, INTERVAL));
  });

  it('keeps at most `concurrency` checks in flight, the others wait their turn; a changed monitor is scheduled again, a missing one stops', async () => {
    let inFlight = 0;
    let most = 0;
    const ran = new Set<string>();
    const s = new PhaseScheduler<{ id: number; target: string }>({
      now: Date.now, concurrency: 2,
      run: async (item) => {
        inFlight++;
        most = Math.max(most, inFlight);
        ran.add(`${item.id}:${item.target}`);
        await sleep(120);
        inFlight--;
      },
    });
    const at = (target: string) => [1, 2, 3, 4, 5].map((id) => ({ id, intervalMs: INTERVAL, item: { id, target } }));
    s.apply(at('a'));
    await sleep(700);
    expect(most).toBe(2);
    s.apply(at('b').slice(0, 2));
    expect(s.size).toBe(2);
    await sleep(900);
    s.stop();
    await s.settled();
    expect(ran.has('1:b') && ran.has('2:b')).toBe(true);
    expect([...ran].some((r) => r.endsWith(':b') && Number(r.split(':')[0]) > 2)).toBe(false);
  });
});
