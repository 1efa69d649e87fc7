import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrationsFolder } from '../db';

/**
 * Checks that a file is a sound copy of this application's database: SQLite opens it,
 * `PRAGMA integrity_check` says `ok`, and it carries this application's migrations journal
 * (the drizzle `__drizzle_migrations` table, whose first entry is this project's first
 * migration) and its core tables. A file made by a newer version (migrations this copy does
 * not know) is refused too, since restoring it would run code older than its schema.
 */
export interface Verification {
  ok: boolean;
  /** What `PRAGMA integrity_check` said: `ok`, or its first messages; null when it could not run. */
  integrity: string | null;
  /** Why the file is not usable, in a sentence a person reads; null when ok. */
  problem: string | null;
  /** Row counts of a few tables, for the messages of `npm run restore`. */
  counts: { services: number; monitors: number; checks: number } | null;
  /** The newest raw check in the file (epoch ms), or null. */
  latestCheckAt: number | null;
}

/** Tables every version of the schema has had since the first migration. */
const CORE_TABLES = ['services', 'monitors', 'checks', 'check_runs', 'check_gaps', 'settings', 'leases'];
const MIGRATIONS_TABLE = '__drizzle_migrations';

interface JournalEntry { when: number; tag: string }

/** The migrations this copy of the application knows, oldest first. */
export function knownMigrations(folder = migrationsFolder()): JournalEntry[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: JournalEntry[] };
  return journal.entries;
}

/**
 * Verifies the SQLite file at `path`. With `prepare`, the file is also switched to a
 * rollback journal (`journal_mode = DELETE`), so a backup is one self-contained file with
 * no `-wal`/`-shm` beside it; without it the file is opened read-only and left unchanged.
 * `integrity` passes the result of an integrity check already run (in a worker thread, say)
 * instead of running it again; `counts: false` skips the row counts.
 */
export function verifyDatabaseFile(path: string, options: { prepare?: boolean; integrity?: string; counts?: boolean } = {}): Verification {
  const fail = (problem: string, integrity: string | null = null): Verification => ({ ok: false, integrity, problem, counts: null, latestCheckAt: null });
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true, readonly: !options.prepare });
  } catch (err) {
    return fail(`it cannot be opened as an SQLite database (${(err as Error).message})`);
  }
  try {
    let integrity: string;
    try {
      if (options.prepare) db.pragma('journal_mode = DELETE');
      if (options.integrity !== undefined) integrity = options.integrity;
      else integrity = (db.pragma('integrity_check(20)') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
    } catch (err) {
      const message = (err as Error).message;
      if (/not a database|file is encrypted/i.test(message)) return fail('it is not an SQLite database');
      return fail(`its integrity check could not run (${message})`);
    }
    if (integrity !== 'ok') return fail(`it failed the integrity check (${integrity})`, integrity);

    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
    if (!tables.has(MIGRATIONS_TABLE)) return fail('it is not a database of this application (it has no migrations journal)', integrity);
    const applied = (db.prepare(`SELECT created_at AS createdAt FROM ${MIGRATIONS_TABLE} ORDER BY created_at`).all() as Array<{ createdAt: number }>).map((r) => Number(r.createdAt));
    const known = knownMigrations();
    const knownWhen = new Set(known.map((m) => m.when));
    if (applied.length === 0 || applied[0] !== known[0]?.when) {
      return fail('it is not a database of this application (its migrations journal does not start with this application\'s first migration)', integrity);
    }
    const newest = known[known.length - 1]!.when;
    const unknown = applied.filter((w) => !knownWhen.has(w));
    if (unknown.some((w) => w > newest)) {
      return fail('it was made by a newer version of this application (it has migrations this version does not know); upgrade the application first', integrity);
    }
    if (unknown.length > 0) return fail('it is not a database of this application (its migrations journal holds migrations this application never had)', integrity);
    const missing = CORE_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) return fail(`it is not a database of this application (tables missing: ${missing.join(', ')})`, integrity);

    if (options.counts === false) return { ok: true, integrity, problem: null, counts: null, latestCheckAt: null };
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const latest = db.prepare('SELECT max(at) AS at FROM checks').get() as { at: number | null };
    return {
      ok: true,
      integrity,
      problem: null,
      counts: { services: count('services'), monitors: count('monitors'), checks: count('checks') },
      latestCheckAt: latest.at,
    };
  } finally {
    db.close();
  }
}
