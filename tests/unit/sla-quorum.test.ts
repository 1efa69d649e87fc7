import { describe, expect, it } from 'vitest';
import { quorumOutages, defaultQuorum, effectiveQuorum, controlFailures, type LocationView } from '../../src/lib/sla/quorum';

const MIN = 60_000;
const span = { start: 0, end: 120 * MIN };
const view = (location: string, outages: [number, number][], silent: [number, number][] = []): LocationView => ({
  location,
  outages: outages.map(([a, b]) => ({ start: a * MIN, end: b * MIN })),
  silent: silent.map(([a, b]) => ({ start: a * MIN, end: b * MIN })),
});

describe('quorum of several locations (SLA.md rule 1)', () => {
  it('the default quorum is a majority of those voting: 1 of 1, 2 of 2, 2 of 3, 3 of 4', () => {
    expect([1, 2, 3, 4].map(defaultQuorum)).toEqual([1, 2, 2, 3]);
    expect(effectiveQuorum(2, 3)).toBe(2);
    expect(effectiveQuorum(2, 1)).toBe(1);
    expect(effectiveQuorum(2, 0)).toBe(1);
  });

  it('one location in an outage of three is not downtime', () => {
    const f = quorumOutages([view('local', []), view('osaka', [[10, 50]]), view('nagoya', [])], 2, span);
    expect(f.down).toEqual([]);
    expect(f.reducedQuorum).toEqual([]);
  });

  it('two of three: down from the moment the second location is in a confirmed outage until fewer than two are', () => {
    const f = quorumOutages([view('local', []), view('osaka', [[10, 50]]), view('nagoya', [[20, 60]])], 2, span);
    expect(f.down).toEqual([{ start: 20 * MIN, end: 50 * MIN, locations: ['osaka', 'nagoya'] }]);
  });

  it('a silent location (late, or its control failing) does not vote; fewer voting than the quorum is reduced quorum', () => {
    // nagoya silent 0–60: local and osaka vote (2 = quorum); osaka silent 30–40 too: local alone votes, quorum 1.
    const f = quorumOutages([
      view('local', [[32, 36]]), view('osaka', [[5, 25]], [[30, 40]]), view('nagoya', [[5, 25]], [[0, 60]]),
    ], 2, span);
    expect(f.down).toEqual([{ start: 32 * MIN, end: 36 * MIN, locations: ['local'] }]);
    expect(f.reducedQuorum).toEqual([{ start: 30 * MIN, end: 40 * MIN }]);
    expect(f.unmonitored).toEqual([]);
  });

  it('with no quorum set, a majority of those voting: one of four silent, two of three down is down; never reduced', () => {
    const f = quorumOutages([view('local', [[10, 40]]), view('osaka', [[20, 50]]), view('nagoya', []), view('sendai', [], [[0, 120]])], null, span);
    expect(f.down).toEqual([{ start: 20 * MIN, end: 40 * MIN, locations: ['local', 'osaka'] }]);
    expect(f.reducedQuorum).toEqual([]);
    // Two of four silent: the two voting are their own majority only when both are down.
    const g = quorumOutages([view('local', [[10, 40]]), view('osaka', [[20, 50]]), view('nagoya', [], [[0, 120]]), view('sendai', [], [[0, 120]])], null, span);
    expect(g.down).toEqual([{ start: 20 * MIN, end: 40 * MIN, locations: ['local', 'osaka'] }]);
    expect(g.reducedQuorum).toEqual([]);
  });

  it('no location voting is unmonitored, not down and not reduced', () => {
    const f = quorumOutages([view('a', [[0, 120]], [[10, 20]]), view('b', [[0, 120]], [[10, 20]])], 2, span);
    expect(f.unmonitored).toEqual([{ start: 10 * MIN, end: 20 * MIN }]);
    expect(f.down).toEqual([{ start: 0, end: 10 * MIN, locations: ['a', 'b'] }, { start: 20 * MIN, end: 120 * MIN, locations: ['a', 'b'] }]);
    expect(f.reducedQuorum).toEqual([]);
  });

  it('a control check fails from its first failure until the next good one, or now', () => {
    expect(controlFailures([{ at: 0, ok: true }, { at: 5, ok: false }, { at: 6, ok: false }, { at: 9, ok: true }, { at: 12, ok: false }], 20))
      .toEqual([{ start: 5, end: 9 }, { start: 12, end: 20 }]);
  });
});
