import { getHeapStatistics } from 'node:v8';
import { earlierValuesServed, makeAnswer, type CachedAnswer } from './cache';
import type { SnapshotWriter } from './snapshot';
import { threadStats } from '../metrics/thread-stats';

/**
 * Keeps the public answers rendered, off the thread that serves visitors (it runs in the
 * render thread, ./render-thread.ts). Visitors never wait for a rebuild of an answer they
 * are reading: they get the answer in the cache, which this replaces once the data changed.
 *
 * The bound: an answer someone asked for in the last minute ("hot") is rebuilt when the data
 * changed, at most every RENDER_EVERY_MS (2 s), so it is at most 2 s plus one render behind
 * the data. The other standing answers (the snapshot's) are rebuilt on a change at most
 * every SNAPSHOT_EVERY_MS (30 s): nobody reads them meanwhile, and the first reader of one
 * (`check`) gets it rendered again first if the data changed since, so what anyone reads is
 * never more than the bound behind. Every answer is rebuilt after MAX_AGE_MS even if nothing
 * changed, since some follow the clock (a planned stop that begins, "last updated at"). A
 * change made through the site is rendered at once (`catchUp`), and its author's next
 * request waits for that. The snapshot is written from the same answers at most every 30 s
 * (and at once after a change made through the site), so it is at most a minute behind.
 */
export const RENDER_EVERY_MS = 2_000;
export const MAX_AGE_MS = 30_000;
export const SNAPSHOT_EVERY_MS = 30_000;
/** A key stays hot this long after its last request. */
export const HOT_FOR_MS = 60_000;
/**
 * Asked-for one-off addresses (not standing: an old or unknown incident) waiting at most;
 * past it the oldest is let go (its visitor, who waits a second at most, has gone). A flood of
 * endless addresses then delays the standing answers' renders by a bounded amount.
 */
export const ONE_OFFS_WAITING_AT_MOST = 32;

export interface Rendered {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RendererOptions {
  render: (key: string) => Promise<Rendered>;
  version: () => string;
  /** The answers kept ready whoever asks (./public-answers.ts standingKeys). */
  standing: () => string[];
  /** Hands a new answer to the serving thread. */
  publish: (answer: CachedAnswer) => void;
  /** Tells the serving thread that its answer for a key is current. */
  current: (key: string) => void;
  /** Tells the serving thread that an asked-for answer cannot be rendered now. */
  fail: (key: string, error: string) => void;
  /** Tells the serving thread that an asked-for one-off address will not be rendered (too many at once). */
  letGo: (key: string) => void;
  snapshot: SnapshotWriter | null;
  now?: () => number;
}

export class AnswerRenderer {
  private readonly answers = new Map<string, CachedAnswer>();
  private readonly hot = new Map<string, number>();
  /** Keys a visitor is waiting for: rendered before anything else, the standing ones first. */
  private readonly asked = new Set<string>();
  /** Of `asked`, those not standing, oldest first. */
  private readonly askedOneOffs = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private snapshotAt = 0;
  private standingAt = 0;
  /** The standing keys as the last cycle read them: a missing page is judged by these, not by a query each. */
  private standing = new Set<string>();
  /** The ETag of each answer as last written to the snapshot. */
  private readonly written = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly o: RendererOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Renders the standing answers, then keeps them and the asked-for ones current. */
  start(): Promise<void> {
    const first = this.enqueue(() => this.cycle(true));
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.enqueue(() => this.cycle(false)).finally(tick), RENDER_EVERY_MS);
      this.timer.unref?.();
    };
    void first.finally(tick);
    return first;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** A visitor asked for `key`: keep it current from now on. */
  requested(key: string): void {
    this.hot.set(key, this.now());
  }

  /** A visitor waits for `key`, which the serving thread does not have: rendered next. */
  ask(key: string): void {
    this.requested(key);
    this.asked.add(key);
    if (!this.standing.has(key)) {
      this.askedOneOffs.add(key);
      if (this.askedOneOffs.size > ONE_OFFS_WAITING_AT_MOST) {
        const oldest = this.askedOneOffs.values().next().value!;
        this.askedOneOffs.delete(oldest);
        this.asked.delete(oldest);
        this.hot.delete(oldest);
        this.o.letGo(oldest);
      }
    }
    void this.enqueue(() => this.renderAsked());
  }

  /**
   * The first visitor in a while of an answer the serving thread has: it is current (told
   * at once), or rendered again first.
   */
  check(key: string): void {
    this.requested(key);
    const a = this.answers.get(key);
    if (a && a.version === this.o.version() && this.now() - a.builtAt < MAX_AGE_MS) this.o.current(key);
    else this.ask(key);
  }

