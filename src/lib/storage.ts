import { statSync, statfsSync, accessSync, utimesSync, readdirSync, renameSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import type { Db } from './db';

/**
 * What can go wrong under the database file, named for operators: the disk is full, it is
 * read-only, the file was deleted or replaced under the running processes, or the disk fails.
 */
export type StorageCause = 'disk_full' | 'read_only' | 'file_gone' | 'file_replaced' | 'io_error';

export interface StorageFault {
  cause: StorageCause;
  /** One plain sentence for the log and /healthz. */
  message: string;
}

/** Free space below this on the database's file system counts as full (SQLite needs room for its WAL and pages). */
export const MIN_FREE_BYTES = 1024 * 1024;

export interface FileIdentity {
  path: string;
  dev: number;
  ino: number;
  /** The write-ahead log (`-wal`) and shared index (`-shm`) that went with the file when it was opened. */
  companions: Array<{ path: string; dev: number; ino: number }>;
}

const identities = new WeakMap<object, FileIdentity>();

/** Remembers which file (device and inode) a connection opened, to notice it deleted or replaced. */
export function rememberFileIdentity(client: object, path: string): void {
  try {
    const st = statSync(path);
    const companions = [`${path}-wal`, `${path}-shm`].flatMap((p) => {
      try {
        const c = statSync(p);
        return [{ path: p, dev: c.dev, ino: c.ino }];
      } catch {
        return [];
      }
    });
    identities.set(client, { path, dev: st.dev, ino: st.ino, companions });
  } catch {
    // In-memory or not yet created: nothing to compare.
  }
}

export function fileIdentityOf(db: Db): FileIdentity | null {
  return identities.get(db.$client) ?? null;
}

/**
 * Looks under a connection's database file: still the file it opened (same device and inode),
 * writable, with free space. Null when all is well. Cheap (a few system calls).
 */
export function checkStorage(db: Db): StorageFault | null {
  const id = fileIdentityOf(db);
  if (!id) return null;
  let st;
  try {
    st = statSync(id.path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { cause: 'file_gone', message: `the database file ${id.path} was deleted while in use; what is written now is lost when the processes stop (restore it, or restart after putting it back)` };
    }
    return { cause: 'io_error', message: `the database file ${id.path} cannot be read: ${(err as Error).message}` };
  }
  if (st.dev !== id.dev || st.ino !== id.ino) {
    return { cause: 'file_replaced', message: `the database file ${id.path} was replaced by another file while in use; restart the site and the worker to use the new one` };
  }
  try {
    accessSync(id.path, constants.W_OK);
    accessSync(dirname(id.path), constants.W_OK);
    // access() still says writable on a file system ext4 turned read-only after an error
    // (errors=remount-ro): a write that changes nothing, the file's own times set again,
    // asks the file system itself.
    utimesSync(id.path, st.atime, st.mtime);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EIO') return { cause: 'io_error', message: `the file system holding ${id.path} fails to write (EIO)` };
    return { cause: 'read_only', message: code === 'EROFS'
      ? `the file system holding ${id.path} is read-only`
      : `the database file ${id.path} or its folder is not writable (${code ?? 'error'})` };
  }
  try {
    const fs = statfsSync(dirname(id.path));
    const free = fs.bavail * fs.bsize;
    if (free < MIN_FREE_BYTES) return { cause: 'disk_full', message: `the disk holding ${id.path} is full (${Math.floor(free / 1024)} KB free)` };
  } catch {
    // statfs unsupported here: the write errors below still name a full disk.
  }
  return null;
}

/**
 * The storage fault behind a failed write of `db`: what the file system says now (a write
 * SQLite reports as SQLITE_IOERR is often a file system gone read-only), else what the error names.
 */
export function faultOfWrite(db: Db, err: unknown): StorageFault | null {
  const named = storageFaultOf(err, fileIdentityOf(db)?.path);
  if (!named) return null;
  try {
    return checkStorage(db) ?? named;
  } catch {
    return named;
  }
}

/** Names the storage fault behind an error thrown by SQLite or the file system, or null for any other error. */
export function storageFaultOf(err: unknown, path = 'the database'): StorageFault | null {
  const code = String((err as { code?: unknown })?.code ?? '');
  const text = (err as Error)?.message ?? String(err);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EFBIG' || /database or disk is full/i.test(text)) {
    return { cause: 'disk_full', message: `the disk holding ${path} is full: ${text}` };
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || /readonly database/i.test(text)) {
    return { cause: 'read_only', message: `${path} cannot be written (read-only): ${text}` };
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code === 'EIO') {
    return { cause: 'io_error', message: `${path} failed to read or write (${code}): ${text}` };
  }
  return null;
}

/**
 * The processes of this host (that this user may look at) holding the file `id` open:
 * each one's open files are read from /proc. Empty once every handle of it is closed.
 */
export function processesHolding(id: Pick<FileIdentity, 'dev' | 'ino'>): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  const holders: number[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      try {
        const st = statSync(`/proc/${pid}/fd/${fd}`);
        if (st.dev === id.dev && st.ino === id.ino) {
          holders.push(Number(pid));
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return holders;
}

/**
 * After the database file was replaced (or deleted and put back): whether the new file may
 * be opened. Not while any process still holds the old one: its connections share the old
 * write-ahead log, which carries the old file's name, and the new file would take it in.
 * Once all have let go, a log or shared index of the old file left behind (its last holder
 * was killed) is moved aside under a name of its own, so nothing opens the new file with it.
 */
export function replacedFileReleased(old: FileIdentity): { released: boolean; holders: number[]; keptAside: string[] } {
  const holders = processesHolding(old);
  if (holders.length > 0) return { released: false, holders, keptAside: [] };
  const keptAside: string[] = [];
  for (const c of old.companions) {
    try {
      const st = statSync(c.path);
      if (st.dev !== c.dev || st.ino !== c.ino) continue;
      // SQLite writes nothing more into a file moved away (SQLITE_READONLY_DBMOVED), so the
      // old file's last transactions may be in its log only: kept, never deleted.
      const aside = `${c.path}.of-replaced-${old.ino}`;
      renameSync(c.path, aside);
      keptAside.push(aside);
    } catch {
      // removed by its last holder, or moved aside by the other process
    }
  }
  return { released: true, holders, keptAside };
}
