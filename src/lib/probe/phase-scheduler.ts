/**
 * Runs each monitor on its own interval, for the local probe (./probe.ts) and the agents
 * (../agents/agent.ts) alike. Due times advance by whole intervals from a fixed phase per
 * monitor, so checks neither drift nor bunch up; intervals missed (a suspended machine) are
 * skipped, never run all at once; a limit on checks in flight keeps a crowd of hanging
 * targets from starving the others, each bounded by its timeout.
 */
export interface SchedulerOptions<T> {
  /** The clock due times are read on (the wall clock). */
  now: () => number;
  /** Checks in flight at most; more wait their turn. */
  concurrency: number;
  /** Runs one due check of `item`, due at `dueAt`. */
  run: (item: T, dueAt: number) => Promise<void>;
  /** The monitor's newest stored check, if any: a restart then resumes on its phase (below). */
  lastCheckAt?: (id: number) => number | undefined;
}

interface Scheduled<T> {
  item: T;
  /** The item as it was scheduled: a change to any of it schedules it again. */
  key: string;
  intervalMs: number;
  timer: NodeJS.Timeout | null;
  /** The instant the next check is due; advanced by the interval, so it never drifts. */
  dueAt: number;
  /** Where in its interval this monitor's checks fall (ms after each multiple of the interval). */
  phase: number;
}

/** Where in its interval a monitor's checks fall: 1,000 monitors of one interval are spread over it. */
export function phaseOf(id: number, intervalMs: number): number {
  return (id * 7919) % intervalMs;
}

/**
 * How late a check may start and still count as on its slot: its next check is due a whole
 * interval after the slot, not after the late start (a restart reads the start's stamp).
 */
export function lateness(intervalMs: number): number {
  return Math.min(intervalMs / 10, 500);
}

/** The first instant after `t` on the phase. */
export function nextOnPhase(t: number, phase: number, intervalMs: number): number {
  return t - ((t - phase) % intervalMs) + intervalMs;
}

export class PhaseScheduler<T> {
  private readonly scheduled = new Map<number, Scheduled<T>>();
  private readonly queue: Array<() => void> = [];
  inFlight = 0;

  constructor(private readonly o: SchedulerOptions<T>) {}

  /** How many monitors are scheduled. */
  get size(): number {
    return this.scheduled.size;
  }

  /** Schedules exactly these monitors: new ones start, changed ones are scheduled again, others stop. */
  apply(entries: ReadonlyArray<{ id: number; intervalMs: number; item: T }>): void {
    const seen = new Set<number>();
    for (const { id, intervalMs, item } of entries) {
      seen.add(id);
      const key = JSON.stringify(item);
      const existing = this.scheduled.get(id);
      if (existing && existing.key === key) continue;
      if (existing?.timer) clearTimeout(existing.timer);
      const phase = phaseOf(id, intervalMs);
      const now = this.o.now();
      const dueAt = nextOnPhase(now, phase, intervalMs);
      // A monitor checked within its interval (a restart) resumes on its phase, a whole
      // interval after its last check at the earliest. A new or overdue one is checked soon
      // (first checks spread over ten seconds, so a start with a thousand monitors is no
      // burst), then on its phase (see arm: never sooner than an interval after that).
      const last = this.o.lastCheckAt?.(id);
      const first = last !== undefined && last > now - intervalMs
        ? nextOnPhase(Math.max(now, last + intervalMs - lateness(intervalMs)), phase, intervalMs)
        : Math.min(dueAt, now + (phase % Math.min(intervalMs, 10_000)));
      const s: Scheduled<T> = { item, key, intervalMs, timer: null, phase, dueAt: existing ? Math.min(existing.dueAt, dueAt) : first };
      this.scheduled.set(id, s);
      this.arm(id, s);
    }
    for (const [id, s] of this.scheduled) {
      if (!seen.has(id)) {
        if (s.timer) clearTimeout(s.timer);
        this.scheduled.delete(id);
      }
    }
  }

  /** Runs `task` within the limit of checks in flight (a control check, say). */
  enqueue(task: () => Promise<void>): void {
    const go = () => {
      this.inFlight++;
      void task().finally(() => {
        this.inFlight--;
        this.queue.shift()?.();
      });
    };
    if (this.inFlight < this.o.concurrency) go();
    else this.queue.push(go);
  }

  /** Schedules nothing more and drops what waits its turn; checks in flight go on (`settled`). */
  stop(): void {
    for (const s of this.scheduled.values()) if (s.timer) clearTimeout(s.timer);
    this.scheduled.clear();
    this.queue.length = 0;
  }

  /** Resolves once no check is in flight. */
  async settled(): Promise<void> {
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private arm(id: number, s: Scheduled<T>): void {
    s.timer = setTimeout(() => {
      if (this.scheduled.get(id) !== s) return;
      const dueAt = s.dueAt;
      // The next instant on the phase a whole interval after this check: intervals missed are
      // skipped, the schedule never drifts, and a check off the phase (an overdue monitor's
      // first) is not followed by the next slot a moment later. A due time more than an
      // interval ahead was reckoned before the clock was set back: the next slot from now.
      const now = this.o.now();
      s.dueAt = nextOnPhase(dueAt > now + s.intervalMs ? now : Math.max(dueAt + s.intervalMs - lateness(s.intervalMs), now), s.phase, s.intervalMs);
      this.arm(id, s);
      this.enqueue(() => this.o.run(s.item, dueAt));
    }, Math.max(0, s.dueAt - this.o.now()));
  }
}
