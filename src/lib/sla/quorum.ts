import { type Interval, union, intersect } from '../intervals';

/**
 * SLA.md rule 1, "Several locations", as pure functions over intervals. Each location's
 * confirmed outages come from the single-location rule (monitorOutages over its own runs);
 * these decide when the monitor itself is down.
 */

/** What one location says about one monitor. */
export interface LocationView {
  location: string;
  /** Confirmed outages seen from this location (monitorOutages of its runs). */
  outages: readonly Interval[];
  /** Time it does not vote: no check on time (its unmonitored time) or its control check failing. */
  silent: readonly Interval[];
}

/** A moment of monitor downtime, with the locations whose confirmed outage it was. */
export interface QuorumOutage extends Interval {
  locations: string[];
}

export interface QuorumFigures {
  down: QuorumOutage[];
  /** Some locations voted, but fewer than the quorum: the quorum was the number voting. */
  reducedQuorum: Interval[];
  /** No location voted. */
  unmonitored: Interval[];
}

/** The default quorum with `voting` locations voting: a majority of them (2 of 3, 3 of 4), never of those configured. */
export function defaultQuorum(voting: number): number {
  return Math.floor(voting / 2) + 1;
}

/** The quorum that applies with `voting` locations voting: the configured one, or what remains (never below 1). */
export function effectiveQuorum(quorum: number, voting: number): number {
  return voting >= quorum ? quorum : Math.max(1, voting);
}

/** Whether a sorted, disjoint list covers `at`; `cursor` remembers where the last (earlier) question ended. */
function covers(list: readonly Interval[], cursor: { i: number }, at: number): boolean {
  while (cursor.i < list.length && list[cursor.i]!.end <= at) cursor.i++;
  const i = list[cursor.i];
  return i !== undefined && i.start <= at;
}

/**
 * The monitor is down at a moment when at least the effective quorum of the voting
 * locations are in a confirmed outage then (`quorum` null: a majority of those voting, so
 * never reduced). Computed over `span` (the range asked for, up
 * to now): between two consecutive boundaries of any input nothing changes, so each
 * elementary piece is judged once.
 */
export function quorumOutages(views: readonly LocationView[], quorum: number | null, span: Interval): QuorumFigures {
  const outages = views.map((v) => union(v.outages));
  const silent = views.map((v) => union(v.silent));
  const cuts = new Set<number>([span.start, span.end]);
  for (const list of [...outages, ...silent]) {
    for (const i of list) {
      if (i.start > span.start && i.start < span.end) cuts.add(i.start);
      if (i.end > span.start && i.end < span.end) cuts.add(i.end);
    }
  }
  const points = [...cuts].sort((a, b) => a - b);
  const outageCursor = views.map(() => ({ i: 0 }));
  const silentCursor = views.map(() => ({ i: 0 }));
  const down: Interval[] = [];
  const reduced: Interval[] = [];
  const unmonitored: Interval[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const piece = { start: points[k]!, end: points[k + 1]! };
    let voting = 0;
    let failing = 0;
    for (let v = 0; v < views.length; v++) {
      if (covers(silent[v]!, silentCursor[v]!, piece.start)) continue;
      voting++;
      if (covers(outages[v]!, outageCursor[v]!, piece.start)) failing++;
    }
    if (voting === 0) unmonitored.push(piece);
    else {
      if (quorum !== null && voting < quorum) reduced.push(piece);
      if (failing >= (quorum === null ? defaultQuorum(voting) : effectiveQuorum(quorum, voting))) down.push(piece);
    }
  }
  return {
    down: union(down).map((d) => ({
      ...d,
      locations: views.filter((_, v) => intersect([d], outages[v]!).length > 0).map((v) => v.location),
    })),
    reducedQuorum: union(reduced),
    unmonitored: union(unmonitored),
  };
}

/** A control check's failures: from a failed control until the next good one (or now). Samples in time order. */
export function controlFailures(samples: readonly { at: number; ok: boolean }[], now: number): Interval[] {
  const out: Interval[] = [];
  let failedSince: number | null = null;
  for (const s of samples) {
    if (!s.ok && failedSince === null) failedSince = s.at;
    else if (s.ok && failedSince !== null) {
      out.push({ start: failedSince, end: s.at });
      failedSince = null;
    }
  }
  if (failedSince !== null) out.push({ start: failedSince, end: Math.max(now, failedSince) });
  return out;
}
