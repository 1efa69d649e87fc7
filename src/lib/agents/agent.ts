import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '../log';
import { runCheckOnce } from '../probe/run-check';
import { PhaseScheduler } from '../probe/phase-scheduler';
import { Spool } from './spool';
import type { Assignment, AssignedMonitor, RefusedEntry } from './api';

/**
 * A probe agent: fetches its assignment from the site, runs the same check modules as the
 * local probe (../probe/run-check.ts), spools every result on disk in order and sends the
 * spool to the site in batches. While the site cannot be reached, results wait in the
 * spool (bounded) and go, oldest first, once it answers.
 */
export interface AgentOptions {
  site: string;
  token: string;
  spoolDir: string;
  /** Results kept in the spool at most; older batches are dropped past it. */
  spoolMaxResults?: number;
  /** Replaces FROM with TO in every target (a host reached by another address from here). */
  targetOverride?: { from: string; to: string } | null;
  /** How often the assignment is fetched again, and how often the spool is sent. */
  reloadEveryMs?: number;
  sendEveryMs?: number;
  concurrency?: number;
  version?: string;
}

/** The site refused the agent for good: exit with this message and code. */
export class AgentFatal extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

const CONTROL_EVERY_MS = 30_000;

export class Agent {
  private readonly spool: Spool;
  private readonly opts: Required<Omit<AgentOptions, 'targetOverride'>> & { targetOverride: AgentOptions['targetOverride'] };
  private assignment: Assignment | null = null;
  private readonly scheduler: PhaseScheduler<AssignedMonitor>;
  private readonly abort = new AbortController();
  private timers: NodeJS.Timeout[] = [];
  private sending = false;
  private running = false;
  private backoffUntil = 0;
  private backoffMs = 1000;
  private lastError: string | null = null;
  /** The site's last refusal of entries now in the dead-letter file. */
  private lastRefusal: string | null = null;
  private lastSentAt: number | null = null;
  private readonly startedAt = Date.now();
  private fatal: ((err: AgentFatal) => void) | null = null;

  constructor(options: AgentOptions) {
    this.opts = {
      // Every 4 s: under the 5 s keep-alive of Node's server, so a kept connection is not closed just as it is reused.
      spoolMaxResults: 500_000, reloadEveryMs: 60_000, sendEveryMs: 4_000, concurrency: 64, version: '1', targetOverride: null, ...options,
    };
    this.spool = new Spool(options.spoolDir, this.opts.spoolMaxResults);
    this.scheduler = new PhaseScheduler<AssignedMonitor>({ now: Date.now, concurrency: this.opts.concurrency, run: (m) => this.check(m) });
  }

  private url(path: string): string {
    return new URL(`api/agent/v1/${path}`, this.opts.site.endsWith('/') ? this.opts.site : `${this.opts.site}/`).toString();
  }

