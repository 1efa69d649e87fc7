import { sqliteTable, integer, text, blob, primaryKey, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * SLA rows whose value an admin enters for a month (a satisfaction score, hours of
 * maintenance support, ...). One value per month and row; `row_key` is a key of the SLA
 * catalogue (config `sla.rows`). Instants are epoch milliseconds, UTC.
 */
export const slaManualValues = sqliteTable('sla_manual_values', {
  /** `YYYY-MM` in the configured zone. */
  month: text().notNull(),
  rowKey: text().notNull(),
  value: text().notNull(),
  note: text(),
  /** Who entered it (an e-mail address or a user id as text). */
  enteredBy: text().notNull(),
  enteredAt: integer().notNull(),
}, (t) => [primaryKey({ columns: [t.month, t.rowKey] })]);

/**
 * Issued monthly reports. A row is never updated or deleted: regenerating a month adds the
 * next version. The PDF and the CSV of the month's outages and incidents are kept in the
 * database, so a backup of the database holds every report ever issued.
 */
export const reports = sqliteTable('reports', {
  id: integer().primaryKey({ autoIncrement: true }),
  month: text().notNull(),
  version: integer().notNull(),
  createdAt: integer().notNull(),
  /** `schedule` (the monthly job) or `manual` (`npm run report`, an admin). */
  trigger: text().notNull(),
  sha256: text().notNull(),
  size: integer().notNull(),
  pdf: blob({ mode: 'buffer' }).notNull(),
  csvSha256: text().notNull(),
  csv: blob({ mode: 'buffer' }).notNull(),
  /** Issued before the month ended (速報): counts only up to `cut_off`. */
  provisional: integer({ mode: 'boolean' }).notNull().default(false),
  cutOff: integer(),
  /** The version's figures (JSON, key → shown value), so the next version can list what changed. */
  figures: text(),
}, (t) => [uniqueIndex('reports_month_version').on(t.month, t.version)]);

/**
 * The configuration in force when a month closed (targets, SLA rows, timer limits, notice
 * days, window): a closed month's figures are computed from it, never from later settings.
 */
export const monthClosings = sqliteTable('month_closings', {
  /** `YYYY-MM` in the configured zone. */
  month: text().primaryKey(),
  closedAt: integer().notNull(),
  settings: text().notNull(),
});
