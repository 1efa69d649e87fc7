import { sqliteTable, integer, text, blob, uniqueIndex, primaryKey, index } from 'drizzle-orm/sqlite-core';
import { services } from './services';

export const incidentKinds = ['failure', 'security'] as const;
export const incidentSeverities = ['minor', 'major', 'critical'] as const;
export const impacts = ['degraded_performance', 'partial_outage', 'major_outage'] as const;
export const updateStatuses = ['investigating', 'identified', 'monitoring', 'resolved'] as const;

/** Instants are epoch milliseconds, UTC. */
export const incidents = sqliteTable('incidents', {
  id: integer().primaryKey({ autoIncrement: true }),
  key: text().notNull(),
  kind: text({ enum: incidentKinds }).notNull().default('failure'),
  severity: text({ enum: incidentSeverities }).notNull().default('minor'),
  titleJa: text().notNull(),
  titleEn: text(),
  startedAt: integer().notNull(),
  detectedAt: integer(),
  awareAt: integer(),
  recoveredAt: integer(),
  clientNotifiedAt: integer(),
  etaNotifiedAt: integer(),
  recoveryNotifiedAt: integer(),
  responseStartedAt: integer(),
  writtenReportAt: integer(),
  forceMajeure: integer({ mode: 'boolean' }).notNull().default(false),
  forceMajeureReason: text(),
  cause: text(),
  fix: text(),
  prevention: text(),
  causeKnown: integer({ mode: 'boolean' }),
  /** One of the configured cause categories (config `incidents.cause_categories`), as its label. */
  causeCategory: text(),
  /** draft: opened by the probe and not yet confirmed by an admin. */
  draft: integer({ mode: 'boolean' }).notNull().default(false),
  /** A draft an admin dismissed (not a real incident), with the reason; it stays a draft. */
  dismissedAt: integer(),
  dismissedReason: text(),
  /** A draft merged into another incident: its updates and services moved there. */
  mergedIntoId: integer(),
  createdAt: integer().notNull(),
  updatedAt: integer().notNull(),
}, (t) => [uniqueIndex('incidents_key_unique').on(t.key), index('incidents_started_at').on(t.startedAt)]);

export const incidentServices = sqliteTable('incident_services', {
  incidentId: integer().notNull().references(() => incidents.id, { onDelete: 'cascade' }),
  serviceId: integer().notNull().references(() => services.id, { onDelete: 'cascade' }),
  impact: text({ enum: impacts }).notNull(),
}, (t) => [primaryKey({ columns: [t.incidentId, t.serviceId] })]);

export const incidentUpdates = sqliteTable('incident_updates', {
  id: integer().primaryKey({ autoIncrement: true }),
  incidentId: integer().notNull().references(() => incidents.id, { onDelete: 'cascade' }),
  at: integer().notNull(),
  status: text({ enum: updateStatuses }).notNull(),
  bodyJa: text().notNull(),
  bodyEn: text(),
  published: integer({ mode: 'boolean' }).notNull().default(true),
}, (t) => [index('incident_updates_incident').on(t.incidentId, t.at)]);

/**
 * Issued 障害報告書 (written failure reports). A row is never updated or deleted: issuing
 * again adds the next version. The PDF is kept in the database with its SHA-256, like the
 * monthly reports; `sent_to` lists the client contacts it was mailed to (JSON array).
 */
export const incidentReports = sqliteTable('incident_reports', {
  id: integer().primaryKey({ autoIncrement: true }),
  incidentId: integer().notNull().references(() => incidents.id),
  version: integer().notNull(),
  createdAt: integer().notNull(),
  /** Who issued it (e-mail address or user id as text). */
  issuedBy: text().notNull(),
  sentTo: text().notNull(),
  sha256: text().notNull(),
  size: integer().notNull(),
  pdf: blob({ mode: 'buffer' }).notNull(),
}, (t) => [uniqueIndex('incident_reports_version').on(t.incidentId, t.version)]);
