import { copyFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db';
import { backups } from '../../../db/schema/index';
import { log } from '../log';
import { verifyDatabaseFile } from './verify';
import { backupFileName, fsyncPath, removeStalePartials, rotate, sha256File } from './files';
import { raiseBackupAlarm } from './alarm';
import { copyAndCheck } from './copy-worker';
import { processGone } from '../lease';

export type BackupTrigger = 'schedule' | 'manual';

export interface BackupOptions {
  /** Folder of the backup files (created when missing). */
  dir: string;
  /** Generations kept in `dir` (and in `copyTo`). */
  generations: number;
  /** A second folder that receives a copy of each backup. */
  copyTo?: string | null;
  trigger: BackupTrigger;
  /** Who receives the alarm mail of a failed backup (`alarms.operators`). */
  alarmTo?: readonly string[];
  /** The zone of the times in the alarm mail. */
  zone?: string;
  now?: () => number;
}

export type BackupRecord = typeof backups.$inferSelect;

/**
 * One backup: copy online into a `.partial` file (in a worker thread, src/lib/backup/copy-worker.ts,
 * with SQLite's online backup API, while the site serves and the probe writes), verify the copy (integrity check and
 * "is this application's database"), record its size and SHA-256, move it into place,
 * rotate the generations, copy it to the second folder if configured. Every attempt is a
 * row in `backups`; a failed one raises an alarm. Never throws for a failed backup: the
 * returned record has `ok = false` and `error`.
 */
export async function runBackup(db: Db, options: BackupOptions): Promise<BackupRecord> {
  const now = options.now ?? Date.now;
  const dir = resolve(options.dir);
  settleInterruptedBackups(db, dir, now());
  const startedAt = now();
  const { id } = db.insert(backups).values({ trigger: options.trigger, startedAt, ok: false, pid: process.pid }).returning({ id: backups.id }).get();
  running.add(id);
  try {
    return await backUp(db, options, id, startedAt, dir);
  } finally {
    running.delete(id);
  }
}

/** The backups this process is making now (a row of this pid not among them was interrupted). */
const running = new Set<number>();

/**
 * A backup killed before it finished (kill -9, a crash, a power cut) leaves its row without
 * a finish time and its `.partial` file. At the next start of the worker and the next
 * backup, a row whose process is gone is marked interrupted (failed, with that reason) and
 * such files are removed. Returns the rows marked.
 */
export function settleInterruptedBackups(db: Db, dir: string, at: number = Date.now()): number[] {
  removeStalePartials(dir, Date.now(), { running: running.size > 0 });
  const open = db.select({ id: backups.id, pid: backups.pid }).from(backups).where(isNull(backups.finishedAt)).all();
  const interrupted = open.filter((r) => r.pid === null || (r.pid === process.pid ? !running.has(r.id) : processGone(r.pid))).map((r) => r.id);
  for (const id of interrupted) {
    db.update(backups).set({ ok: false, finishedAt: at, error: 'interrupted: the backup process ended before the backup was finished' })
      .where(and(eq(backups.id, id), isNull(backups.finishedAt))).run();
    log.warn('backup.interrupted', { id });
  }
  return interrupted;
}

async function backUp(db: Db, options: BackupOptions, id: number, startedAt: number, dir: string): Promise<BackupRecord> {
  const now = options.now ?? Date.now;
  const finalPath = join(dir, backupFileName(startedAt));
  const partial = join(dir, `.${basename(finalPath)}.${process.pid}.partial`);
  let stage = 'preparing the backup folder';
  try {
    mkdirSync(dir, { recursive: true });
    stage = 'copying the database';
    const t0 = Date.now();
    const { restarts, integrity } = await copyAndCheck(db.$client.name, partial);
    stage = 'verifying the copy';
    const check = verifyDatabaseFile(partial, { integrity, counts: false });
    if (!check.ok) throw new Error(`the copy ${check.problem}`);
    stage = 'writing the copy to disk';
    fsyncPath(partial);
    const sizeBytes = statSync(partial).size;
    const sha256 = await sha256File(partial);
    renameSync(partial, finalPath);
    fsyncPath(dir);
    const generationsKept = rotate(dir, options.generations);
    db.update(backups).set({ path: finalPath, sizeBytes, sha256, integrityResult: check.integrity, generationsKept }).where(eq(backups.id, id)).run();

    let copiedTo: string | null = null;
    let copyError: string | null = null;
    if (options.copyTo) {
      try {
        copiedTo = await copyToSecond(finalPath, resolve(options.copyTo), sha256, options.generations);
      } catch (err) {
        copyError = `the backup is good, but copying it to ${options.copyTo} failed: ${(err as Error).message}`;
        raiseBackupAlarm(db, options.alarmTo ?? [], copyError, now(), options.zone);
      }
    }
    const finishedAt = now();
    db.update(backups).set({ ok: true, finishedAt, copiedTo, error: copyError }).where(eq(backups.id, id)).run();
    log.info('backup.done', { trigger: options.trigger, path: finalPath, size_bytes: sizeBytes, sha256, generations_kept: generationsKept, copied_to: copiedTo, restarts, ms: Date.now() - t0 });
    return db.select().from(backups).where(eq(backups.id, id)).get()!;
  } catch (err) {
    removeQuietly(partial);
    const error = `${stage}: ${(err as Error).message}`;
    db.update(backups).set({ ok: false, finishedAt: now(), error }).where(eq(backups.id, id)).run();
    raiseBackupAlarm(db, options.alarmTo ?? [], `backup failed while ${error}`, now(), options.zone);
    return db.select().from(backups).where(eq(backups.id, id)).get()!;
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing to remove, or the folder itself is the problem (reported already)
  }
}

/** Copies a verified backup into the second folder, checks the copy's SHA-256, rotates there too. */
async function copyToSecond(file: string, dir: string, sha256: string, generations: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, basename(file));
  const partial = `${join(dirname(target), `.${basename(target)}`)}.${process.pid}.partial`;
  try {
    copyFileSync(file, partial);
    fsyncPath(partial);
    const copied = await sha256File(partial);
    if (copied !== sha256) throw new Error('the copy differs from the backup (SHA-256 mismatch)');
    renameSync(partial, target);
    fsyncPath(dir);
  } catch (err) {
    removeQuietly(partial);
    throw err;
  }
  rotate(dir, generations);
  return target;
}

/** The latest backup attempts, newest first (for the monthly report and the admin pages). */
export function recentBackups(db: Db, limit = 50): BackupRecord[] {
  return db.select().from(backups).orderBy(desc(backups.startedAt), desc(backups.id)).limit(limit).all();
}
