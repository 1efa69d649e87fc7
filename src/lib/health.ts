import type { Db } from './db';
import type { Config } from './config';
import { readLease, monotonicMs, processGone, thisHost, type LeaseRow } from './lease';
import { PROBE_LEASE } from './probe/probe';
import { openClockSteps } from './checks/quarantine';
import { checkStorage, storageFaultOf, type StorageCause } from './storage';
import { maybeDeliveredCount } from './mail/outbox';
import { recentlyFailedDeliveries } from './destinations/deliver';

/**
 * Why monitoring may be stopped, named for operators: a storage fault under the database,
 * no worker, a worker that stopped beating, a lease held by a worker elsewhere, or (a
 * warning only) a clock step.
 */
export type HealthCause = StorageCause | 'database' | 'probe_not_running' | 'probe_stale' | 'lease_held_elsewhere' | 'lease_holder_gone' | 'clock_step' | 'agent_silent' | 'agent_clock_skew' | 'mail_unconfirmed' | 'delivery_failed';

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
  /** What an operator should know while all still works (a clock step, an agent's clock off). */
  warnings: HealthIssue[];
}

/**
 * The worker's heartbeat as this process has watched it: the beat counter and when (on this
 * process's monotonic clock) it last changed. Its age is measured on this process's own
 * clock alone, never from the row's `renewed_at` (the worker's clock, which may be an hour
 * off this one): a worker is called stale only once this process has seen its beat stand
 * still for the stale time.
 */
const watched = { holder: '', beat: -1, changedAt: 0 };

function heartbeatAgeMs(lease: LeaseRow): number {
  const mono = monotonicMs();
  if (lease.holder !== watched.holder || lease.beat !== watched.beat) Object.assign(watched, { holder: lease.holder, beat: lease.beat, changedAt: mono });
  return mono - watched.changedAt;
}

/** For how long (ms) this process has seen the worker's heartbeat stand still; null with no worker. */
export function probeHeartbeatAgeMs(db: Db): number | null {
  const lease = readLease(db, PROBE_LEASE);
  return lease === null ? null : heartbeatAgeMs(lease);
}

/** Whether the worker holds the lease and its heartbeat is moving, as this process sees it. */
export function probeBeating(db: Db, config: Config): boolean {
  const age = probeHeartbeatAgeMs(db);
  return age !== null && age <= config.probe.stale_after_s * 1000;
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
    const age = heartbeatAgeMs(lease);
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
  // Until an admin has reviewed it (the dashboard), with what it set aside.
  for (const step of openClockSteps(db)) {
    const s = Math.round(step.offsetMs / 1000);
    warnings.push({
      cause: 'clock_step', seconds: s,
      message: `clock: the worker's system clock ${s < 0 ? 'was set back' : 'stepped ahead'} ${Math.abs(s)} s at ${new Date(step.seenAt).toISOString()}; checks are stamped with the system clock, ${step.setAside} checks stamped later than the true time were set aside and the time they claimed is unmonitored (an admin reviews this on the dashboard; check NTP)`,
    });
  }
  warnings.push(...silentAgents(db, now), ...skewedAgents(db, config));
  const unconfirmed = maybeDeliveredCount(db);
  if (unconfirmed > 0) {
    warnings.push({ cause: 'mail_unconfirmed', message: `mail: ${unconfirmed} message(s) were handed to the mail server, which did not confirm them; they may have been delivered and are not sent again (see mail_outbox.maybe_delivered_at)` });
  }
  const failedDeliveries = recentlyFailedDeliveries(db, now);
  if (failedDeliveries > 0) {
    warnings.push({ cause: 'delivery_failed', message: `destinations: ${failedDeliveries} message(s) to webhook, Slack or Teams destinations were given up in the last 7 days (see /admin/destinations)` });
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
 * Agents whose clock is further off the site's than allowed, as measured at their last batch
 * (recorded even when the batch was refused): their results are refused until it is set.
 */
function skewedAgents(db: Db, config: Config): HealthIssue[] {
  const rows = db.$client.prepare(`SELECT slug, clock_offset_ms AS offsetMs FROM probe_locations
    WHERE slug <> 'local' AND revoked_at IS NULL AND abs(clock_offset_ms) > ? ORDER BY id`).all(config.agents.max_skew_s * 1000) as { slug: string; offsetMs: number }[];
  return rows.map((r) => {
    const s = Math.round(-r.offsetMs / 1000);
    return { cause: 'agent_clock_skew' as const, seconds: s, message: `agent ${r.slug}: its clock is ${Math.abs(s)} s ${s > 0 ? 'ahead of' : 'behind'} the site's; its results are refused until its clock is set (NTP)` };
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
