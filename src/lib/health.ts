import type { Db } from './db';
import type { Config } from './config';
import { readLease } from './lease';
import { PROBE_LEASE } from './probe/probe';

/** The site is healthy when the database answers and the probe's heartbeat is fresh. */
export function checkHealth(db: Db, config: Config, now: number): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  try {
    db.$client.prepare('SELECT 1').get();
  } catch (err) {
    return { ok: false, reasons: [`database: ${(err as Error).message}`] };
  }
  const lease = readLease(db, PROBE_LEASE);
  if (!lease) reasons.push('probe: not running');
  else if (now - lease.renewedAt > config.probe.stale_after_s * 1000) {
    reasons.push(`probe: last heartbeat ${Math.round((now - lease.renewedAt) / 1000)} s ago`);
  }
  return { ok: reasons.length === 0, reasons };
}