  /** The data changed through the site: the answers are rendered again now. */
  catchUp(): Promise<void> {
    return this.enqueue(() => this.cycle(false, true));
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.chain.then(job, job);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Renders what visitors wait for: the standing answers first (the status page before an unknown incident's). */
  private async renderAsked(): Promise<void> {
    while (this.asked.size > 0) {
      let key: string | undefined;
      for (const k of this.asked) {
        if (!this.askedOneOffs.has(k)) {
          key = k;
          break;
        }
      }
      key ??= this.askedOneOffs.values().next().value!;
      this.asked.delete(key);
      this.askedOneOffs.delete(key);
      await this.build(key, this.o.version(), true);
    }
  }

  private async build(key: string, version: string, mustPublish: boolean): Promise<CachedAnswer | null> {
    const previous = this.answers.get(key);
    let rendered: Rendered;
    const earlierBefore = earlierValuesServed();
    try {
      rendered = await this.o.render(key);
    } catch (err) {
      this.o.fail(key, (err as Error).message);
      return null;
    }
    if (rendered.status >= 500) {
      this.o.fail(key, `HTTP ${rendered.status}`);
      return null;
    }
    // Rendered from a computation made before the data's latest change: marked behind (a
    // version no data has), so the next cycle renders it again rather than keeping it as
    // current. (A request served meanwhile that used one marks it too: one render more.)
    const behind = earlierValuesServed() !== earlierBefore;
    const answer = makeAnswer(key, rendered, behind ? `${version}~behind` : version, this.now(), previous);
    // A missing page goes to whoever waits for it and is never kept current: a loop over
    // endless addresses (unknown months, incidents) costs one render each and keeps nothing.
    if (rendered.status === 404 && !this.standing.has(key)) {
      this.hot.delete(key);
      this.answers.delete(key);
      this.o.publish(answer);
      return answer;
    }
    this.answers.set(key, answer);
    if (mustPublish || previous?.etag !== answer.etag || previous.status !== answer.status) this.o.publish(answer);
    return answer;
  }

  private async cycle(first: boolean, urgent = false): Promise<void> {
    const startedAt = performance.now();
    const now = this.now();
    const version = this.o.version();
    const standing = (this.standing = new Set(this.o.standing()));
    const standingDue = now - this.standingAt >= SNAPSHOT_EVERY_MS;
    for (const [key, at] of this.hot) {
      if (now - at >= HOT_FOR_MS) {
        this.hot.delete(key);
        if (!standing.has(key)) this.answers.delete(key);
      }
    }
    let built = 0;
    // The standing answers someone is looking at first, then the other standing ones, then
    // the other pages people read (incident pages): one-off addresses never delay the status page.
    const keys = [...[...standing].filter((k) => this.hot.has(k)), ...[...standing].filter((k) => !this.hot.has(k)), ...[...this.hot.keys()].filter((k) => !standing.has(k))];
    for (const key of keys) {
      if (this.stopped) return;
      await this.renderAsked();
      const a = this.answers.get(key);
      const changed = !a || a.version !== version;
      const due = changed ? urgent || standingDue || this.hot.has(key) : now - a.builtAt >= MAX_AGE_MS;
      if (!due) continue;
      await this.build(key, version, false);
      built++;
    }
    if (standingDue && !urgent) this.standingAt = now;
    const stats = threadStats();
    const took = performance.now() - startedAt;
    Object.assign(stats, { cycles: stats.cycles + 1, cycleMsTotal: stats.cycleMsTotal + took, lastCycleMs: took, rendered: stats.rendered + built });
    if (process.env.RENDER_TRACE) {
      const heap = getHeapStatistics();
      const mb = (n: number) => (n / 1e6).toFixed(1);
      process.stderr.write(`render cycle ${built} answers in ${Date.now() - now} ms${first ? ' (first)' : ''}; heap ${mb(heap.used_heap_size)} of ${mb(heap.total_heap_size)} MB, external ${mb(heap.external_memory)} MB\n`);
    }
    if (this.o.snapshot && (urgent || first || now - this.snapshotAt >= SNAPSHOT_EVERY_MS)) this.writeSnapshot(standing, now);
  }

  /** Writes the standing answers that changed since they were last written. */
  private writeSnapshot(standing: Set<string>, now: number): void {
    const changed: CachedAnswer[] = [];
    for (const key of standing) {
      const a = this.answers.get(key);
      if (a && a.status === 200 && this.written.get(key) !== a.etag) changed.push(a);
    }
    this.snapshotAt = now;
    if (changed.length === 0) return;
    try {
      this.o.snapshot!.write(changed, now);
      for (const a of changed) this.written.set(a.key, a.etag);
    } catch (err) {
      this.o.fail('snapshot', (err as Error).message);
    }
  }
}
