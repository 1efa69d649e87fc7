import { sqliteTable, integer, text, uniqueIndex, primaryKey, index } from 'drizzle-orm/sqlite-core';
import { services } from './services';

/**
 * E-mail subscribers of the public page. Addresses are personal data: never shown on a
 * public page, never in the API, feeds or the interchange export.
 * Instants are epoch milliseconds, UTC.
 */
export const subscribers = sqliteTable('subscribers', {
  id: integer().primaryKey({ autoIncrement: true }),
  /** Lower-cased, trimmed. */
  email: text().notNull(),
  lang: text({ enum: ['ja', 'en'] }).notNull().default('ja'),
  /** What the subscriber gets; applied from the pending choice when the address is confirmed. */
  incidents: integer({ mode: 'boolean' }).notNull().default(true),
  maintenances: integer({ mode: 'boolean' }).notNull().default(true),
  /** All services (true) or only those in subscriber_services. */
  allServices: integer({ mode: 'boolean' }).notNull().default(true),
  /** The choice made on the form, waiting for the click in the confirmation mail (JSON). */
  pending: text({ mode: 'json' }).$type<{ incidents: boolean; maintenances: boolean; services: string[] | null; lang: 'ja' | 'en' }>(),
  /** A random nonce in the confirmation link; a new request replaces it, so old links stop working. */
  confirmNonce: text(),
  confirmSentAt: integer(),
  confirmedAt: integer(),
  createdAt: integer().notNull(),
  updatedAt: integer().notNull(),
}, (t) => [uniqueIndex('subscribers_email_unique').on(t.email)]);

export const subscriberServices = sqliteTable('subscriber_services', {
  subscriberId: integer().notNull().references(() => subscribers.id, { onDelete: 'cascade' }),
  serviceId: integer().notNull().references(() => services.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.subscriberId, t.serviceId] })]);

/**
 * What was already announced to subscribers, so a job that runs again (or an admin who
 * saves twice) never mails the same thing twice. `what` is `incident_update`,
 * `maintenance_announced` or `maintenance_starting`; `ref` the update's or stop's id.
 */
export const subscriberNotices = sqliteTable('subscriber_notices', {
  what: text().notNull(),
  ref: integer().notNull(),
  at: integer().notNull(),
  recipients: integer().notNull(),
}, (t) => [primaryKey({ columns: [t.what, t.ref] }), index('subscriber_notices_at').on(t.at)]);
