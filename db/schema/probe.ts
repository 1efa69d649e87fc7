import { sqliteTable, integer, text, real, primaryKey, index } from 'drizzle-orm/sqlite-core';
import { monitors } from './monitors';
import { incidents } from './incidents';

/** The columns every outbox has for its claims and tries (src/lib/outbox/claim.ts). */
export const outboxClaimColumns = () => ({
  /** When the next try is due; null once sent, given up or withdrawn. */
  nextAttemptAt: integer(),
  attempts: integer().notNull().default(0),
  sentAt: integer(),
  /** Gave up after too many tries, or on an answer that says trying again cannot help. */
  failedAt: integer(),
  lastError: text(),
  /** The sender that claimed the row for one try (a random token), and until when the claim stands. */
  claimToken: text(),
  claimedUntil: integer(),
});

/**
 * Mail waiting to be sent, and mail sent. Enqueued inside the transaction that decides to
 * send it, so a crash never loses or doubles a message; a job sends what is due, retrying
 * with backoff. Instants are epoch milliseconds, UTC.
 */
export const mailOutbox = sqliteTable('mail_outbox', {
  id: integer().primaryKey({ autoIncrement: true }),
  /** What the mail is for (`alarm`, `subscriber`, ...), for logs and the admin pages. */
  kind: text().notNull(),
  toAddr: text().notNull(),
  subject: text().notNull(),
  text: text().notNull(),
  html: text(),
  headers: text({ mode: 'json' }).$type<Record<string, string>>(),
  createdAt: integer().notNull(),
  ...outboxClaimColumns(),
  /** The Message-ID every try of this message carries (set at its first try), so a receiver drops a second copy. */
  messageId: text(),
  /**
   * When a try handed the whole message over but the server never confirmed it (it stalled
   * or dropped the connection after the data): it may have been delivered, so it is not
   * tried again blindly; admins see it (a warning on the dashboard and /healthz).
   */
  maybeDeliveredAt: integer(),
}, (t) => [index('mail_outbox_due').on(t.nextAttemptAt)]);

export const alarmKinds = ['outage', 'warning'] as const;
export const alarmSeverities = ['warning', 'critical'] as const;

/**
 * An outage the probe confirmed (SLA.md's confirm rule) or a threshold warning (a
 * certificate near expiry, a full disk). Warnings never count as downtime.
 */
export const alarms = sqliteTable('alarms', {
  id: integer().primaryKey({ autoIncrement: true }),
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  kind: text({ enum: alarmKinds }).notNull(),
  /** For warnings, what crossed its threshold (`tls_expiry`, `disk`, `cpu`, ...); `down` for outages. */
  code: text().notNull(),
  severity: text({ enum: alarmSeverities }).notNull(),
  message: text().notNull(),
  /** The first failed check of the outage, or the first check that showed the warning. */
  startedAt: integer().notNull(),
  /** When the probe confirmed it (the check that reached the confirm count). */
  detectedAt: integer().notNull(),
  /** The first successful check after it (outages), or the first check without the warning. */
  recoveredAt: integer(),
  /** When the recovery was confirmed (recovery_confirm checks in a row). */
  recoveryDetectedAt: integer(),
  incidentId: integer().references(() => incidents.id, { onDelete: 'set null' }),
  acknowledgedAt: integer(),
  acknowledgedBy: integer(),
  /**
   * Outage episodes this alarm collects: more than one means the monitor is flapping (an
   * outage began again soon after the last one recovered). It closes once it has settled.
   */
  episodes: integer().notNull().default(1),
}, (t) => [index('alarms_open').on(t.monitorId, t.recoveredAt), index('alarms_detected').on(t.detectedAt)]);

export const notificationEvents = ['outage', 'recovery', 'warning', 'warning_cleared', 'flapping'] as const;

/**
 * Each notification the probe sent about an alarm, to whom and when (the incident timers read
 * the send time). `sent_at` is filled in when the mail actually left.
 */
export const alarmNotifications = sqliteTable('alarm_notifications', {
  id: integer().primaryKey({ autoIncrement: true }),
  alarmId: integer().notNull().references(() => alarms.id, { onDelete: 'cascade' }),
  incidentId: integer().references(() => incidents.id, { onDelete: 'set null' }),
  event: text({ enum: notificationEvents }).notNull(),
  channel: text().notNull().default('email'),
  recipient: text().notNull(),
  outboxId: integer().references(() => mailOutbox.id, { onDelete: 'set null' }),
  queuedAt: integer().notNull(),
  sentAt: integer(),
}, (t) => [index('alarm_notifications_alarm').on(t.alarmId), index('alarm_notifications_incident').on(t.incidentId), index('alarm_notifications_outbox').on(t.outboxId)]);

/** The last time each push monitor's secret URL was called. */
export const pushBeats = sqliteTable('push_beats', {
  monitorId: integer().primaryKey().references(() => monitors.id, { onDelete: 'cascade' }),
  lastAt: integer().notNull(),
  count: integer().notNull().default(0),
  /** An optional status the caller sent (`down` with a message reports a failed job). */
  lastStatus: text(),
  lastMessage: text(),
});

/**
 * Per-monitor rollups of the raw checks, by hour (UTC hours, which are JST hours too) and by
 * day in the configured zone. They keep charts and reports fast and outlive raw checks.
 * `lat_*` cover checks with a latency; percentiles are exact, computed from the raw checks.
 */
const rollupColumns = () => ({
  monitorId: integer().notNull().references(() => monitors.id, { onDelete: 'cascade' }),
  start: integer().notNull(),
  up: integer().notNull(),
  degraded: integer().notNull(),
  down: integer().notNull(),
  latCount: integer().notNull(),
  latAvg: real(),
  latP50: integer(),
  latP95: integer(),
  latMax: integer(),
  computedAt: integer().notNull(),
});

export const checkRollupsHourly = sqliteTable('check_rollups_hourly', rollupColumns(), (t) => [primaryKey({ columns: [t.monitorId, t.start] })]);
export const checkRollupsDaily = sqliteTable('check_rollups_daily', { ...rollupColumns(), day: text().notNull() }, (t) => [primaryKey({ columns: [t.monitorId, t.start] })]);

/**
 * Hours with new checks whose rollups are yet to be (re)computed, written with the checks.
 * `hourly_done` once the hour's rollup is current; the row goes when its day's is too.
 */
export const rollupPending = sqliteTable('rollup_pending', {
  monitorId: integer().notNull(),
  hour: integer().notNull(),
  hourlyDone: integer().notNull().default(0),
}, (t) => [primaryKey({ columns: [t.monitorId, t.hour] })]);
