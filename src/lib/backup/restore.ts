import Database from 'better-sqlite3';
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../errors';
import { openDatabase } from '../db';
import { log } from '../log';
import { verifyDatabaseFile, type Verification } from './verify';

export interface RestoreResult {
  /** The file restored from (absolute). */
  from: string;
  /** Where the database was restored (absolute DATABASE_PATH). */
  to: string;
  /** Where the database that was there before now is; null when there was none. */
  keptAside: string | null;
  verification: Verification;
}

function stamp(at: number): string {
  return new Date(at).toISOString().replace(/[:.]/g, '-');
}

/** Moves `from` (and its `-wal`) to `to`; drops a stale `-shm`. */
function moveDatabase(from: string, to: string): void {
  renameSync(from, to);
  if (existsSync(`${from}-wal`)) renameSync(`${from}-wal`, `${to}-wal`);
  rmSync(`${from}-shm`, { force: true });
}

/**
 * Refuses while another process (the site or the worker) has the database open: in WAL mode
 * an exclusive lock is only granted to a connection that is alone. On success the current
 * database is checkpointed into one self-contained file, ready to be moved aside.
 */
function takeOverCurrent(path: string): void {
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
  } catch {
    return; // not even openable: nothing can be using it as a database; it is moved aside as it is
  }
  try {
    db.pragma('busy_timeout = 1000');
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
      db.exec('COMMIT');
    } catch (err) {
      const message = (err as Error).message;
      if (/locked|busy/i.test(message)) {
        throw new AppError('CONFLICT', `the database ${path} is in use by a running site or worker; stop them first (for example: systemctl stop status-site status-worker), then restore`);
      }
      return; // a damaged database: move it aside as it is
    }
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('journal_mode = DELETE');
    } catch {
      // a damaged database keeps its -wal, which is moved aside with it
    }
  } finally {
    db.close();
  }
}

/**
 * Restores the backup `file` into `databasePath`: copies it next to the database, verifies
 * the copy (integrity check and "is this application's database"), keeps the current
 * database aside as `<DATABASE_PATH>.before-restore-<time>`, moves the verified copy into
 * place and applies any newer migrations. Refuses, changing nothing, a file that is not a
 * sound backup of this application, and a database that a running process has open.
 */
export function restoreDatabase(file: string, databasePath: string, now = Date.now()): RestoreResult {
  const from = resolve(file);
  const to = resolve(databasePath);
  if (!existsSync(from) || !statSync(from).isFile()) throw new AppError('NOT_FOUND', `no backup file at ${from}`);
  if (from === to) throw new AppError('VALIDATION', `${from} is the database itself; name a backup file`);

  const incoming = `${to}.restoring-${stamp(now)}`;
  const aside = existsSync(to) ? `${to}.before-restore-${stamp(now)}` : null;
  try {
    copyFileSync(from, incoming);
    if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${incoming}-wal`);
    const verification = verifyDatabaseFile(incoming, { prepare: true });
    if (!verification.ok) {
      throw new AppError('VALIDATION', `refusing to restore ${from}: ${verification.problem}. The current database was not touched.`);
    }
    if (aside) {
      takeOverCurrent(to);
      moveDatabase(to, aside);
    }
    try {
      moveDatabase(incoming, to);
      const db = openDatabase(to); // applies migrations newer than the backup
      db.$client.close();
    } catch (err) {
      // Put things back as they were.
      if (existsSync(to)) moveDatabase(to, `${to}.failed-restore-${stamp(now)}`);
      if (aside) moveDatabase(aside, to);
      throw new AppError('DATABASE', `restoring ${from} failed, the previous database is back in place: ${(err as Error).message}`);
    }
    log.info('backup.restored', { from, to, kept_aside: aside, checks: verification.counts?.checks ?? null });
    return { from, to, keptAside: aside, verification };
  } finally {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${incoming}${suffix}`, { force: true });
  }
}

