import type { z } from 'zod';
import type { CheckStatus } from '../checks/status';
import type { MonitorType } from './monitor-types';

/** What one check found: the status, how long it took, and a reason a person can read. */
export interface CheckOutcome {
  status: CheckStatus;
  latencyMs: number | null;
  reason: string | null;
}

export interface CheckTarget<Options> {
  target: string;
  options: Options;
  timeoutMs: number;
}

/**
 * One kind of check. Adding a kind is one new file in ./checks/ and a line in ./registry.ts.
 * `run` must settle by itself within `timeoutMs` and honour `signal`; it never throws for a
 * target's failure, it reports `down` with the reason.
 */
export interface CheckType<Options = Record<string, unknown>> {
  type: MonitorType;
  /** Validates the type's own options; unknown keys are refused. */
  options: z.ZodType<Options>;
  /** A reason the target is unusable, or null when it is fine. */
  validateTarget(target: string): string | null;
  run(check: CheckTarget<Options>, signal: AbortSignal): Promise<CheckOutcome>;
}

export function elapsedMs(startedAt: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - startedAt) / 1e6);
}
