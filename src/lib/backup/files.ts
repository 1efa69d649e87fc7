import { createHash } from 'node:crypto';
import { createReadStream, closeSync, fsyncSync, openSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config';
import { processGone } from '../lease';

/** Backup files are named by their start instant in UTC, so names sort in time order. */
const NAME = /^status-(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.db$/;

export function backupFileName(at: number): string {
  const iso = new Date(at).toISOString(); // 2026-10-01T17:30:00.123Z
  return `status-${iso.slice(0, 10)}T${iso.slice(11, 19).replaceAll(':', '-')}-${iso.slice(20, 23)}Z.db`;
}

export function isBackupFileName(name: string): boolean {
  return NAME.test(name);
}

/** The backup folder: `backup.dir`, or `backups/` next to the database. */
export function backupDir(config: Config, databasePath: string): string {
  const dir = config.backup.dir;
  if (dir) return isAbsolute(dir) ? dir : resolve(dir);
  return join(dirname(resolve(databasePath)), 'backups');
}

/** The backup files in `dir`, oldest first (absolute paths). */
export function listBackupFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter(isBackupFileName).sort().map((n) => join(dir, n));
}

/** Deletes the oldest backup files beyond `keep`; returns how many remain. */
export function rotate(dir: string, keep: number): number {
  const files = listBackupFiles(dir);
  for (const file of files.slice(0, Math.max(0, files.length - keep))) unlinkSync(file);
  return Math.min(files.length, keep);
}

/** The process that writes a `.partial` file (its name ends in `.<pid>.partial`), if named. */
function writerOf(name: string): number | null {
  const m = /\.(\d+)\.partial$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Removes `.partial` files a killed backup left behind: those whose process is gone (or is
 * this one, when it runs no backup), and unnamed ones older than an hour.
 */
export function removeStalePartials(dir: string, now: number, ours: { running: boolean }): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.endsWith('.partial')) continue;
    const file = join(dir, name);
    const pid = writerOf(name);
    try {
      const stale = pid === null ? now - statSync(file).mtimeMs > 3_600_000 : pid === process.pid ? !ours.running : processGone(pid);
      if (stale) {
        unlinkSync(file);
        removed.push(file);
      }
    } catch {
      // gone already
    }
  }
  return removed;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (d) => hash.update(d)).on('error', fail).on('end', () => done(hash.digest('hex')));
  });
}

/** Flushes a file (or a folder's entries) to the disk. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
