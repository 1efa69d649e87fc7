import { sqliteTable, integer, text, real, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** A system the contract covers (the awareness website, the e-learning system, ...). */
export const services = sqliteTable('services', {
  id: integer().primaryKey({ autoIncrement: true }),
  slug: text().notNull(),
  nameJa: text().notNull(),
  nameEn: text(),
  slaTargetPct: real().notNull().default(99.9),
  sortOrder: integer().notNull().default(0),
}, (t) => [uniqueIndex('services_slug_unique').on(t.slug)]);
