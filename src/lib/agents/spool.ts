import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** One line of the spool: a check result or a control check, as the agent API takes them. */
export type SpoolEntry =
  | { k: 'r'; monitor_id: number; at: string; status: 'up' | 'degraded' | 'down'; latency_ms: number | null; error: string | null }
  | { k: 'c'; at: string; ok: boolean };

export interface SealedBatch {
  file: string;
  seq: number;
  batch_id: string;
  results: Omit<Extract<SpoolEntry, { k: 'r' }>, 'k'>[];
  controls: { at: string; ok: boolean }[];
}

/** `batch-<seq>.json`; a batch cut in two (too large for the site) becomes `…-0.json` and `…-1.json`, which sort in its place. */
const BATCH = /^batch-(\d{12})((?:-[01])*)\.json$/;
export const DEAD_LETTER_FILE = 'dead-letter.jsonl';

/** A line of the dead-letter file: an entry the site refused, and its reason. */
export interface DeadLetter {
  refused_at: string;
  code: string;
  error: string;
  entry: SpoolEntry;
}

/**
 * An agent's results on disk, in order, until the site has them. Each result is appended
 * to `current.jsonl` as it is made (a crash loses at most the line being written); sealing
 * turns it into `batch-<seq>.json` with a batch id that never changes, so a batch sent
 * again after a crash is stored once by the site. Bounded: past `maxResults` the oldest
 * batches are dropped, and counted. What the site refuses for good (too old, not assigned)
 * is moved to `dead-letter.jsonl` beside the batches, with the site's reason: never lost
 * without a trace, and never sent again by itself.
 */
export class Spool {
  private readonly current: string;
  private seq: number;
  private currentCount = 0;
  /** Results in each sealed batch file. */
  private readonly sizes = new Map<string, number>();
  dropped = 0;
  /** Entries in the dead-letter file. */
  deadLetters = 0;
  readonly deadLetterPath: string;

  constructor(readonly dir: string, private readonly maxResults: number) {
    mkdirSync(dir, { recursive: true });
    this.current = join(dir, 'current.jsonl');
    this.deadLetterPath = join(dir, DEAD_LETTER_FILE);
    if (existsSync(this.deadLetterPath)) this.deadLetters = readFileSync(this.deadLetterPath, 'utf8').split('\n').filter(Boolean).length;
    this.seq = Math.max(0, ...this.files().map((f) => Number(BATCH.exec(f)![1])));
    this.currentCount = this.readCurrent().length;
    for (const f of this.files()) {
      try {
        this.sizes.set(f, (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { results: unknown[] }).results.length);
      } catch {
        rmSync(join(dir, f), { force: true }); // not a whole batch: never renamed into place, so never sent
      }
    }
  }

  /** Sealed batch files, oldest first. */
  files(): string[] {
    return readdirSync(this.dir).filter((f) => BATCH.test(f)).sort();
  }

  append(entry: SpoolEntry): void {
    appendFileSync(this.current, `${JSON.stringify(entry)}\n`);
    this.currentCount++;
  }

  get pending(): number {
    return this.currentCount;
  }

