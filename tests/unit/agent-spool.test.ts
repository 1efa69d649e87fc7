import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Spool, DEAD_LETTER_FILE, type DeadLetter } from '../../src/lib/agents/spool';
import { tempDir } from '../helpers/temp';

/** The agent's spool on a real directory: halves in the batch's place, refused entries set aside, nothing lost. */
describe('agent spool', () => {
  const dirs: Array<() => void> = [];
  afterEach(() => {
    for (const remove of dirs.splice(0)) remove();
  });
  const spoolWith = (results: number, controls = 0) => {
    const { dir, remove } = tempDir('spool-');
    dirs.push(remove);
    const spool = new Spool(dir, 1_000_000);
    for (let i = 0; i < results; i++) spool.append({ k: 'r', monitor_id: 1, at: new Date(Date.UTC(2026, 11, 1, 0, 0, i)).toISOString(), status: 'up', latency_ms: i, error: null });
    for (let i = 0; i < controls; i++) spool.append({ k: 'c', at: new Date(Date.UTC(2026, 11, 1, 1, 0, i)).toISOString(), ok: true });
    spool.seal();
    return { dir, spool };
  };
  /** Every entry still waiting, oldest batch first. */
  const waiting = (spool: Spool) => {
    const out: string[] = [];
    for (const f of spool.files()) {
      const body = JSON.parse(readFileSync(join(spool.dir, f), 'utf8')) as { results: { latency_ms: number }[]; controls: { at: string }[] };
      out.push(...body.results.map((r) => `r${r.latency_ms}`), ...body.controls.map((c) => `c${c.at}`));
    }
    return out;
  };

  it('cuts a batch into halves that take its place in the order, each with an id of its own', () => {
    const { spool } = spoolWith(5);
    spool.append({ k: 'r', monitor_id: 1, at: new Date(Date.UTC(2026, 11, 2)).toISOString(), status: 'down', latency_ms: 99, error: 'x' });
    spool.seal();
    const before = waiting(spool);
    const first = spool.oldest()!;
    spool.split(first);
    expect(spool.files()).toEqual(['batch-000000000001-0.json', 'batch-000000000001-1.json', 'batch-000000000002.json']);
    expect(waiting(spool)).toEqual(before);
    const ids = spool.files().map((f) => (JSON.parse(readFileSync(join(spool.dir, f), 'utf8')) as { batch_id: string }).batch_id);
    expect(new Set([...ids, first.batch_id]).size).toBe(4);
    // Cut again, down to one entry a batch: the order holds at every depth.
    for (let b = spool.oldest(); b && b.results.length + b.controls.length > 1; b = spool.oldest()) spool.split(b);
    expect(waiting(spool)).toEqual(before);
    expect(spool.count()).toEqual({ batches: 5, results: 6 });
  });

  it('never leaves a half empty, whatever mix of results and controls the batch holds', () => {
    const { spool } = spoolWith(1, 1);
    spool.split(spool.oldest()!);
    expect(spool.files().map((f) => JSON.parse(readFileSync(join(spool.dir, f), 'utf8')) as { results: unknown[]; controls: unknown[] })
      .map((b) => b.results.length + b.controls.length)).toEqual([1, 1]);
  });

  it('moves refused entries to the dead-letter file with the reason, keeps the rest under the same id, and counts them across restarts', () => {
    const { dir, spool } = spoolWith(4, 2);
    const batch = spool.oldest()!;
    const moved = spool.setAside(batch, [
      { list: 'results', index: 1, code: 'too_old', error: 'older than 72 h' },
      { list: 'results', index: 1, code: 'too_old', error: 'older than 72 h' },
      { list: 'controls', index: 0, code: 'future_result', error: 'later than sent_at' },
      { list: 'results', index: 40, code: 'too_old', error: 'not in this batch' },
    ]);
    expect(moved).toBe(2);
    const dead = readFileSync(join(dir, DEAD_LETTER_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DeadLetter);
    expect(dead.map((d) => [d.code, d.error, d.entry.k])).toEqual([['too_old', 'older than 72 h', 'r'], ['future_result', 'later than sent_at', 'c']]);
    expect(dead[0]!.entry).toMatchObject({ monitor_id: 1, latency_ms: 1 });
    const rest = spool.oldest()!;
    expect(rest.batch_id).toBe(batch.batch_id);
    expect(rest.results.map((r) => r.latency_ms)).toEqual([0, 2, 3]);
    expect(rest.controls).toHaveLength(1);
    expect(spool.deadLetters).toBe(2);
    expect(new Spool(dir, 1_000_000).deadLetters).toBe(2);
    // A batch whose every entry is refused is gone from the spool, its entries in the file.
    spool.setAside(rest, [
      ...[0, 1, 2].map((index) => ({ list: 'results' as const, index, code: 'foreign_monitor', error: 'not assigned' })),
      { list: 'controls', index: 0, code: 'too_old', error: 'old' },
    ]);
    expect(spool.files()).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual([DEAD_LETTER_FILE]);
    expect(spool.deadLetters).toBe(6);
  });
});
