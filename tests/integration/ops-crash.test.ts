import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/temp';
import { openDatabase } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';

const root = resolve('.');
const START = Date.UTC(2026, 9, 1);
const PER_BATCH = 10; // checks per monitor in one transaction

/**
 * Runs a real process that writes check batches through CheckStore as fast as it can and
 * prints `committed T` after each transaction, kills it with SIGKILL after `killAfter`
 * batches, and returns the last T it printed (every check before T was committed).
 */
async function writeThenKill(dir: string, dbPath: string, startAt: number, killAfter: number): Promise<{ committed: number; signal: string | null }> {
  const script = join(dir, 'writer.ts');
  writeFileSync(script, `
import { openDatabase } from ${JSON.stringify(join(root, 'src/lib/db'))};
import { CheckStore } from ${JSON.stringify(join(root, 'src/lib/checks/store'))};
const db = openDatabase(process.env.DATABASE_PATH!);
const store = new CheckStore(db);
const ids = (db.$client.prepare('SELECT id FROM monitors ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
let at = Number(process.env.START_AT);
for (;;) {
  const batch = [];
  for (const id of ids) for (let i = 0; i < ${PER_BATCH}; i++) batch.push({ monitorId: id, at: at + i * 1000, status: (at / 10000) % 7 === 0 ? 'down' as const : 'up' as const, latencyMs: 5, error: 'x'.repeat(i * 20) || null });
  store.record(batch);
  at += ${PER_BATCH * 1000};
  process.stdout.write('committed ' + at + '\\n');
}
`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, DATABASE_PATH: dbPath, START_AT: String(startAt), LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let committed = startAt;
  let lines = 0;
  let buf = '';
  const exited = new Promise<string | null>((done) => child.once('close', (_code, signal) => done(signal)));
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const line of parts) {
      const m = /^committed (\d+)$/.exec(line);
      if (!m) continue;
      committed = Number(m[1]);
      if (++lines === killAfter) child.kill('SIGKILL');
    }
  });
  const signal = await exited; // 'close' comes after stdout is drained: every printed line is read
  return { committed, signal };
}

describe('kill -9 in the middle of a burst of writes', () => {
  const tmp = tempDir('status-crash-');
  afterAll(() => tmp.remove());

  it('never corrupts the database and loses at most the checks in flight', async () => {
    const dbPath = join(tmp.dir, 'status.db');
    const db = openDatabase(dbPath);
    importInterchange(db, validateInterchange({
      version: 1,
      services: [{ slug: 'web', name: { ja: '広報啓発WEBサイト', en: 'Awareness website' }, sla_target_pct: 99.9 }],
      monitors: ['a', 'b', 'c'].map((s) => ({ slug: s, service: 'web', type: 'http', target: `http://127.0.0.1:9/${s}`, interval_s: 5, confirm: 2, counts_for_availability: true })),
    }));
    db.$client.close();

    let startAt = START;
    for (const killAfter of [150, 400, 997]) {
      const { committed, signal } = await writeThenKill(tmp.dir, dbPath, startAt, killAfter);
      expect(signal).toBe('SIGKILL');
      expect(committed).toBeGreaterThanOrEqual(startAt + killAfter * PER_BATCH * 1000);

      // Open it as the site would after the crash.
      const check = new Database(dbPath);
      try {
        expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(check.pragma('foreign_key_check')).toEqual([]);
        for (const id of check.prepare('SELECT id FROM monitors').pluck().all() as number[]) {
          const present = check.prepare('SELECT count(*) FROM checks WHERE monitor_id = ? AND at < ?').pluck().get(id, committed) as number;
          expect(present).toBe((committed - START) / 1000); // every committed check is there
          const beyond = check.prepare('SELECT count(*) FROM checks WHERE monitor_id = ? AND at >= ?').pluck().get(id, committed) as number;
          expect(beyond).toBeLessThanOrEqual(PER_BATCH); // at most the batch in flight
          const runs = check.prepare('SELECT sum(count) FROM check_runs WHERE monitor_id = ?').pluck().get(id) as number;
          expect(runs).toBe(present + beyond); // runs were written in the same transactions
        }
        startAt = (check.prepare('SELECT max(at) FROM checks').pluck().get() as number) + 1000;
      } finally {
        check.close();
      }
    }
  });
});