  private readCurrent(): SpoolEntry[] {
    if (!existsSync(this.current)) return [];
    const out: SpoolEntry[] = [];
    for (const line of readFileSync(this.current, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as SpoolEntry);
      } catch {
        // A line cut short by a crash: the check it held is lost, nothing else.
      }
    }
    return out;
  }

  /** Turns what was appended into the next batch file (none when nothing was). */
  seal(): void {
    const entries = this.readCurrent();
    if (entries.length === 0) {
      rmSync(this.current, { force: true });
      this.currentCount = 0;
      return;
    }
    this.seq++;
    const name = `batch-${String(this.seq).padStart(12, '0')}.json`;
    const body = {
      batch_id: `${randomUUID()}`,
      results: entries.filter((e) => e.k === 'r').map(({ k: _k, ...r }) => r),
      controls: entries.filter((e) => e.k === 'c').map(({ k: _k, ...c }) => c),
    };
    writeDurably(join(this.dir, name), JSON.stringify(body));
    this.sizes.set(name, body.results.length);
    rmSync(this.current, { force: true });
    this.currentCount = 0;
    this.bound();
  }

  oldest(): SealedBatch | null {
    const file = this.files()[0];
    if (!file) return null;
    const body = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as Omit<SealedBatch, 'file' | 'seq'>;
    return { ...body, file, seq: Number(BATCH.exec(file)![1]) };
  }

  /**
   * Moves the named entries of a sealed batch to the dead-letter file, with the site's reason
   * for each, and keeps the rest in the batch (its id stays: the site stored nothing of it).
   */
  setAside(batch: SealedBatch, refused: ReadonlyArray<{ list: 'results' | 'controls'; index: number; code: string; error: string }>, now = Date.now()): number {
    const picked = { results: new Set<number>(), controls: new Set<number>() };
    const lines: string[] = [];
    for (const r of refused) {
      const item = r.list === 'results' ? batch.results[r.index] : batch.controls[r.index];
      if (!item || picked[r.list].has(r.index)) continue;
      picked[r.list].add(r.index);
      const entry: SpoolEntry = r.list === 'results' ? { k: 'r', ...(item as SealedBatch['results'][number]) } : { k: 'c', ...(item as SealedBatch['controls'][number]) };
      lines.push(JSON.stringify({ refused_at: new Date(now).toISOString(), code: r.code, error: r.error, entry } satisfies DeadLetter));
    }
    if (lines.length === 0) return 0;
    // Written (and synced) before the batch loses them: a crash in between sends them once more, never loses them.
    appendDurably(this.deadLetterPath, `${lines.join('\n')}\n`);
    this.deadLetters += lines.length;
    const rest = {
      batch_id: batch.batch_id,
      results: batch.results.filter((_, i) => !picked.results.has(i)),
      controls: batch.controls.filter((_, i) => !picked.controls.has(i)),
    };
    if (rest.results.length + rest.controls.length === 0) this.remove(batch.file);
    else this.replace(batch.file, [rest]);
    return lines.length;
  }

  /**
   * Cuts a sealed batch the site found too large into two, in its place in the order, each
   * with a new id. Both halves are written before the whole goes: after a crash in between
   * both are sent, and the site keeps each result once.
   */
  split(batch: SealedBatch): void {
    // Cut in the list of results then controls, so that each half holds at least one entry.
    const h = Math.ceil((batch.results.length + batch.controls.length) / 2);
    const r = Math.min(batch.results.length, h);
    const c = h - r;
    this.replace(batch.file, [
      { batch_id: randomUUID(), results: batch.results.slice(0, r), controls: batch.controls.slice(0, c) },
      { batch_id: randomUUID(), results: batch.results.slice(r), controls: batch.controls.slice(c) },
    ]);
  }

  /** Writes `bodies` in place of `file` (one: under its name; two: as its halves). */
  private replace(file: string, bodies: Array<Omit<SealedBatch, 'file' | 'seq'>>): void {
    const names = bodies.length === 1 ? [file] : bodies.map((_, i) => file.replace(/\.json$/, `-${i}.json`));
    bodies.forEach((body, i) => {
      writeDurably(join(this.dir, names[i]!), JSON.stringify(body));
      this.sizes.set(names[i]!, body.results.length);
    });
    if (!names.includes(file)) this.remove(file);
  }

  remove(file: string): void {
    rmSync(join(this.dir, file), { force: true });
    this.sizes.delete(file);
  }

  /** Results waiting in sealed batches. */
  count(): { batches: number; results: number } {
    let results = 0;
    for (const n of this.sizes.values()) results += n;
    return { batches: this.sizes.size, results };
  }

  private bound(): void {
    let { results } = this.count();
    for (const f of this.files()) {
      if (results <= this.maxResults) break;
      const n = this.sizes.get(f) ?? 0;
      this.remove(f);
      results -= n;
      this.dropped += n;
    }
  }
}

/** Writes a file whole: to a temporary name, synced, renamed into place. */
function writeDurably(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

function appendDurably(path: string, text: string): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
