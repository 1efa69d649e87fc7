import { sqliteTable, integer, text, index } from 'drizzle-orm/sqlite-core';

/**
 * One row per backup attempt (nightly or `npm run backup`), successful or not, so that the
 * monthly report's backup row is measured: when it ran, whether the copy passed its checks
 * (`PRAGMA integrity_check` and "is this application's database"), its size and SHA-256,
 * and how many generations were kept afterwards. A failed attempt has `ok = false` and `error`.
 */
export const backups = sqliteTable('backups', {
  id: integer().primaryKey({ autoIncrement: true }),
  /** `schedule` (the nightly job) or `manual` (`npm run backup`). */
  trigger: text().notNull(),
  startedAt: integer().notNull(),
  finishedAt: integer(),
  ok: integer({ mode: 'boolean' }).notNull().default(false),
  /** Absolute path of the backup file; null when the attempt failed before writing it. */
  path: text(),
  sizeBytes: integer(),
  sha256: text(),
  /** What `PRAGMA integrity_check` said about the copy (`ok`, or its first messages). */
  integrityResult: text(),
  /** Generations in the backup folder after rotation. */
  generationsKept: integer(),
  /** Where the second copy went, when `backup.copy_to` is set and the copy succeeded. */
  copiedTo: text(),
  error: text(),
  /** The process making the backup (on this host): a row left unfinished by a process that is gone was interrupted. */
  pid: integer(),
}, (t) => [index('backups_started_at').on(t.startedAt)]);
