import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/temp';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { CheckStore } from '../../src/lib/checks/store';
import { runBackup, recentBackups } from '../../src/lib/backup/backup';
import { restoreDatabase } from '../../src/lib/backup/restore';
import { listBackupFiles } from '../../src/lib/backup/files';
import { verifyDatabaseFile } from '../../src/lib/backup/verify';
import { AppError } from '../../src/lib/errors';

const root = resolve('.');
const START = Date.UTC(2026, 9, 1);

/** A database with two monitors and `perMonitor` checks each, one a second from START. */
function seed(path: string, perMonitor: number): Db {
  const db = openDatabase(path);
  importInterchange(db, validateInterchange({
    version: 1,
    services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 }],
    monitors: [
      { slug: 'web', service: 'elearning', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 5, confirm: 2, counts_for_availability: true },
      { slug: 'api', service: 'elearning', type: 'http', target: 'http://127.0.0.1:9/api', interval_s: 5, confirm: 2, counts_for_availability: true },
    ],
  }));
  const store = new CheckStore(db);
  const ids = (db.$client.prepare('SELECT id FROM monitors ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
  for (let from = 0; from < perMonitor; from += 10_000) {
    const batch = [];
    for (const id of ids) for (let i = from; i < Math.min(perMonitor, from + 10_000); i++) batch.push({ monitorId: id, at: START + i * 1000, status: i % 97 === 0 ? 'down' as const : 'up' as const, latencyMs: 20 + (i % 50), error: null });
    store.record(batch);
  }
  return db;
}

/**
 * A real process that writes check batches through CheckStore as fast as it can and prints
 * `committed T` after each transaction: every check before T is then on disk.
 */
function startWriter(dir: string, dbPath: string, startAt: number): { child: ChildProcess; committed: () => number; lines: () => number; ready: Promise<void> } {
  const script = join(dir, 'writer.ts');
  writeFileSync(script, `
import { openDatabase } from ${JSON.stringify(join(root, 'src/lib/db'))};
import { CheckStore } from ${JSON.stringify(join(root, 'src/lib/checks/store'))};
const db = openDatabase(process.env.DATABASE_PATH!, { migrate: false });
const store = new CheckStore(db);
const ids = (db.$client.prepare('SELECT id FROM monitors ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
let at = Number(process.env.START_AT);
process.stdout.write('ready\\n');
const loop = () => {
  for (let k = 0; k < 20; k++) {
    const batch = [];
    for (const id of ids) for (let i = 0; i < 10; i++) batch.push({ monitorId: id, at: at + i * 1000, status: (at / 1000) % 13 === 0 ? 'down' as const : 'up' as const, latencyMs: 5, error: null });
    store.record(batch);
    at += 10_000;
    process.stdout.write('committed ' + at + '\\n');
  }
  setImmediate(loop);
};
loop();
`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, DATABASE_PATH: dbPath, START_AT: String(startAt), LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let committed = startAt;
  let lines = 0;
  let buf = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const line of parts) {
      if (line === 'ready') onReady();
      const m = /^committed (\d+)$/.exec(line);
      if (m) {
        committed = Number(m[1]);
        lines++;
      }
    }
  });
  return { child, committed: () => committed, lines: () => lines, ready };
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
}

