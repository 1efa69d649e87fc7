import { sqliteTable, integer, text, uniqueIndex, primaryKey, index } from 'drizzle-orm/sqlite-core';
import { services } from './services';

/** inspection, preventive: regular (定期計画停止); the rest ad hoc (臨時計画停止). */
export const maintenanceCategories = ['inspection', 'preventive', 'security', 'functional', 'external'] as const;
export const maintenanceStatuses = ['scheduled', 'in_progress', 'completed', 'cancelled'] as const;

export const maintenances = sqliteTable('maintenances', {
  id: integer().primaryKey({ autoIncrement: true }),
  key: text().notNull(),
  category: text({ enum: maintenanceCategories }).notNull(),
  titleJa: text().notNull(),
  titleEn: text(),
  bodyJa: text(),
  bodyEn: text(),
  /** When the client's notice (計画停止予定通知) was sent, by the system clock; null while the stop is not yet announced (未告知). */
  announcedAt: integer(),
  scheduledStart: integer().notNull(),
  scheduledEnd: integer().notNull(),
  actualStart: integer(),
  actualEnd: integer(),
  clientApprovedAt: integer(),
  status: text({ enum: maintenanceStatuses }).notNull().default('scheduled'),
  /** Planned-stop rules broken when it was last saved (JSON list: `notice`, `window`), and who confirmed saving it anyway. */
  ruleWarnings: text({ mode: 'json' }).$type<string[]>().notNull().default([]),
  warningsConfirmedAt: integer(),
  warningsConfirmedBy: integer(),
  /** Set when an admin wants to finish it by hand: the scheduled job then does not finish it at its end time. */
  holdOpen: integer({ mode: 'boolean' }).notNull().default(false),
  createdAt: integer().notNull(),
  updatedAt: integer().notNull(),
}, (t) => [uniqueIndex('maintenances_key_unique').on(t.key), index('maintenances_scheduled_start').on(t.scheduledStart)]);

export const maintenanceServices = sqliteTable('maintenance_services', {
  maintenanceId: integer().notNull().references(() => maintenances.id, { onDelete: 'cascade' }),
  serviceId: integer().notNull().references(() => services.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.maintenanceId, t.serviceId] })]);
