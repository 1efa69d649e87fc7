import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import { CheckStore, type CheckResult } from '../checks/store';
import { runCheckOnce } from './run-check';
import { tryAcquireLease, renewLease, releaseLease, holdsLease, readLease, LeaseWatch } from '../lease';
import { ClockWatch } from './clock';
import { setAsideFutureChecks } from '../checks/quarantine';
import { releaseFutureMail } from '../mail/outbox';
import { releaseFutureDeliveries } from '../destinations/deliver';
import { checkStorage, faultOfWrite, type StorageFault } from '../storage';
import { log } from '../log';
import { AlarmEngine, type AlarmSettings } from '../alarms/engine';
import { PhaseScheduler } from './phase-scheduler';
import type { Config } from '../config';

export const PROBE_LEASE = 'probe';

export interface ProbeOptions {
  /** How many checks may be in flight at once. */
  concurrency?: number;
  /** How often buffered results are written, in one transaction. */
  flushEveryMs?: number;
  /** How often the monitor list is re-read, so admin changes take effect. */
  reloadEveryMs?: number;
  leaseTtlMs?: number;
  /** Called after each check with its scheduling lag, for benchmarks. */
  onCheck?: (result: CheckResult, lagMs: number) => void;
  /** Alarms, alarm mail and draft incidents; none when absent (see alarmSettings). */
  alarms?: AlarmSettings | null;
  /**
   * Called once when another worker has taken the lease (this one was paused or stalled):
   * the probe has already stopped without writing; the worker should exit so it restarts clean.
   */
  onLeaseLost?: () => void;
  /** How often a would-be holder looks at the lease while another holds it. */
  leasePollMs?: number;
  /**
   * Called once when the database cannot be written (disk full, read-only, deleted or
   * replaced file): the probe has stopped; the worker waits for the fault to be fixed.
   */
  onFault?: (fault: StorageFault) => void;
}

/** The alarm settings of the configuration file and the environment. */
export function alarmSettings(config: Config, siteUrl: string | null): AlarmSettings {
  return {
    operators: config.alarms.operators,
    recoveryConfirm: config.alarms.recovery_confirm,
    mailWarningCleared: config.alarms.mail_warning_cleared,
    warningClearChecks: config.alarms.warning_clear_checks,
    flapWindowMs: config.alarms.flap_window_s * 1000,
    flapSettleMs: config.alarms.flap_settle_s * 1000,
    zone: config.zone,
    siteUrl,
  };
}

interface MonitorRow {
  id: number;
  slug: string;
  type: string;
  target: string;
  intervalS: number;
  timeoutS: number;
  options: string;
}

/**
 * Runs every monitor on its own interval. Due times advance by whole intervals from a
 * fixed phase per monitor, so checks neither drift nor bunch up; a limit on checks in flight
 * keeps a crowd of hanging targets from starving the others, each bounded by its timeout.
 */
export class Probe {
  readonly holder = `${process.pid}-${randomUUID()}`;
  private readonly store: CheckStore;
  private readonly scheduler: PhaseScheduler<MonitorRow>;
  private buffer: CheckResult[] = [];
  private running = false;
  private readonly abort = new AbortController();
  private timers: NodeJS.Timeout[] = [];
  private readonly opts: Required<Omit<ProbeOptions, 'onCheck' | 'alarms' | 'onLeaseLost' | 'onFault'>> & Pick<ProbeOptions, 'onCheck' | 'onLeaseLost' | 'onFault'>;
  /** The storage fault that stopped this probe, if one did. */
  faulted: StorageFault | null = null;
  readonly alarms: AlarmEngine | null;
  /** Sees the wall clock step (checks are stamped with the wall clock: SLA.md). */
  private readonly clock = new ClockWatch();
  /** The newest stored check of each monitor when this probe started, to resume on its phase. */
  private lastCheckAt = new Map<number, number>();
  private lost = false;

  constructor(private readonly db: Db, options: ProbeOptions = {}) {
    const { alarms, ...rest } = options;
    this.alarms = alarms ? new AlarmEngine(db, alarms, () => Date.now()) : null;
    const engine = this.alarms;
    this.store = new CheckStore(db, engine ? { onCheck: (r, run) => engine.onCheck(r, run) } : {});
    this.opts = { concurrency: 64, flushEveryMs: 1000, reloadEveryMs: 10_000, leaseTtlMs: 15_000, leasePollMs: 1000, ...rest };
    this.scheduler = new PhaseScheduler<MonitorRow>({
      now: () => Date.now(),
      concurrency: this.opts.concurrency,
      run: (row, dueAt) => this.runCheck(row, dueAt),
      lastCheckAt: (id) => this.lastCheckAt.get(id),
    });
  }

