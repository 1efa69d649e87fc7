import type { Db } from '../db';
import type { CheckStatus } from '../checks/status';
import { checkTypes } from './registry';
import type { CheckWarning } from './check-type';

/** A monitor as a check needs it: the same whether the local probe or an agent runs it. */
export interface CheckSpec {
  id: number;
  type: string;
  target: string;
  intervalS: number;
  timeoutS: number;
  /** The type's options, not yet validated. */
  options: unknown;
}

export interface CheckFinding {
  status: CheckStatus;
  latencyMs: number | null;
  error: string | null;
  warnings?: CheckWarning[];
  /** Nothing could be known: the probe writes no check (see CheckOutcome.unmonitored). */
  unmonitored?: boolean;
}

/** The checks running under each lifelong stop signal (the probe's, an agent's). */
const runningUnder = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * A check's own signal, aborted with `stop` and let go of when the check is done. The check
 * types join it with their deadline (AbortSignal.any); joined straight to the lifelong `stop`,
 * every check would leave a record in it that Node 20 never frees (about 60 bytes a check:
 * 0.9 GB a day at 10,000 monitors, scripts/bench/abort-signals.ts). One listener on `stop`
 * serves every check, not one each.
 */
function ownSignal(stop: AbortSignal): { signal: AbortSignal; done: () => void } {
  const check = new AbortController();
  if (stop.aborted) {
    check.abort(stop.reason);
    return { signal: check.signal, done: () => undefined };
  }
  let running = runningUnder.get(stop);
  if (!running) {
    const all = (running = new Set());
    runningUnder.set(stop, all);
    stop.addEventListener('abort', () => {
      for (const c of all) c.abort(stop.reason);
      all.clear();
    }, { once: true });
  }
  running.add(check);
  return { signal: check.signal, done: () => void running.delete(check) };
}

/**
 * Runs one check with the module of its type (./registry.ts). Never throws: an unknown type,
 * bad options or a module that fails are reported as down with the reason. `db` only for
 * the types that read the site's database (push); agents have none.
 */
export async function runCheckOnce(spec: CheckSpec, stop: AbortSignal, db?: Db): Promise<CheckFinding> {
  const checkType = checkTypes[spec.type];
  if (!checkType) return { status: 'down', latencyMs: null, error: `unknown check type "${spec.type}"` };
  const check = ownSignal(stop);
  try {
    const options = checkType.options.parse(spec.options);
    const outcome = await checkType.run({
      target: spec.target, options, timeoutMs: spec.timeoutS * 1000,
      monitor: { id: spec.id, intervalS: spec.intervalS, ...(db ? { db } : {}) },
    }, check.signal);
    const finding: CheckFinding = { status: outcome.status, latencyMs: outcome.latencyMs, error: outcome.reason };
    if (outcome.warnings && outcome.warnings.length > 0) finding.warnings = outcome.warnings;
    if (outcome.unmonitored) finding.unmonitored = true;
    return finding;
  } catch (err) {
    // A check module must not throw; if one does, the target is reported down and checking goes on.
    return { status: 'down', latencyMs: null, error: `check failed: ${(err as Error).message}` };
  } finally {
    check.done();
  }
}
