import { sqliteTable, integer, text } from 'drizzle-orm/sqlite-core';

/** Small key/value facts about this installation (for example whether it holds sample data). */
export const settings = sqliteTable('settings', {
  key: text().primaryKey(),
  value: text().notNull(),
});

/**
 * Leases make a singleton of a process that must not run twice (the probe): a holder renews
 * its row, raising `beat` each time. Another process may take it once it has watched `beat`
 * stand still for the lease's time on its own monotonic clock, or at once when the holder's
 * process is gone from this host; wall clocks of two processes are never compared.
 * `renewed_at`/`expires_at` are the holder's wall clock, shown to operators only.
 */
export const leases = sqliteTable('leases', {
  name: text().primaryKey(),
  holder: text().notNull(),
  acquiredAt: integer().notNull(),
  renewedAt: integer().notNull(),
  expiresAt: integer().notNull(),
  /** Heartbeat counter: raised by every renewal. */
  beat: integer().notNull().default(0),
  /** The holder's process id and host name, so a dead holder on this host is seen at once. */
  pid: integer(),
  host: text(),
});