  /**
   * Waits until this process holds the probe lease, then starts. Another holder's lease is
   * taken at once when its process is gone from this host, else once its heartbeat has
   * stood still for the lease time. Resolves false if stopped first.
   */
  async start(): Promise<boolean> {
    let warned = false;
    const watch = new LeaseWatch();
    let taken: ReturnType<typeof tryAcquireLease>;
    while (!(taken = tryAcquireLease(this.db, PROBE_LEASE, this.holder, this.opts.leaseTtlMs, watch))) {
      if (!warned) {
        const held = readLease(this.db, PROBE_LEASE);
        log.warn('probe.waiting_for_lease', { reason: 'another worker holds the probe lease; this one takes over if its heartbeat stops', holder_pid: held?.pid ?? null, holder_host: held?.host ?? null });
      }
      warned = true;
      await new Promise((r) => setTimeout(r, this.opts.leasePollMs));
      if (this.abort.signal.aborted) return false;
    }
    if (this.abort.signal.aborted) {
      releaseLease(this.db, PROBE_LEASE, this.holder);
      return false;
    }
    this.running = true;
    // Checks a wrong clock stamped ahead (a worker that ran ahead) are set aside first; each monitor resumes on its phase.
    this.settleClock(null);
    this.alarms?.loadOpen();
    log.info('probe.started', { holder: this.holder, lease: taken });
    this.reload();
    this.timers.push(setInterval(() => this.flush(), this.opts.flushEveryMs));
    this.timers.push(setInterval(() => this.reload(), this.opts.reloadEveryMs));
    // Agents' results reach the database through the site: the quorum's alarms are judged here, every
    // few seconds, by the lease holder only (a paused worker that lost it must not mail twice).
    if (this.alarms) {
      const held = () => !this.faulted && this.holdsLease();
      this.timers.push(setInterval(() => {
        if (!held()) return;
        this.alarms?.evaluateLocated(held).catch((err: Error) => log.error('alarm.located_failed', { error: err.message }));
      }, 10_000));
    }
    this.timers.push(setInterval(() => this.heartbeat(), Math.floor(this.opts.leaseTtlMs / 3)));
    return true;
  }

  /** Whether this probe holds the lease now (asked before any work with effects outside the database). */
  holdsLease(): boolean {
    if (this.lost || !this.running) return false;
    if (holdsLease(this.db, PROBE_LEASE, this.holder)) return true;
    this.leaseLost();
    return false;
  }

  /** Each monitor's newest stored check, so one scheduled again resumes on its phase. */
  private readLastChecks(): void {
    const rows = this.db.$client.prepare('SELECT m.id, (SELECT max(at) FROM checks WHERE monitor_id = m.id) AS at FROM monitors m').all() as Array<{ id: number; at: number | null }>;
    this.lastCheckAt = new Map(rows.filter((r) => r.at !== null).map((r) => [r.id, r.at!]));
  }

  /**
   * After a clock step (`offsetMs`, seen inside this process) or at start (null): what was
   * stamped or scheduled on the wrong clock is set right. Checks later than now are set aside,
   * mail due times are brought back, the alarms re-read what is open, and each monitor's
   * newest check is read again.
   */
  private settleClock(offsetMs: number | null): void {
    const now = Date.now();
    const step = setAsideFutureChecks(this.db, now, offsetMs);
    releaseFutureMail(this.db, now);
    releaseFutureDeliveries(this.db, now);
    if (step && step.setAside > 0) this.alarms?.loadOpen();
    this.readLastChecks();
  }

  /**
   * Renews the lease, looks under the database file (deleted, replaced, read-only, full:
   * noticed within a heartbeat or two) and at the clock: after a step the worker goes on
   * with the new time, and sets right what the old one stamped.
   */
  private heartbeat(): void {
    if (!this.running) return;
    try {
      const fault = checkStorage(this.db);
      if (fault) return this.fault(fault);
      if (!renewLease(this.db, PROBE_LEASE, this.holder, this.opts.leaseTtlMs, Date.now())) return this.leaseLost();
      const stepped = this.clock.look();
      if (stepped !== 0) {
        this.flush();
        this.settleClock(stepped);
      }
    } catch (err) {
      this.fault(faultOfWrite(this.db, err) ?? { cause: 'io_error', message: `the database failed: ${(err as Error).message}` });
    }
  }

