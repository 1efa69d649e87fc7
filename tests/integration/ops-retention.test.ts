import { afterAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDb, tempDir } from '../helpers/temp';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { CheckStore } from '../../src/lib/checks/store';
import { runRetention } from '../../src/lib/retention/retention';
import { processRollups, oldestPendingHour } from '../../src/lib/checks/rollups';
import { getSetting } from '../../src/lib/settings';
import { parseConfig } from '../../src/lib/config';
import { readEnv } from '../../src/lib/env';
import { backupJob } from '../../src/lib/jobs/backup';
import { retentionJob } from '../../src/lib/jobs/retention';
import { jobs } from '../../src/lib/jobs/index';
import { listBackupFiles } from '../../src/lib/backup/files';

const DAY = 86_400_000;
const NOW = Date.parse('2026-10-15T03:30:00+09:00');

/** One monitor checked every 5 minutes for `days` days up to NOW, with an outage every few days and one gap. */
function fill(db: Db, days: number): void {
  importInterchange(db, validateInterchange({
    version: 1,
    services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 }],
    monitors: [{ slug: 'web', service: 'elearning', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 300, confirm: 2, counts_for_availability: true }],
  }));
  const store = new CheckStore(db);
  const batch = [];
  for (let at = NOW - days * DAY; at < NOW; at += 300_000) {
    const day = Math.floor((at - (NOW - days * DAY)) / DAY);
    if (day === 20) continue; // a day without checks: a gap
    const down = day % 9 === 0 && (at % DAY) < 3_600_000;
    batch.push({ monitorId: 1, at, status: down ? 'down' as const : 'up' as const, latencyMs: 100, error: down ? 'HTTP 503 '.repeat(20) : null });
  }
  store.record(batch);
}

/** A database made before new files got incremental auto-vacuum. */
function withoutAutoVacuum(db: Db): void {
  db.$client.pragma('auto_vacuum = NONE');
  db.$client.exec('VACUUM');
}

const derived = (db: Db) => ({
  runs: db.$client.prepare('SELECT * FROM check_runs ORDER BY first_at').all(),
  gaps: db.$client.prepare('SELECT * FROM check_gaps ORDER BY start').all(),
});

