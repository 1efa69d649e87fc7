import { sqliteTable, integer, text, index } from 'drizzle-orm/sqlite-core';

/**
 * Every change made through the site or the scripts: who, when, what, and the record before
 * and after (JSON). Append-only: triggers in the migration refuse UPDATE and DELETE.
 * `userId` has no foreign key so that the log outlives the accounts it names.
 */
export const auditLog = sqliteTable('audit_log', {
  id: integer().primaryKey({ autoIncrement: true }),
  at: integer().notNull(),
  userId: integer(),
  /** The actor as people read it: an e-mail, or `system:<job>` for scheduled jobs. */
  actor: text().notNull(),
  /** What was done, such as `incident.create` or `maintenance.start`. */
  action: text().notNull(),
  entity: text().notNull(),
  entityId: text(),
  before: text(),
  after: text(),
}, (t) => [index('audit_log_at').on(t.at), index('audit_log_entity').on(t.entity, t.entityId)]);
