import { sqliteTable, integer, text, primaryKey, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { services } from './services';
import { outboxClaimColumns } from './probe';

export const destinationKinds = ['webhook', 'slack', 'teams'] as const;

/**
 * Where notifications go besides mail: a signed generic webhook, a Slack incoming webhook or
 * a Microsoft Teams Workflows webhook. The URL (Slack's and Teams' carry their credential)
 * and the signing secret are write-only: never shown again once saved.
 */
export const destinations = sqliteTable('destinations', {
  id: integer().primaryKey({ autoIncrement: true }),
  name: text().notNull(),
  kind: text({ enum: destinationKinds }).notNull(),
  url: text().notNull(),
  /** The generic webhook's signing key (`whsec_` + base64); null for Slack and Teams. */
  secret: text(),
  /** What it receives: operators' alarms, published incident updates, planned-stop notices. */
  alarms: integer().notNull().default(0),
  incidents: integer().notNull().default(0),
  maintenances: integer().notNull().default(0),
  /** 1: every service; 0: those in destination_services. */
  allServices: integer().notNull().default(1),
  lang: text({ enum: ['ja', 'en'] }).notNull().default('ja'),
  pausedAt: integer(),
  createdAt: integer().notNull(),
  updatedAt: integer().notNull(),
});

export const destinationServices = sqliteTable('destination_services', {
  destinationId: integer().notNull().references(() => destinations.id, { onDelete: 'cascade' }),
  serviceId: integer().notNull().references(() => services.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.destinationId, t.serviceId] })]);

/**
 * The outbox of destinations: one row per message to one destination, enqueued in the
 * transaction that decides to send it, claimed and retried like mail (src/lib/outbox).
 * `webhook_id` is fixed at enqueue, so every try of a message carries the same id and a
 * receiver drops a second copy. A deleted destination keeps its sent rows (name kept) and
 * withdraws its pending ones.
 */
export const destinationOutbox = sqliteTable('destination_outbox', {
  id: integer().primaryKey({ autoIncrement: true }),
  destinationId: integer().references(() => destinations.id, { onDelete: 'set null' }),
  destinationName: text().notNull(),
  /** What it tells: `alarms`, `incidents`, `maintenances` or `test`. */
  topic: text().notNull(),
  /** What was announced (`incident_update:12`); one message per destination and key. */
  eventKey: text().notNull(),
  webhookId: text().notNull(),
  /** The exact body POSTed (JSON), fixed at enqueue. */
  body: text().notNull(),
  createdAt: integer().notNull(),
  ...outboxClaimColumns(),
}, (t) => [index('destination_outbox_due').on(t.nextAttemptAt), uniqueIndex('destination_outbox_event').on(t.destinationId, t.eventKey)]);