describe('nightly retention', () => {
  it('keeps raw checks of hours whose rollups are not computed yet', async () => {
    const t = tempDb();
    try {
      fill(t.db, 450);
      const pending = oldestPendingHour(t.db)!;
      expect(pending).toBeLessThan(NOW - 400 * DAY);
      const before = t.db.$client.prepare('SELECT count(*) FROM checks WHERE at >= ?').pluck().get(pending);
      const result = await runRetention(t.db, { checksDays: 400, compact: false }, NOW);
      expect(result.cutoff).toBe(pending);
      expect(t.db.$client.prepare('SELECT count(*) FROM checks WHERE at >= ?').pluck().get(pending)).toBe(before);
    } finally {
      t.close();
    }
  });

  it('deletes raw checks older than the configured days, keeps runs and gaps, and compacts the file', async () => {
    const t = tempDb();
    try {
      withoutAutoVacuum(t.db);
      fill(t.db, 500);
      const c = t.db.$client;
      const before = derived(t.db);
      expect(before.gaps.length).toBeGreaterThan(0);
      const total = c.prepare('SELECT count(*) FROM checks').pluck().get() as number;
      c.pragma('wal_checkpoint(TRUNCATE)');
      const sizeBefore = statSync(t.path).size;

      while (processRollups(t.db, 'Asia/Tokyo', NOW).hours > 0);
      const first = await runRetention(t.db, { checksDays: 400, compact: true, batchSize: 1000, minFreeBytes: 0, convertAtFreeRatio: 0.1 }, NOW);
      const cutoff = NOW - 400 * DAY;
      expect(first.cutoff).toBe(cutoff);
      expect(c.prepare('SELECT count(*) FROM checks WHERE at < ?').pluck().get(cutoff)).toBe(0);
      expect(c.prepare('SELECT count(*) FROM checks').pluck().get()).toBe(total - first.deletedChecks);
      expect(first.deletedChecks).toBe(100 * 288 - 288); // 100 days, less the day without checks
      expect(derived(t.db)).toEqual(before); // runs and gaps are never deleted
      expect(getSetting(t.db, 'retention.checks_before')).toBe(String(cutoff));
      expect(JSON.parse(getSetting(t.db, 'retention.last_run')!)).toMatchObject({ at: NOW, deletedChecks: first.deletedChecks });

      // The database had no auto-vacuum: converted once by a VACUUM, in WAL mode still.
      expect(first.compaction).toBe('vacuum');
      expect(c.pragma('auto_vacuum', { simple: true })).toBe(2);
      expect(c.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(c.pragma('freelist_count', { simple: true })).toBe(0);
      expect(first.bytesAfter).toBeLessThan(first.bytesBefore);
      expect(statSync(t.path).size).toBeLessThan(sizeBefore);
      expect(statSync(`${t.path}-wal`).size).toBe(0);
      expect(c.pragma('integrity_check', { simple: true })).toBe('ok');

      // Later nights: incremental vacuum gives the space back.
      const second = await runRetention(t.db, { checksDays: 200, compact: true }, NOW);
      expect(second.deletedChecks).toBe(200 * 288);
      expect(second.compaction).toBe('incremental');
      expect(second.bytesAfter).toBeLessThan(second.bytesBefore);
      expect(c.pragma('freelist_count', { simple: true })).toBe(0);
      expect(derived(t.db)).toEqual(before);

      // Nothing to do: nothing deleted, nothing compacted.
      while (processRollups(t.db, 'Asia/Tokyo', NOW).hours > 0);
      const third = await runRetention(t.db, { checksDays: 200, compact: true }, NOW);
      expect(third).toMatchObject({ deletedChecks: 0, compaction: 'none' });
    } finally {
      t.close();
    }
  });

  it('leaves a database without auto-vacuum alone while little space is free', async () => {
    const t = tempDb();
    try {
      withoutAutoVacuum(t.db);
      fill(t.db, 60);
      while (processRollups(t.db, 'Asia/Tokyo', NOW).hours > 0);
      const r = await runRetention(t.db, { checksDays: 59, compact: true }, NOW);
      expect(r.deletedChecks).toBe(288);
      expect(r.compaction).toBe('none');
      expect(t.db.$client.pragma('auto_vacuum', { simple: true })).toBe(0);
    } finally {
      t.close();
    }
  });
});

describe('the nightly jobs of the worker', () => {
  const tmp = tempDir('status-jobs-');
  afterAll(() => tmp.remove());

  it('are registered, back up at 02:30 JST once a night and run retention at 03:30', async () => {
    expect(jobs).toContain(backupJob);
    expect(jobs).toContain(retentionJob);
    const dbPath = join(tmp.dir, 'status.db');
    const db = openDatabase(dbPath);
    fill(db, 3);
    const config = parseConfig({ backup: { generations: 2 } });
    const env = readEnv({ DATABASE_PATH: dbPath });
    let now = Date.parse('2026-10-16T02:29:00+09:00');
    const ctx = { db, config, env, now: () => now };
    const count = () => db.$client.prepare("SELECT count(*) FROM backups WHERE trigger = 'schedule' AND ok = 1").pluck().get();

    await backupJob.run(ctx);
    expect(count()).toBe(0);
    now = Date.parse('2026-10-16T02:30:00+09:00');
    await backupJob.run(ctx);
    expect(count()).toBe(1);
    now += 60_000;
    await backupJob.run(ctx);
    expect(count()).toBe(1);
    // The worker was down the next night: made up when it is back, at 09:00.
    now = Date.parse('2026-10-18T09:00:00+09:00');
    await backupJob.run(ctx);
    expect(count()).toBe(2);
    now = Date.parse('2026-10-19T02:30:00+09:00');
    await backupJob.run(ctx);
    expect(count()).toBe(3);
    expect(listBackupFiles(join(tmp.dir, 'backups'))).toHaveLength(2);

    now = Date.parse('2026-10-19T03:30:00+09:00');
    await retentionJob.run({ ...ctx, config: parseConfig({ retention: { checks_days: 35 } }) });
    expect(JSON.parse(getSetting(db, 'retention.last_run')!).at).toBe(now);
    db.$client.close();
  });

  it('does not back up when backups are disabled', async () => {
    const dbPath = join(tmp.dir, 'off.db');
    const db = openDatabase(dbPath);
    const now = Date.parse('2026-10-16T02:30:00+09:00');
    await backupJob.run({ db, config: parseConfig({ backup: { enabled: false } }), env: readEnv({ DATABASE_PATH: dbPath }), now: () => now });
    expect(db.$client.prepare('SELECT count(*) FROM backups').pluck().get()).toBe(0);
    db.$client.close();
  });
});
