import type { Db } from './db';
import type { Config } from './config';
import { readLease, monotonicMs, processGone, thisHost, type LeaseRow } from './lease';
import { PROBE_LEASE, CLOCK_STEP_KEY } from './probe/probe';
import { checkStorage, storageFaultOf, type StorageCause } from './storage';
import { maybeDeliveredCount } from './mail/outbox';

/**
 * Why monitoring may be stopped, named for operators: a storage fault under the database,
 * no worker, a worker that stopped beating, a lease held by a worker elsewhere, or (a
 * warning only) a clock step.
 */
export type HealthCause = StorageCause | 'database' | 'probe_not_running' | 'probe_stale' | 'lease_held_elsewhere' | 'lease_holder_gone' | 'clock_step' | 'agent_silent' | 'mail_unconfirmed';

/**
 * An agent asks for its assignment every minute (src/lib/agents/agent.ts), so one not heard
 * from in three minutes has stopped, or cannot reach the site.
 */
export const AGENT_SILENT_AFTER_MS = 180_000;

export interface HealthIssue {
  cause: HealthCause;
  /** One plain English sentence (the /healthz body and logs); admin pages word it from `cause`. */
  message: string;
  /** Seconds involved (heartbeat age, clock offset), when there are. */
  seconds?: number;
}

export interface Health {
  ok: boolean;
  /** What makes it not ok, worst first; `reasons` of /healthz. */
  issues: HealthIssue[];
  /** What an operator should know while all still works (a clock step). */
  warnings: HealthIssue[];
}

/**
 * The worker's heartbeat as this process has watched it: the beat counter and when (on this
 * process's monotonic clock) it last changed. Once the beat has been seen to move, its age
 * is measured on this process's own clock alone, so a worker whose wall clock is set
 * differently is neither called dead nor alive because of it; before that, the row's own
 * time is the only hint and the older of the two counts.
 */
const watched = { holder: '', beat: -1, changedAt: 0, moved: false };

function heartbeatAgeMs(lease: LeaseRow, now: number): number {
  const mono = monotonicMs();
  if (lease.holder !== watched.holder) Object.assign(watched, { holder: lease.holder, beat: lease.beat, changedAt: mono, moved: false });
  else if (lease.beat !== watched.beat) Object.assign(watched, { beat: lease.beat, changedAt: mono, moved: true });
  const watchedFor = mono - watched.changedAt;
  return watched.moved ? watchedFor : Math.max(watchedFor, now - lease.renewedAt);
}

/** The site is healthy when the database answers and can be written, and the worker's heartbeat is alive. */
export function checkHealth(db: Db, config: Config, now: number): Health {
  const issues: HealthIssue[] = [];
  const warnings: HealthIssue[] = [];
  try {
    db.$client.prepare('SELECT 1').get();
  } catch (err) {
    const fault = storageFaultOf(err);
    return { ok: false, issues: [{ cause: fault?.cause ?? 'database', message: `database: ${fault?.message ?? (err as Error).message}` }], warnings };
  }
  const storage = checkStorage(db);
  if (storage) issues.push({ cause: storage.cause, message: `database: ${storage.message}` });
  const lease = readLease(db, PROBE_LEASE);
  const staleMs = config.probe.stale_after_s * 1000;
  if (!lease) {
    issues.push({ cause: 'probe_not_running', message: 'probe: not running (no worker holds the probe lease)' });
  } else {
    const age = heartbeatAgeMs(lease, now);
    const gone = lease.host === thisHost && lease.pid !== null && processGone(lease.pid);
    if (gone) {
      issues.push({ cause: 'lease_holder_gone', message: `probe: the worker holding the lease (pid ${lease.pid}) has exited; a new worker takes over when it starts`, seconds: Math.round(age / 1000) });
    } else if (age > staleMs) {
      const elsewhere = lease.host !== null && lease.host !== thisHost;
      issues.push(elsewhere
        ? { cause: 'lease_held_elsewhere', message: `probe: the lease is held by a worker on host ${lease.host} (pid ${lease.pid}) whose heartbeat stopped ${Math.round(age / 1000)} s ago`, seconds: Math.round(age / 1000) }
        : { cause: 'probe_stale', message: `probe: last heartbeat ${Math.round(age / 1000)} s ago`, seconds: Math.round(age / 1000) });
    }
  }
  const step = db.$client.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(CLOCK_STEP_KEY) as string | undefined;
  if (step && lease) {
    try {
      const { offsetMs } = JSON.parse(step) as { offsetMs: number };
      const s = Math.round(offsetMs / 1000);
      warnings.push({ cause: 'clock_step', message: `clock: the worker's system clock stepped ${Math.abs(s)} s ${s > 0 ? 'ahead' : 'back'}; checks keep their order and the worker's time line slews to the clock (check NTP)`, seconds: s });
    } catch {
      // A malformed report is no warning.
    }
  }
  warnings.push(...silentAgents(db, now));
  const unconfirmed = maybeDeliveredCount(db);
  if (unconfirmed > 0) {
    warnings.push({ cause: 'mail_unconfirmed', message: `mail: ${unconfirmed} message(s) were handed to the mail server, which did not confirm them; they may have been delivered and are not sent again (see mail_outbox.maybe_delivered_at)` });
  }
  return { ok: issues.length === 0, issues, warnings };
}

/**
 * Agents that watch monitors but have not been heard from lately: a warning, not a fault,
 * since the other locations go on (a silent location does not vote: SLA.md rule 1).
 */
function silentAgents(db: Db, now: number): HealthIssue[] {
  const rows = db.$client.prepare(`SELECT l.slug, coalesce(l.last_contact_at, l.created_at) AS heardAt, l.last_contact_at IS NULL AS never
    FROM probe_locations l WHERE l.slug <> 'local' AND l.revoked_at IS NULL AND l.token_hash IS NOT NULL
      AND EXISTS (SELECT 1 FROM monitor_locations x JOIN monitors m ON m.id = x.monitor_id WHERE x.location_id = l.id AND m.paused = 0 AND m.removed_at IS NULL)
    ORDER BY l.id`).all() as { slug: string; heardAt: number; never: number }[];
  return rows.filter((r) => now - r.heardAt > AGENT_SILENT_AFTER_MS).map((r) => {
    const s = Math.round((now - r.heardAt) / 1000);
    return { cause: 'agent_silent' as const, seconds: s, message: r.never ? `agent ${r.slug}: never heard from (registered ${s} s ago)` : `agent ${r.slug}: last heard from ${s} s ago; its location does not vote meanwhile` };
  });
}

/**
 * Whether monitoring is interrupted now (the public page then says so instead of showing
 * all is well): the worker is not running or not beating, or the database cannot take its
 * checks. `cause` names the first reason.
 */
export function monitoringInterrupted(db: Db, config: Config, now: number): { interrupted: boolean; cause: HealthCause | null } {
  const health = checkHealth(db, config, now);
  return { interrupted: !health.ok, cause: health.issues[0]?.cause ?? null };
}
