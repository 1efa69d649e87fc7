import { sqliteTable, integer, text, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';

/**
 * Monitoring tools that send their alerts in (Prometheus Alertmanager, Zabbix), each with
 * its own bearer token made on the admin pages: only the token's SHA-256 is kept. A source
 * not heard from for `silence_after_s` leaves its external monitors unmonitored (never up).
 */
export const alertSources = sqliteTable('alert_sources', {
  id: integer().primaryKey({ autoIncrement: true }),
  /** Stable name external monitors name in their options (`prometheus`). */
  slug: text().notNull(),
  kind: text({ enum: ['alertmanager', 'zabbix'] }).notNull(),
  tokenHash: text().notNull(),
  silenceAfterS: integer().notNull().default(600),
  createdAt: integer().notNull(),
  revokedAt: integer(),
  /** The last well-formed delivery from the source (its heartbeat). */
  lastHeardAt: integer(),
}, (t) => [uniqueIndex('alert_sources_slug_unique').on(t.slug)]);

/**
 * The alerts a source sent, one row per alert (Alertmanager's fingerprint, Zabbix's problem
 * event id), with its labels as JSON: a replayed delivery changes nothing.
 */
export const externalAlerts = sqliteTable('external_alerts', {
  sourceId: integer().notNull().references(() => alertSources.id, { onDelete: 'cascade' }),
  fingerprint: text().notNull(),
  labels: text({ mode: 'json' }).$type<Record<string, string>>().notNull(),
  /** `firing` or `resolved`. */
  state: text({ enum: ['firing', 'resolved'] }).notNull(),
  startsAt: integer().notNull(),
  endsAt: integer(),
  /** When the site stored the latest change of this alert. */
  updatedAt: integer().notNull(),
}, (t) => [primaryKey({ columns: [t.sourceId, t.fingerprint] })]);
