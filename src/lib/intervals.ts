/**
 * Half-open time intervals [start, end) in epoch milliseconds, and the set operations the
 * SLA rules are written in. Every function returns a sorted list of disjoint intervals.
 */
export interface Interval {
  start: number;
  end: number;
}

/** Sorts and merges overlapping or touching intervals; drops empty ones. */
export function union(...lists: ReadonlyArray<readonly Interval[]>): Interval[] {
  // Most lists arrive sorted already (the page asks this for every monitor): sorted only when not.
  const all: Interval[] = [];
  let sorted = true;
  for (const list of lists) {
    for (const i of list) {
      if (i.end <= i.start) continue;
      if (sorted && all.length > 0 && i.start < all[all.length - 1]!.start) sorted = false;
      all.push(i);
    }
  }
  if (!sorted) all.sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of all) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ start: i.start, end: i.end });
  }
  return out;
}

/** The parts of `a` not covered by `b`. */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const cut = union(b);
  const out: Interval[] = [];
  for (const piece of union(a)) {
    let cursor = piece.start;
    for (const c of cut) {
      if (c.end <= cursor) continue;
      if (c.start >= piece.end) break;
      if (c.start > cursor) out.push({ start: cursor, end: c.start });
      cursor = Math.max(cursor, c.end);
      if (cursor >= piece.end) break;
    }
    if (cursor < piece.end) out.push({ start: cursor, end: piece.end });
  }
  return out;
}

/** The parts of `a` that lie inside `b`. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const ua = union(a);
  const ub = union(b);
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < ua.length && j < ub.length) {
    const x = ua[i]!;
    const y = ub[j]!;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (end > start) out.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

export function clip(list: readonly Interval[], window: Interval): Interval[] {
  return intersect(list, [window]);
}

/** Total length in milliseconds (of the union, so overlaps count once). */
export function totalMs(list: readonly Interval[]): number {
  let sum = 0;
  for (const i of union(list)) sum += i.end - i.start;
  return sum;
}
