import { sqliteTable, integer, text, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';
import { services } from './services';

/** One thing the probe checks on an interval. `options` holds the check type's own settings as JSON. */
export const monitors = sqliteTable('monitors', {
  id: integer().primaryKey({ autoIncrement: true }),
  slug: text().notNull(),
  serviceId: integer().notNull().references(() => services.id, { onDelete: 'cascade' }),
  type: text().notNull(),
  target: text().notNull(),
  intervalS: integer().notNull().default(60),
  timeoutS: integer().notNull().default(10),
  confirm: integer().notNull().default(2),
  countsForAvailability: integer({ mode: 'boolean' }).notNull().default(true),
  options: text({ mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
  paused: integer({ mode: 'boolean' }).notNull().default(false),
  /**
   * The monitor's life (SLA.md, Coverage): watched from `added_at` (null for monitors older
   * than this column: from their first check) until `removed_at`. A removed monitor keeps its
   * row and its history; the probe no longer checks it.
   */
  addedAt: integer(),
  removedAt: integer(),
  /** Locations that must agree before the monitor is down (SLA.md rule 1); null: a majority of its locations. */
  quorum: integer(),
}, (t) => [uniqueIndex('monitors_slug_unique').on(t.slug)]);

/**
 * The settings that decide a monitor's figures, as they were from `from` on (SLA.md, Figures
 * over time): its quorum, whether it counts toward availability, the failures that confirm an
 * outage, its interval (the gap allowance), its timeout, the service it belongs to, and its type
 * and target as the month's report names them. Before
 * the first row, the first row's values; with no row, the monitor's own columns. `from` 0:
 * since the beginning. A null in the later columns (never written so) reads as the monitor's column.
 */
export const monitorSettingHistory = sqliteTable('monitor_setting_history', {
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  from: integer().notNull(),
  quorum: integer(),
  countsForAvailability: integer({ mode: 'boolean' }).notNull(),
  confirm: integer(),
  intervalS: integer(),
  timeoutS: integer(),
  /** The id of the service it belonged to. */
  serviceId: integer(),
  /** Its check type, and its target as reports show it (secrets masked: the history keeps none). */
  type: text(),
  shownTarget: text(),
}, (t) => [primaryKey({ columns: [t.monitorId, t.from] })]);

/** Times an admin paused a monitor: unmonitored time, labelled as paused. `end` null while paused. */
export const monitorPauses = sqliteTable('monitor_pauses', {
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  start: integer().notNull(),
  end: integer(),
}, (t) => [primaryKey({ columns: [t.monitorId, t.start] })]);

/**
 * Raw check results. `at` is epoch milliseconds (UTC); `status` is 0 up, 1 degraded, 2 down.
 * The migration declares this table WITHOUT ROWID so the primary key is the table itself:
 * a check costs ~20 bytes on disk with no second index.
 */
export const checks = sqliteTable('checks', {
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  at: integer().notNull(),
  status: integer().notNull(),
  latencyMs: integer(),
  error: text(),
}, (t) => [primaryKey({ columns: [t.monitorId, t.at] })]);

/**
 * Run-length form of the checks: consecutive checks of one status. The SLA rules need only
 * these (a down run of `count >= confirm` is an outage), so a month is read in a few rows.
 * Derived from `checks`; rebuilt from them after an import.
 */
export const checkRuns = sqliteTable('check_runs', {
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  firstAt: integer().notNull(),
  lastAt: integer().notNull(),
  status: integer().notNull(),
  count: integer().notNull(),
}, (t) => [primaryKey({ columns: [t.monitorId, t.firstAt] })]);

/**
 * Stretches with no check for longer than twice the monitor's interval: from the last check
 * plus two intervals to the next check. Derived from `checks` like the runs.
 */
export const checkGaps = sqliteTable('check_gaps', {
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  start: integer().notNull(),
  end: integer().notNull(),
}, (t) => [primaryKey({ columns: [t.monitorId, t.start] })]);

/** A monitor outage an admin has marked as not real, identified by the outage's start. */
export const falsePositives = sqliteTable('false_positives', {
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  start: integer().notNull(),
  reason: text().notNull(),
  createdAt: integer().notNull(),
}, (t) => [primaryKey({ columns: [t.monitorId, t.start] })]);

/**
 * Which monitors' figures a write may have changed, written by the database itself (triggers
 * in the migration) on every table the SLA rules read a monitor from: runs and gaps of every
 * location (a run merely extended by one more check is not a change: see ../../src/lib/status/kept-inputs.ts),
 * the monitor's settings, life, pauses, locations and false positives, and failed control
 * checks (`monitor_id` null: every monitor). `at`: the earliest instant the change touches
 * (0: any). Readers keep figures between rebuilds and compute again only what is listed
 * after the last `seq` they read; the nightly retention keeps the newest rows.
 */
export const seriesChanges = sqliteTable('series_changes', {
  seq: integer().primaryKey({ autoIncrement: true }),
  monitorId: integer(),
  at: integer().notNull(),
});