  /** The database cannot take writes: one clear message, stop checking, tell the owner. */
  private fault(f: StorageFault): void {
    if (this.faulted || this.lost) return;
    this.faulted = f;
    log.error('probe.storage_fault', { cause: f.cause, message: `${f.message}; the worker has stopped checking until this is fixed` });
    this.halt();
    this.buffer = [];
    this.opts.onFault?.(f);
  }

  /** Another worker took the lease: stop at once, write nothing more, tell the owner. */
  private leaseLost(): void {
    if (this.lost) return;
    this.lost = true;
    log.error('probe.lease_lost', { message: 'another worker has taken the probe lease (this one was paused or stalled); stopping without writing and exiting' });
    this.halt();
    this.buffer = [];
    this.opts.onLeaseLost?.();
  }

  private halt(): void {
    this.abort.abort();
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.scheduler.stop();
  }

  /** Stops scheduling, lets checks in flight finish (each is bounded by its timeout), writes what is buffered. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (!this.running) return;
    this.halt();
    await this.scheduler.settled();
    if (this.lost || this.faulted) return;
    this.flush(true);
    releaseLease(this.db, PROBE_LEASE, this.holder);
    log.info('probe.stopped', {});
  }

  /** Re-reads monitors: new ones are scheduled, removed or paused ones stop, edited ones reschedule. */
  reload(): void {
    if (!this.running) return;
    const rows = this.db.$client.prepare(
      `SELECT id, slug, type, target, interval_s AS intervalS, timeout_s AS timeoutS, options FROM monitors m WHERE paused = 0
        AND (NOT EXISTS (SELECT 1 FROM monitor_locations x WHERE x.monitor_id = m.id)
          OR EXISTS (SELECT 1 FROM monitor_locations x JOIN probe_locations l ON l.id = x.location_id WHERE x.monitor_id = m.id AND l.slug = 'local'))`,
    ).all() as MonitorRow[];
    this.scheduler.apply(rows.map((row) => ({ id: row.id, intervalMs: row.intervalS * 1000, item: row })));
  }

  private async runCheck(row: MonitorRow, dueAt: number): Promise<void> {
    const startedMono = performance.now();
    let options: unknown;
    try {
      options = JSON.parse(row.options);
    } catch {
      options = null;
    }
    const outcome = await runCheckOnce({ ...row, options }, this.abort.signal, this.db);
    // Stamped with the wall clock as it reads when the check ends, less how long it took: a
    // step while it ran leaves no stamp from the clock before it.
    const startedAt = Date.now() - Math.round(performance.now() - startedMono);
    if (outcome.unmonitored) return;
    const result: CheckResult = { monitorId: row.id, at: startedAt, status: outcome.status, latencyMs: outcome.latencyMs, error: outcome.error, ...(outcome.warnings ? { warnings: outcome.warnings } : {}) };
    if (this.abort.signal.aborted && !this.running && result.status === 'down') return; // cut short by shutdown: not a real result
    if (this.lost) return;
    this.buffer.push(result);
    this.opts.onCheck?.(result, startedAt - dueAt);
  }

  /**
   * Writes buffered results in one transaction, only while this probe holds the lease (a
   * worker resumed after a pause must not write beside the one that took over).
   */
  flush(final = false): void {
    if (this.buffer.length === 0 || this.lost || (!this.running && !final)) return;
    const batch = this.buffer.sort((a, b) => a.at - b.at);
    this.buffer = [];
    try {
      const held = this.db.$client.transaction(() => {
        if (!holdsLease(this.db, PROBE_LEASE, this.holder)) return false;
        this.store.record(batch);
        return true;
      }).immediate();
      if (!held) this.leaseLost();
    } catch (err) {
      const fault = faultOfWrite(this.db, err);
      if (fault) return this.fault(fault);
      log.error('probe.write_failed', { error: (err as Error).message, count: batch.length });
      this.buffer.unshift(...batch);
      // The alarms' memory of what is open must match the rolled-back database.
      this.alarms?.loadOpen();
    }
  }
}
