import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
  results: Extract<SpoolEntry, { k: 'r' }>[];
  controls: { at: string; ok: boolean }[];
}

const BATCH = /^batch-(\d{12})\.json$/;

/**
 * An agent's results on disk, in order, until the site has them. Each result is appended
 * to `current.jsonl` as it is made (a crash loses at most the line being written); sealing
 * turns it into `batch-<seq>.json` with a batch id that never changes, so a batch sent
 * again after a crash is stored once by the site. Bounded: past `maxResults` the oldest
 * batches are dropped, and counted.
 */
export class Spool {
  private readonly current: string;
  private seq: number;
  private currentCount = 0;
  /** Results in each sealed batch file. */
  private readonly sizes = new Map<string, number>();
  dropped = 0;

  constructor(readonly dir: string, private readonly maxResults: number) {
    mkdirSync(dir, { recursive: true });
    this.current = join(dir, 'current.jsonl');
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
    const tmp = join(this.dir, `${name}.tmp`);
    writeFileSync(tmp, JSON.stringify(body));
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.dir, name));
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

  /** Replaces a sealed batch's results (its id stays: the site stored nothing of it). */
  rewrite(file: string, results: SealedBatch['results']): void {
    const path = join(this.dir, file);
    const body = JSON.parse(readFileSync(path, 'utf8')) as Omit<SealedBatch, 'file' | 'seq'>;
    writeFileSync(`${path}.tmp`, JSON.stringify({ ...body, results }));
    renameSync(`${path}.tmp`, path);
    this.sizes.set(file, results.length);
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
