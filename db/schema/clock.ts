import { sqliteTable, integer, text, index } from 'drizzle-orm/sqlite-core';
import { monitors } from './monitors';
import { users } from './users';

/**
 * Each clock step the worker saw (its monotonic and wall clocks parted, or stored checks
 * were stamped later than its clock at start). It is an operator warning until an admin
 * has reviewed it. Instants are epoch milliseconds, UTC, from the system clock.
 */
export const clockSteps = sqliteTable('clock_steps', {
  id: integer().primaryKey({ autoIncrement: true }),
  /** When the worker saw it, on the corrected clock. */
  seenAt: integer().notNull(),
  /** How far the clock moved (negative: set back), as measured. */
  offsetMs: integer().notNull(),
  /** `running`: seen inside a running worker; `start`: future checks found when a worker started. */
  seenBy: text({ enum: ['running', 'start'] }).notNull(),
  /** How many stored checks it set aside, and the span of their stamps. */
  setAside: integer().notNull().default(0),
  firstStampAt: integer(),
  lastStampAt: integer(),
  reviewedAt: integer(),
  reviewedBy: integer().references(() => users.id, { onDelete: 'set null' }),
}, (t) => [index('clock_steps_open').on(t.reviewedAt)]);

/**
 * Checks set aside because they were stamped later than the true time (a wrong clock): kept
 * as they were, out of the runs, figures and pages. `location_id` is null for the local probe.
 */
export const quarantinedChecks = sqliteTable('quarantined_checks', {
  stepId: integer().notNull().references(() => clockSteps.id, { onDelete: 'cascade' }),
  locationId: integer(),
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  at: integer().notNull(),
  status: integer().notNull(),
  latencyMs: integer(),
  error: text(),
}, (t) => [index('quarantined_checks_step').on(t.stepId, t.monitorId, t.at)]);
