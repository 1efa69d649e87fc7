import { sqliteTable, integer, text, primaryKey, uniqueIndex, index } from 'drizzle-orm/sqlite-core';
import { monitors } from './monitors';

/**
 * Where checks are made from: the built-in probe is the location `local` (created by the
 * migration, no token); each probe agent on another host is a location with its own
 * bearer token, kept only as its SHA-256. Instants are epoch milliseconds, UTC.
 */
export const probeLocations = sqliteTable('probe_locations', {
  id: integer().primaryKey({ autoIncrement: true }),
  /** Stable name used in files and the API (`local`, `osaka`). */
  slug: text().notNull(),
  labelJa: text().notNull(),
  labelEn: text(),
  /** SHA-256 (hex) of the agent's token secret; null for `local`. */
  tokenHash: text(),
  /** A target the agent checks to prove its own network is sound; while it fails, the location does not vote. */
  controlTarget: text(),
  createdAt: integer().notNull(),
  revokedAt: integer(),
  lastContactAt: integer(),
  /** Site clock minus the agent's clock at its last contact. */
  clockOffsetMs: integer(),
  /** Site clock minus the newest result's time at the last contact (spool backlog included). */
  lagMs: integer(),
  /** What the agent last said about itself (spool size, dropped results, version). */
  health: text({ mode: 'json' }).$type<Record<string, unknown>>(),
}, (t) => [uniqueIndex('probe_locations_slug_unique').on(t.slug)]);

/** The locations that check a monitor. A monitor with no row here is checked from `local` alone. */
export const monitorLocations = sqliteTable('monitor_locations', {
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  locationId: integer().notNull().references(() => probeLocations.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.monitorId, t.locationId] }), index('monitor_locations_location').on(t.locationId)]);

/**
 * When each location was assigned to a monitor (SLA.md, locations have a life): each instant
 * is judged by the locations assigned then. `start` 0: since before the record was kept;
 * `end` null: still assigned. `monitor_locations` is the present assignment the agents read.
 */
export const monitorLocationSpans = sqliteTable('monitor_location_spans', {
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  locationId: integer().notNull().references(() => probeLocations.id, { onDelete: 'cascade' }),
  start: integer().notNull(),
  end: integer(),
}, (t) => [primaryKey({ columns: [t.monitorId, t.locationId, t.start] })]);

/**
 * Check results from probe agents (the local probe's stay in `checks`), with their runs and
 * gaps kept the same way, per location. Status codes as in `checks`.
 */
export const locationChecks = sqliteTable('location_checks', {
  locationId: integer().notNull().references(() => probeLocations.id, { onDelete: 'cascade' }),
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  at: integer().notNull(),
  status: integer().notNull(),
  latencyMs: integer(),
  error: text(),
}, (t) => [primaryKey({ columns: [t.locationId, t.monitorId, t.at] })]);

export const locationCheckRuns = sqliteTable('location_check_runs', {
  locationId: integer().notNull().references(() => probeLocations.id, { onDelete: 'cascade' }),
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  firstAt: integer().notNull(),
  lastAt: integer().notNull(),
  status: integer().notNull(),
  count: integer().notNull(),
}, (t) => [primaryKey({ columns: [t.locationId, t.monitorId, t.firstAt] })]);

export const locationCheckGaps = sqliteTable('location_check_gaps', {
  locationId: integer().notNull().references(() => probeLocations.id, { onDelete: 'cascade' }),
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  start: integer().notNull(),
  end: integer().notNull(),
}, (t) => [primaryKey({ columns: [t.locationId, t.monitorId, t.start] })]);

/** Each result of an agent's control check: `ok` 1 or 0. A failed control makes the location not vote until the next good one. */
export const locationControls = sqliteTable('location_controls', {
  locationId: integer().notNull().references(() => probeLocations.id, { onDelete: 'cascade' }),
  at: integer().notNull(),
  ok: integer().notNull(),
}, (t) => [primaryKey({ columns: [t.locationId, t.at] })]);

/** Batches already stored, by the id the agent gave them, so a batch sent twice is stored once. */
export const agentBatches = sqliteTable('agent_batches', {
  locationId: integer().notNull().references(() => probeLocations.id, { onDelete: 'cascade' }),
  batchId: text().notNull(),
  receivedAt: integer().notNull(),
  results: integer().notNull(),
}, (t) => [primaryKey({ columns: [t.locationId, t.batchId] })]);
