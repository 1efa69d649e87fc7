import type { z } from 'zod';
import type { CheckStatus } from '../checks/status';
import type { MonitorType } from './monitor-types';
import type { Db } from '../db';

/**
 * A threshold crossed (a certificate near expiry, a full disk): shown to admins and mailed,
 * never downtime. `code` names what crossed, stable between checks (`tls_expiry`, `disk:/`),
 * so a warning is raised once and cleared when a check no longer reports it.
 */
export interface CheckWarning {
  code: string;
  severity: 'warning' | 'critical';
  message: string;
}

/** What one check found: the status, how long it took, and a reason a person can read. */
export interface CheckOutcome {
  status: CheckStatus;
  latencyMs: number | null;
  reason: string | null;
  warnings?: CheckWarning[];
  /** Nothing could be known (an external monitor's source is silent): no check is written, so the time is unmonitored. */
  unmonitored?: boolean;
}

export interface CheckTarget<Options> {
  target: string;
  options: Options;
  timeoutMs: number;
  /** The monitor being checked, for the types that read the database (push) or keep state (resources). */
  monitor?: { id: number; intervalS: number; db?: Db };
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

/** A promise that rejects when the signal aborts, to race against libraries without AbortSignal support. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal, onAbort?: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort?.();
    return Promise.reject(Object.assign(new Error('timed out'), { code: 'ABORT_ERR' }));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(Object.assign(new Error('timed out'), { code: 'ABORT_ERR' }));
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then((v) => { signal.removeEventListener('abort', abort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', abort); reject(e); });
  });
}

/** Splits `host:port`, `[v6]:port` or a bare host; the port falls back to `defaultPort`. */
export function parseHostPort(target: string, defaultPort?: number): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/\[\]]+))(?::(\d{1,5}))?$/.exec(target.trim());
  if (!m) return null;
  const host = m[1] ?? m[2]!;
  const port = m[3] !== undefined ? Number(m[3]) : defaultPort;
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host, port };
}

/** A host name or IP address that can be written on a command line without harm. */
export function isHostName(host: string): boolean {
  return /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(host) && !host.includes('..') || /^[0-9a-fA-F:.]+$/.test(host) && host.includes(':');
}

/** Whether a target is an absolute http:// or https:// URL (the web-based check types). */
export function isHttpUrl(target: string): boolean {
  try {
    const url = new URL(target);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
