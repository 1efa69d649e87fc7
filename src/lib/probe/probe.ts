import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import { CheckStore, type CheckResult } from '../checks/store';
import { runCheckOnce } from './run-check';
import { tryAcquireLease, renewLease, releaseLease } from '../lease';
import { log } from '../log';
import { AlarmEngine, type AlarmSettings } from '../alarms/engine';
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
}

/** The alarm settings of the configuration file and the environment. */
export function alarmSettings(config: Config, siteUrl: string | null): AlarmSettings {
  return {
    operators: config.alarms.operators,
    recoveryConfirm: config.alarms.recovery_confirm,
    mailWarningCleared: config.alarms.mail_warning_cleared,
    warningClearChecks: config.alarms.warning_clear_checks,
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

interface Scheduled {
  row: MonitorRow;
  timer: NodeJS.Timeout | null;
  /** The instant the next check is due; advanced by the interval, so it never drifts. */
  dueAt: number;
  /** Where in its interval this monitor's checks fall (ms after each multiple of the interval). */
  phase: number;
}

/**
 * Runs every monitor on its own interval. Due times advance by whole intervals from a
 * fixed phase per monitor, so checks neither drift nor bunch up; a limit on checks in flight
 * keeps a crowd of hanging targets from starving the others, each bounded by its timeout.
 */
export class Probe {
  readonly holder = `${process.pid}-${randomUUID()}`;
  private readonly store: CheckStore;
  private readonly scheduled = new Map<number, Scheduled>();
  private readonly queue: Array<() => void> = [];
  private buffer: CheckResult[] = [];
  private inFlight = 0;
  private running = false;
  private readonly abort = new AbortController();
  private timers: NodeJS.Timeout[] = [];
  private readonly opts: Required<Omit<ProbeOptions, 'onCheck' | 'alarms'>> & Pick<ProbeOptions, 'onCheck'>;
  readonly alarms: AlarmEngine | null;

  constructor(private readonly db: Db, options: ProbeOptions = {}) {
    const { alarms, ...rest } = options;
    this.alarms = alarms ? new AlarmEngine(db, alarms) : null;
    const engine = this.alarms;
    this.store = new CheckStore(db, engine ? { onCheck: (r, run) => engine.onCheck(r, run) } : {});
    this.opts = { concurrency: 64, flushEveryMs: 1000, reloadEveryMs: 10_000, leaseTtlMs: 15_000, ...rest };
  }

  /** Waits until this process holds the probe lease, then starts. Resolves false if stopped first. */
  async start(): Promise<boolean> {
    let warned = false;
    while (!tryAcquireLease(this.db, PROBE_LEASE, this.holder, this.opts.leaseTtlMs)) {
      if (!warned) log.warn('probe.waiting_for_lease', { reason: 'another probe holds the lease' });
      warned = true;
      await new Promise((r) => setTimeout(r, 1000));
      if (this.abort.signal.aborted) return false;
    }
    this.running = true;
    log.info('probe.started', { holder: this.holder });
    this.reload();
    this.timers.push(setInterval(() => this.flush(), this.opts.flushEveryMs));
    this.timers.push(setInterval(() => this.reload(), this.opts.reloadEveryMs));
    // Agents' results reach the database through the site: the quorum's alarms are judged here, every few seconds.
    if (this.alarms) this.timers.push(setInterval(() => this.alarms?.evaluateLocated(), 10_000));
    this.timers.push(setInterval(() => {
      if (!renewLease(this.db, PROBE_LEASE, this.holder, this.opts.leaseTtlMs)) {
        log.error('probe.lease_lost', {});
        void this.stop();
      }
    }, Math.floor(this.opts.leaseTtlMs / 3)));
    return true;
  }

  /** Stops scheduling, lets checks in flight finish (each is bounded by its timeout), writes what is buffered. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    for (const s of this.scheduled.values()) if (s.timer) clearTimeout(s.timer);
    this.scheduled.clear();
    this.queue.length = 0;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    this.flush();
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
    const seen = new Set<number>();
    for (const row of rows) {
      seen.add(row.id);
      const existing = this.scheduled.get(row.id);
      if (existing && JSON.stringify(existing.row) === JSON.stringify(row)) continue;
      if (existing?.timer) clearTimeout(existing.timer);
      const intervalMs = row.intervalS * 1000;
      // A fixed phase per monitor spreads 1,000 monitors of one interval over that interval.
      const phase = (row.id * 7919) % intervalMs;
      const now = Date.now();
      const dueAt = now - ((now - phase) % intervalMs) + intervalMs;
      // A new monitor is checked soon (first checks spread over ten seconds, so a start with
      // a thousand monitors is no burst), then on its phase.
      const first = now + (phase % Math.min(intervalMs, 10_000));
      const s: Scheduled = { row, timer: null, phase, dueAt: existing ? Math.min(existing.dueAt, dueAt) : Math.min(dueAt, first) };
      this.scheduled.set(row.id, s);
      this.arm(s);
    }
    for (const [id, s] of this.scheduled) {
      if (!seen.has(id)) {
        if (s.timer) clearTimeout(s.timer);
        this.scheduled.delete(id);
      }
    }
  }

  private arm(s: Scheduled): void {
    s.timer = setTimeout(() => {
      if (!this.running || this.scheduled.get(s.row.id) !== s) return;
      const dueAt = s.dueAt;
      const intervalMs = s.row.intervalS * 1000;
      // The next instant on the monitor's phase: intervals missed (a suspended machine) are
      // skipped, never run all at once, and the schedule never drifts.
      const after = Math.max(s.dueAt, Date.now());
      s.dueAt = after - ((after - s.phase) % intervalMs) + intervalMs;
      this.arm(s);
      this.enqueue(() => this.runCheck(s.row, dueAt));
    }, Math.max(0, s.dueAt - Date.now()));
  }

  private enqueue(task: () => Promise<void>): void {
    const go = () => {
      this.inFlight++;
      void task().finally(() => {
        this.inFlight--;
        this.queue.shift()?.();
      });
    };
    if (this.inFlight < this.opts.concurrency) go();
    else this.queue.push(go);
  }

  private async runCheck(row: MonitorRow, dueAt: number): Promise<void> {
    const startedAt = Date.now();
    let options: unknown;
    try {
      options = JSON.parse(row.options);
    } catch {
      options = null;
    }
    const result: CheckResult = { monitorId: row.id, at: startedAt, ...await runCheckOnce({ ...row, options }, this.abort.signal, this.db) };
    if (this.abort.signal.aborted && !this.running && result.status === 'down') return; // cut short by shutdown: not a real result
    this.buffer.push(result);
    this.opts.onCheck?.(result, startedAt - dueAt);
  }

  /** Writes buffered results in one transaction. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const batch = this.buffer.sort((a, b) => a.at - b.at);
    this.buffer = [];
    try {
      this.store.record(batch);
    } catch (err) {
      log.error('probe.write_failed', { error: (err as Error).message, count: batch.length });
      this.buffer.unshift(...batch);
      // The alarms' memory of what is open must match the rolled-back database.
      this.alarms?.loadOpen();
    }
  }
}
