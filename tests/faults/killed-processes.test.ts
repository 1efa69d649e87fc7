import { describe, it, expect, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp';
import { startSite, waitFor, runScript, builtScript } from '../helpers/site';
import { startWorker, logEvents } from '../helpers/worker';
import { openDatabase } from '../../src/lib/db';
import { readLease } from '../../src/lib/lease';
import { PROBE_LEASE } from '../../src/lib/probe/probe';

/** A database large enough (about 150 MB) that a backup takes long enough to be killed midway. */
function bigDatabase(path: string): void {
  const db = openDatabase(path);
  const insert = db.$client.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
  const filler = 'x'.repeat(100_000);
  db.$client.transaction(() => {
    for (let i = 0; i < 1500; i++) insert.run(`filler.${i}`, `${filler}${i}`);
  })();
  db.$client.close();
}

/** Starts `npm run backup` and kills it (kill -9) once its `.partial` copy exists. */
async function killBackupMidway(dbPath: string, backups: string): Promise<void> {
  const child = spawn(process.execPath, [builtScript('scripts/backup.ts')], { env: { ...process.env, DATABASE_PATH: dbPath, LOG_LEVEL: 'error' }, stdio: 'ignore' });
  const exited = new Promise((done) => child.on('exit', done));
  await waitFor(() => existsSync(backups) && readdirSync(backups).some((n) => n.endsWith('.partial')), 30_000, 2);
  child.kill('SIGKILL');
  await exited;
}

describe('processes killed or stopped under npm start', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('a worker stopped alone (SIGTERM, status 0) is started again at once, not handled as a crash', async () => {
    const { dir, remove } = tempDir('fault-worker-exit-');
    cleanup.push(remove);
    const dbPath = join(dir, 'status.db');
    openDatabase(dbPath).$client.close();
    const site = await startSite({ DATABASE_PATH: dbPath, LOG_LEVEL: 'info' });
    cleanup.push(() => site.stop());
    const db = openDatabase(dbPath);
    cleanup.push(() => db.$client.close());
    const first = await waitFor(() => readLease(db, PROBE_LEASE)?.pid, 30_000, 100);
    process.kill(first, 'SIGTERM');
    const stoppedAt = Date.now();
    const second = await waitFor(() => {
      const pid = readLease(db, PROBE_LEASE)?.pid;
      return pid && pid !== first ? pid : null;
    }, 20_000, 50);
    expect(second).not.toBe(first);
    // Started again after the short pause of a planned restart, not the crash pause of 5 s
    // (the rest of the time is the worker's own stop and start, slow on a busy machine).
    expect(logEvents(site.output(), 'start.probe_exited')).toEqual([]);
    expect(logEvents(site.output(), 'start.probe_restarting')).toMatchObject([{ restart_in_s: 1 }]);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
  }, 120_000);

  it('a killed backup leaves no unfinished row and no partial file: the next backup, and the next start of the worker, mark it interrupted and remove its file', async () => {
    const { dir, remove } = tempDir('fault-backup-kill-');
    cleanup.push(remove);
    const dbPath = join(dir, 'status.db');
    const backups = join(dir, 'backups');
    bigDatabase(dbPath);
    const rows = () => {
      const db = openDatabase(dbPath, { readonly: true });
      try {
        return db.$client.prepare('SELECT ok, finished_at IS NOT NULL AS finished, error FROM backups ORDER BY id').all() as Array<{ ok: number; finished: number; error: string | null }>;
      } finally {
        db.$client.close();
      }
    };
    const partials = () => readdirSync(backups).filter((n) => n.endsWith('.partial'));

    await killBackupMidway(dbPath, backups);
    expect(rows()).toEqual([{ ok: 0, finished: 0, error: null }]);
    expect(partials()).toHaveLength(1);
    // The next backup settles the killed one first.
    const next = await runScript('scripts/backup.ts', [], { DATABASE_PATH: dbPath, LOG_LEVEL: 'error' });
    expect(next.status, next.stderr).toBe(0);
    expect(rows()).toEqual([
      { ok: 0, finished: 1, error: expect.stringMatching(/^interrupted/) },
      { ok: 1, finished: 1, error: null },
    ]);
    expect(partials()).toEqual([]);

    // Killed again: the worker's start settles it.
    await killBackupMidway(dbPath, backups);
    expect(partials()).toHaveLength(1);
    const worker = startWorker({ DATABASE_PATH: dbPath });
    cleanup.push(() => worker.stop());
    await waitFor(() => logEvents(worker.output(), 'probe.started').length === 1, 30_000, 100);
    await waitFor(() => rows().every((r) => r.finished === 1), 10_000, 100);
    expect(rows().map((r) => r.error?.replace(/:.*/, '') ?? null)).toEqual(['interrupted', null, 'interrupted']);
    expect(partials()).toEqual([]);
  }, 180_000);
});
