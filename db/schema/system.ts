import { sqliteTable, integer, text } from 'drizzle-orm/sqlite-core';

/** Small key/value facts about this installation (for example whether it holds sample data). */
export const settings = sqliteTable('settings', {
  key: text().primaryKey(),
  value: text().notNull(),
});

/**
 * Leases make a singleton of a process that must not run twice (the probe): a holder renews
 * its row; another may take it only once it has expired. Renewals double as a heartbeat.
 */
export const leases = sqliteTable('leases', {
  name: text().primaryKey(),
  holder: text().notNull(),
  acquiredAt: integer().notNull(),
  renewedAt: integer().notNull(),
  expiresAt: integer().notNull(),
});