  private headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.opts.token}`, Accept: 'application/json' };
  }

  /**
   * Reads the answer's error as the site wrote it (`api` false: not the agent API's JSON, a
   * proxy's page); a refused token is fatal.
   */
  private async refusal(res: Response): Promise<{ code: string; error: string; api: boolean; refused: RefusedEntry[] }> {
    type Answer = { code?: unknown; error?: unknown; refused?: unknown };
    const body = await res.json().then((b: unknown) => (b && typeof b === 'object' ? b as Answer : {}), (): Answer => ({}));
    const api = typeof body.code === 'string';
    const out = {
      code: api ? body.code as string : `http_${res.status}`,
      error: api ? String(body.error ?? `HTTP ${res.status}`) : `the site answered ${res.status} without the agent API's JSON; is ${this.opts.site} this status site?`,
      api,
      refused: api && Array.isArray(body.refused) ? body.refused as RefusedEntry[] : [],
    };
    if (res.status === 401) throw new AgentFatal(`the site refused the token: ${out.error}`, 5);
    return out;
  }

  /** Fetches the assignment; keeps the last one on disk so a restart while the site is down still checks. */
  async loadAssignment(first = false): Promise<void> {
    const cache = join(this.opts.spoolDir, 'assignment.json');
    let res: Response;
    try {
      res = await fetch(this.url('assignment'), { headers: this.headers(), signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      const reason = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      if (first && !this.assignment) {
        try {
          this.assignment = JSON.parse(readFileSync(cache, 'utf8')) as Assignment;
          log.warn('agent.site_unreachable', { site: this.opts.site, error: reason, using: 'the last assignment on disk' });
        } catch {
          throw new AgentFatal(`cannot reach the site at ${this.opts.site}: ${reason}`, 1);
        }
      } else log.warn('agent.site_unreachable', { site: this.opts.site, error: reason });
      this.apply();
      return;
    }
    if (!res.ok) {
      const { code, error } = await this.refusal(res);
      if (first && !this.assignment) throw new AgentFatal(`the site refused the assignment (${code}): ${error}`, 2);
      log.warn('agent.assignment_refused', { code, error });
      return;
    }
    const assignment = await res.json() as Assignment;
    if (!assignment || !Array.isArray(assignment.monitors)) throw new AgentFatal(`${this.opts.site} does not answer as a status site's agent API`, 2);
    this.assignment = assignment;
    writeFileSync(`${cache}.tmp`, JSON.stringify(assignment));
    renameSync(`${cache}.tmp`, cache);
    this.apply();
  }

  /** Starts checking and sending. Resolves once started; `stopped` settles when a fatal refusal stops it. */
  async start(): Promise<Promise<AgentFatal>> {
    const stopped = new Promise<AgentFatal>((resolve) => (this.fatal = resolve));
    // Anything appended before a crash is sealed first, so it is sent before newer results.
    this.spool.seal();
    this.running = true;
    await this.loadAssignment(true);
    log.info('agent.started', { site: this.opts.site, location: this.assignment?.location.name, monitors: this.assignment?.monitors.length ?? 0 });
    this.timers.push(setInterval(() => void this.loadAssignment().catch((e) => this.stopFatal(e)), this.opts.reloadEveryMs));
    this.timers.push(setInterval(() => void this.send().catch((e) => this.stopFatal(e)), this.opts.sendEveryMs));
    this.timers.push(setInterval(() => this.runControl(), CONTROL_EVERY_MS));
    this.timers.push(setInterval(() => log.info('agent.health', this.health()), 60_000));
    this.runControl();
    return stopped;
  }

  private stopFatal(err: unknown): void {
    if (err instanceof AgentFatal) {
      void this.stop().then(() => this.fatal?.(err));
      return;
    }
    log.error('agent.failed', { error: (err as Error).message });
  }

  /** Stops checking, lets checks in flight finish and seals what was made (sent at the next start). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    for (const t of this.timers) clearInterval(t);
    this.scheduler.stop();
    await this.scheduler.settled();
    this.spool.seal();
    log.info('agent.stopped', this.health());
  }

  health(): Record<string, string | number | boolean | null> {
    const { batches, results } = this.spool.count();
    return {
      version: this.opts.version,
      uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
      monitors: this.scheduler.size,
      in_flight: this.scheduler.inFlight,
      spool_batches: batches,
      spool_results: results + this.spool.pending,
      dropped_results: this.spool.dropped,
      dead_letter_results: this.spool.deadLetters,
      last_refusal: this.lastRefusal,
      last_sent_at: this.lastSentAt === null ? null : new Date(this.lastSentAt).toISOString(),
      last_error: this.lastError,
    };
  }

  private target(t: string): string {
    const o = this.opts.targetOverride;
    return o && t.includes(o.from) ? t.split(o.from).join(o.to) : t;
  }

  /** Schedules the assignment's monitors as the local probe schedules its own (../probe/phase-scheduler.ts). */
  private apply(): void {
    if (!this.running || !this.assignment) return;
    this.scheduler.apply(this.assignment.monitors.map((m) => ({ id: m.id, intervalMs: m.interval_s * 1000, item: m })));
  }

  private async check(m: AssignedMonitor): Promise<void> {
    const at = Date.now();
    const finding = await runCheckOnce({
      id: m.id, type: m.type, target: this.target(m.target), intervalS: m.interval_s, timeoutS: m.timeout_s, options: m.options,
    }, this.abort.signal);
    if (this.abort.signal.aborted && finding.status === 'down') return; // cut short by shutdown: not a real result
    this.spool.append({ k: 'r', monitor_id: m.id, at: new Date(at).toISOString(), status: finding.status, latency_ms: finding.latencyMs, error: finding.error });
  }

  private runControl(): void {
    const control = this.assignment?.control;
    if (!control || !this.running) return;
    this.scheduler.enqueue(async () => {
      const at = Date.now();
      const finding = await runCheckOnce({ id: 0, type: control.type, target: control.target, intervalS: 30, timeoutS: 10, options: {} }, this.abort.signal);
      if (this.abort.signal.aborted) return;
      if (finding.status === 'down') log.warn('agent.control_failed', { target: control.target, error: finding.error });
      this.spool.append({ k: 'c', at: new Date(at).toISOString(), ok: finding.status !== 'down' });
    });
  }

  /** Sends the spool, oldest batch first, until it is empty or the site does not take one. */
  async send(): Promise<void> {
    if (this.sending || Date.now() < this.backoffUntil) return;
    this.sending = true;
    try {
      // Seal only when nothing older waits: while the site is away, new results gather in
      // one growing batch (up to the batch limit) rather than in many small ones.
      const max = this.assignment?.batch_max ?? 5000;
      if (this.spool.files().length === 0 || this.spool.pending >= max) this.spool.seal();
      for (let batch = this.spool.oldest(); batch; batch = this.spool.oldest()) {
        const body = JSON.stringify({ batch_id: batch.batch_id, sent_at: new Date().toISOString(), results: batch.results, controls: batch.controls, health: this.health() });
        let res: Response;
        try {
          res = await fetch(this.url('results'), {
            method: 'POST', headers: { ...this.headers(), 'Content-Type': 'application/json' }, body, signal: AbortSignal.timeout(30_000),
          });
        } catch (err) {
          this.retryLater((err as Error & { cause?: Error }).cause?.message ?? (err as Error).message);
          return;
        }
        if (res.ok) {
          await res.arrayBuffer();
          this.spool.remove(batch.file);
          this.lastSentAt = Date.now();
          this.backoffMs = 1000;
          this.lastError = null;
          if (this.spool.pending >= max) this.spool.seal();
          continue;
        }
        const { code, error, api, refused } = await this.refusal(res);
        const entries = batch.results.length + batch.controls.length;
        if ((res.status === 413 || res.status === 408) && entries > 1) {
          // Larger than the site (or a proxy before it) takes, or than arrives there in time on
          // this link: sent again in halves.
          log.warn('agent.batch_split', { code, batch_id: batch.batch_id, results: batch.results.length });
          this.spool.split(batch);
          continue;
        }
        if (res.status === 429 || res.status >= 500 || code === 'clock_skew' || res.status === 408 || (!api && res.status !== 413)) {
          // Worth sending again: the site is busy or away, this host's clock may be set right,
          // or something before the site answered (a proxy's page).
          log.error('agent.batch_refused', { code, error, batch_id: batch.batch_id, will_retry: true });
          this.retryLater(`${code}: ${error}`, Number(res.headers.get('retry-after') ?? 0) * 1000);
          return;
        }
        if (refused.length === 0 && entries > 1) {
          // A refusal that does not say which entries: halves until it does (or one entry is left).
          this.spool.split(batch);
          continue;
        }
        // Never taken as they are (too old, a monitor no longer assigned…): set aside in the
        // dead-letter file with the site's reason, and the rest sent again.
        const all = [...batch.results.map((_, index) => ({ list: 'results' as const, index })), ...batch.controls.map((_, index) => ({ list: 'controls' as const, index }))];
        const aside = refused.length > 0 ? refused : all.map((e) => ({ ...e, code, error }));
        const moved = this.spool.setAside(batch, aside);
        this.lastRefusal = `${code}: ${error}`.slice(0, 400);
        log.error('agent.results_refused', { code, error, batch_id: batch.batch_id, set_aside: moved, dead_letter: this.spool.deadLetterPath });
        if (moved === 0) return this.retryLater(`${code}: ${error}`); // named nothing it holds: never loop
      }
    } finally {
      this.sending = false;
    }
  }

  private retryLater(reason: string, atLeastMs = 0): void {
    if (this.lastError !== reason) log.warn('agent.send_failed', { error: reason, spool: this.spool.count() });
    this.lastError = reason;
    this.backoffUntil = Date.now() + Math.max(this.backoffMs, atLeastMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
  }
}
