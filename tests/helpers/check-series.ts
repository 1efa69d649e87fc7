import { parseInstant } from '../../src/lib/time';
import type { CheckResult } from '../../src/lib/checks/store';

/** A stretch of time, as two written instants: [from, to). */
export type Span = [string, string];

/**
 * Checks of one monitor every `stepMin` minutes (10 by default) over [from, to), shifted by
 * `offsetS`: down inside `downs`, none inside `gaps`, up otherwise.
 */
export function checkSeries(monitorId: number, from: string, to: string, opts: { stepMin?: number; downs?: Span[]; gaps?: Span[]; offsetS?: number } = {}): CheckResult[] {
  const ms = (s: string) => parseInstant(s)!;
  const within = (list: Span[] | undefined, t: number) => (list ?? []).some(([a, b]) => t >= ms(a) && t < ms(b));
  const out: CheckResult[] = [];
  for (let t = ms(from) + (opts.offsetS ?? 0) * 1000; t < ms(to); t += (opts.stepMin ?? 10) * 60_000) {
    if (within(opts.gaps, t)) continue;
    const down = within(opts.downs, t);
    out.push({ monitorId, at: t, status: down ? 'down' : 'up', latencyMs: down ? null : 100, error: down ? 'connection refused' : null });
  }
  return out;
}