/** Every check of every monitor from START up to (not including) `before` is present, and runs agree with checks. */
function assertChecksThrough(path: string, before: number): void {
  const db = new Database(path, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const monitors = db.prepare('SELECT id FROM monitors').pluck().all() as number[];
    expect(monitors).toHaveLength(2);
    for (const id of monitors) {
      const n = db.prepare('SELECT count(*) FROM checks WHERE monitor_id = ? AND at >= ? AND at < ?').pluck().get(id, START, before) as number;
      expect(n).toBe((before - START) / 1000);
      const runs = db.prepare('SELECT sum(count) FROM check_runs WHERE monitor_id = ?').pluck().get(id) as number;
      const all = db.prepare('SELECT count(*) FROM checks WHERE monitor_id = ?').pluck().get(id) as number;
      expect(runs).toBe(all);
    }
  } finally {
    db.close();
  }
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function runScript(script: string, args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', script), ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'error', ...env }, encoding: 'utf8' });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('online backup and verified restore', () => {
  const tmp = tempDir('status-backup-');
  const children: ChildProcess[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map(stopChild));
  });
  afterAll(() => tmp.remove());

  it('backs up while another process keeps writing, and the restored database holds every check committed before the backup', async () => {
    const dbPath = join(tmp.dir, 'busy', 'status.db');
    mkdirSync(join(tmp.dir, 'busy'));
    const seeded = 60_000;
    seed(dbPath, seeded).$client.close();
    const writer = startWriter(tmp.dir, dbPath, START + seeded * 1000);
    children.push(writer.child);
    await writer.ready;
    await until(() => writer.lines() >= 20);

    const db = openDatabase(dbPath);
    const committedBefore = writer.committed();
    const record = await runBackup(db, { dir: join(tmp.dir, 'busy', 'backups'), generations: 5, trigger: 'manual' });
    const linesAfter = writer.lines();
    db.$client.close();
    await stopChild(writer.child);

    expect(record.error).toBeNull();
    expect(record.ok).toBe(true);
    expect(record.integrityResult).toBe('ok');
    expect(record.sizeBytes).toBe(statSync(record.path!).size);
    expect(record.sha256).toBe(sha(record.path!));
    expect(linesAfter).toBeGreaterThan(20); // the writer kept committing during the backup

    // Restore into a fresh place and find every check committed before the backup began.
    const target = join(tmp.dir, 'busy', 'restored.db');
    const result = restoreDatabase(record.path!, target);
    expect(result.keptAside).toBeNull();
    assertChecksThrough(target, committedBefore);
  });

  it('keeps five generations, in the backup folder and in the second folder', async () => {
    const dbPath = join(tmp.dir, 'gen', 'status.db');
    mkdirSync(join(tmp.dir, 'gen'));
    const db = seed(dbPath, 100);
    const dir = join(tmp.dir, 'gen', 'backups');
    const copyTo = join(tmp.dir, 'gen', 'second-disk');
    const made: string[] = [];
    for (let night = 0; night < 7; night++) {
      const at = Date.UTC(2026, 9, 1 + night, 17, 30);
      const rec = await runBackup(db, { dir, generations: 5, copyTo, trigger: 'schedule', now: () => at });
      expect(rec.ok).toBe(true);
      made.push(rec.path!);
      expect(rec.copiedTo).toBe(join(copyTo, rec.path!.split('/').pop()!));
    }
    const kept = listBackupFiles(dir);
    expect(kept).toEqual(made.slice(2));
    expect(readdirSync(copyTo).sort()).toEqual(made.slice(2).map((p) => p.split('/').pop()));
    expect(readdirSync(dir).filter((n) => n.endsWith('.partial'))).toEqual([]);
    const rows = recentBackups(db);
    expect(rows).toHaveLength(7);
    expect(rows[0]!.generationsKept).toBe(5);
    expect(rows.map((r) => r.ok)).toEqual(Array(7).fill(true));
    for (const f of kept) expect(sha(join(copyTo, f.split('/').pop()!))).toBe(sha(f));
    db.$client.close();
  });

  it('records a failed backup with its reason and raises an alarm (log event and mail to the operators)', async () => {
    const dbPath = join(tmp.dir, 'fail', 'status.db');
    mkdirSync(join(tmp.dir, 'fail'));
    const db = seed(dbPath, 10);
    writeFileSync(join(tmp.dir, 'fail', 'not-a-folder'), 'x');
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    let rec;
    try {
      rec = await runBackup(db, { dir: join(tmp.dir, 'fail', 'not-a-folder'), generations: 5, trigger: 'schedule', alarmTo: ['ops@example.jp'] });
    } finally {
      process.stderr.write = write;
    }
    expect(rec.ok).toBe(false);
    expect(rec.finishedAt).not.toBeNull();
    expect(rec.error).toMatch(/backup folder/);
    const alarm = lines.map((l) => JSON.parse(l) as { level: string; event: string; message?: string }).find((l) => l.event === 'backup.alarm');
    expect(alarm?.level).toBe('error');
    expect(alarm?.message).toMatch(/backup failed/);
    const mail = db.$client.prepare("SELECT kind, to_addr AS toAddr, subject, text FROM mail_outbox").all() as Array<{ kind: string; toAddr: string; subject: string; text: string }>;
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ kind: 'alarm', toAddr: 'ops@example.jp' });
    expect(mail[0]!.subject).toContain('Backup failed');
    expect(mail[0]!.text).toContain('preparing the backup folder');
    // The time as operators read it: JST, not the zone's identifier.
    expect(mail[0]!.text).toMatch(/時刻 \/ time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST\n/);
    expect(mail[0]!.text).not.toContain('Asia/Tokyo');
    db.$client.close();
  });

  describe('npm run backup / npm run restore', () => {
    const dir = join(tmp.dir, 'cli');
    const dbPath = join(dir, 'status.db');
    let backupFile = '';
    beforeAll(() => {
      mkdirSync(dir);
      seed(dbPath, 1000).$client.close();
    });

    it('npm run backup prints the new file\'s path on its last line', () => {
      const res = runScript('backup.ts', [], { DATABASE_PATH: dbPath });
      expect(res.status, res.stderr).toBe(0);
      const last = res.stdout.trimEnd().split('\n').at(-1)!;
      expect(last).toMatch(/\/backups\/status-\d{4}-\d{2}-\d{2}T[\d-]+Z\.db$/);
      expect(existsSync(last)).toBe(true);
      expect(verifyDatabaseFile(last).ok).toBe(true);
      backupFile = last;
    });

    it('restores a backup, keeping the current database aside', () => {
      // Damage the live data after the backup: delete every check.
      const db = openDatabase(dbPath);
      db.$client.exec('DELETE FROM checks');
      db.$client.close();
      const res = runScript('restore.ts', [backupFile], { DATABASE_PATH: dbPath });
      expect(res.status, res.stderr).toBe(0);
      expect(res.stdout).toContain('integrity ok');
      expect(res.stdout).toContain('2000 checks');
      const aside = /kept at (\S+)/.exec(res.stdout)![1]!;
      expect(existsSync(aside)).toBe(true);
      expect(new Database(aside, { readonly: true }).prepare('SELECT count(*) FROM checks').pluck().get()).toBe(0);
      assertChecksThrough(dbPath, START + 1000 * 1000);
    });

    it('refuses a corrupt backup, a truncated one, a foreign SQLite file and a text file, leaving the database untouched', () => {
      const corrupt = join(dir, 'corrupt.db');
      copyFileSync(backupFile, corrupt);
      const size = statSync(corrupt).size;
      const fd = openSync(corrupt, 'r+');
      for (let page = 2; page * 4096 < size; page += 3) writeSync(fd, Buffer.alloc(512, 0xa5), 0, 512, page * 4096 + 100);
      closeSync(fd);
      const truncated = join(dir, 'truncated.db');
      writeFileSync(truncated, readFileSync(backupFile).subarray(0, Math.floor(size / 2)));
      const foreign = join(dir, 'foreign.db');
      const other = new Database(foreign);
      other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (\'hello\')');
      other.close();
      const text = join(dir, 'notes.txt');
      writeFileSync(text, 'this is not a database\n'.repeat(300));

      const before = sha(dbPath);
      const cases: Array<[string, RegExp]> = [
        [corrupt, /integrity|malformed|not a database/],
        [truncated, /integrity|malformed|not a database/],
        [foreign, /not a database of this application/],
        [text, /not an SQLite database/],
      ];
      for (const [file, reason] of cases) {
        const res = runScript('restore.ts', [file], { DATABASE_PATH: dbPath });
        expect(res.status, file).not.toBe(0);
        expect(res.stderr).toContain(`refusing to restore ${file}`);
        expect(res.stderr).toMatch(reason);
        expect(res.stderr).toContain('The current database was not touched');
      }
      expect(sha(dbPath)).toBe(before);
      expect(readdirSync(dir).filter((n) => n.includes('restoring'))).toEqual([]);
    });

    it('refuses to restore while another process has the database open', async () => {
      const writer = startWriter(dir, dbPath, START + 2_000_000_000);
      children.push(writer.child);
      await writer.ready;
      const res = runScript('restore.ts', [backupFile], { DATABASE_PATH: dbPath });
      expect(res.status).toBe(3);
      expect(res.stderr).toMatch(/is in use by a running site or worker; stop them first/);
    });

    it('restores the newest backup with --latest, and explains its usage without a file', () => {
      const usage = runScript('restore.ts', [], { DATABASE_PATH: dbPath });
      expect(usage.status).toBe(2);
      expect(usage.stderr).toContain('usage: npm run restore -- FILE');
      expect(usage.stderr).toContain(backupFile);
      const res = runScript('restore.ts', ['--latest'], { DATABASE_PATH: dbPath });
      expect(res.status, res.stderr).toBe(0);
      expect(res.stdout).toContain(`verified ${backupFile}`);
    });
  });

  it('restoreDatabase refuses a missing file with NOT_FOUND', () => {
    expect(() => restoreDatabase(join(tmp.dir, 'nope.db'), join(tmp.dir, 'x.db'))).toThrow(AppError);
  });
});
