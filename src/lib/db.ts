import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync, accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as schema from '../../db/schema/index';
import { AppError } from './errors';
import { rememberFileIdentity } from './storage';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** Where drizzle-kit writes the migrations; resolved from the project root (the working directory). */
export function migrationsFolder(): string {
  return resolve(process.env.MIGRATIONS_DIR ?? 'db/migrations');
}

/**
 * Each connection's page cache, in KiB. better-sqlite3 builds SQLite with 16 MB a connection;
 * the site and the worker hold several connections, and each filled its cache with pages the
 * kernel's page cache holds anyway (shared, counted once on the machine): 2 MB, SQLite's own
 * default, took 45 MB off the two processes' own memory at idle with 90 days of data
 * (scripts/bench/footprint.ts), and the growth bench shows the page, the SLA and the
 * probe's writes at 10,000 monitors with it.
 */
export const PAGE_CACHE_KB = 2000;

/**
 * Opens the SQLite file with the pragmas every process uses and applies pending migrations.
 * Throws an AppError('DATABASE') naming the path and the cause; callers stop on it.
 * `mustExist`: never create the file: commands that only read (sla, report, data:export,
 * backup) never create an empty database from a mistyped DATABASE_PATH, and the worker never
 * turns a deleted database silently into a fresh empty one.
 */
export function openDatabase(path: string, options: { migrate?: boolean; readonly?: boolean; mustExist?: boolean } = {}): Db {
  const file = path === ':memory:' ? path : resolve(path);
  if (options.mustExist && file !== ':memory:' && !existsSync(file)) {
    throw new AppError('DATABASE', `no database at ${file}: check DATABASE_PATH (this command reads an existing database and never creates one; npm start creates it, npm run restore brings a deleted one back)`);
  }
  let sqlite: Database.Database;
  try {
    if (file !== ':memory:' && !options.readonly) {
      mkdirSync(dirname(file), { recursive: true });
      accessSync(dirname(file), constants.W_OK);
    }
    sqlite = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (err) {
    throw new AppError('DATABASE', `cannot open the database at ${file}: ${(err as Error).message}`);
  }
  try {
    // A new file gets incremental auto-vacuum, so nightly retention can hand pages back
    // without a full VACUUM; it must be set before the first table exists.
    if (!options.readonly && sqlite.pragma('page_count', { simple: true }) === 0) sqlite.pragma('auto_vacuum = INCREMENTAL');
    if (!options.readonly) sqlite.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL never corrupts; a crash loses at most the last transactions.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma(`cache_size = -${PAGE_CACHE_KB}`);
    sqlite.pragma('foreign_keys = ON');
  } catch (err) {
    sqlite.close();
    throw new AppError('DATABASE', `cannot use the database at ${file}: ${(err as Error).message}`);
  }
  if (file !== ':memory:') rememberFileIdentity(sqlite, file);
  const db = drizzle(sqlite, { schema, casing: 'snake_case' }) as Db;
  if (options.migrate !== false && !options.readonly) {
    try {
      // A migration that rebuilds a table (drizzle-kit's way to change a column in SQLite)
      // drops the old one: with foreign keys on, that would cascade into the rows that
      // refer to it. They are off while migrating (the pragma is a no-op inside the
      // migrations' transaction) and the references are checked before they are on again.
      sqlite.pragma('foreign_keys = OFF');
      migrate(db, { migrationsFolder: migrationsFolder() });
      const broken = sqlite.pragma('foreign_key_check') as unknown[];
      if (broken.length) throw new Error(`${broken.length} broken references after migrating`);
      sqlite.pragma('foreign_keys = ON');
    } catch (err) {
      sqlite.close();
      const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new AppError('DATABASE', `migrating the database at ${file} failed: ${cause}`);
    }
  }
  return db;
}

/** Runs fn in one IMMEDIATE transaction: all of it is written, or none. */
export function inTransaction<T>(db: Db, fn: () => T): T {
  return db.$client.transaction(fn).immediate();
}

/**
 * A statement compiled once per connection and kept: the rules ask the same questions of
 * every monitor, and compiling them again each time costs more than running them.
 */
const compiled = new WeakMap<Db, Map<string, Database.Statement>>();
export function statement(db: Db, sql: string): Database.Statement {
  let cache = compiled.get(db);
  if (!cache) compiled.set(db, (cache = new Map()));
  let st = cache.get(sql);
  if (!st) cache.set(sql, (st = db.$client.prepare(sql)));
  return st;
}
