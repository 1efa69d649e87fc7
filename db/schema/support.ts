import { sqliteTable, integer, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { services } from './services';
import { users } from './users';
import { mailOutbox } from './probe';

/**
 * The support desk (000 §11, 004 rows 4–6, 14–15): items raised by learners, the client or
 * an admin, their timeline, the minutes each admin logged, and the satisfaction survey.
 * Requesters' addresses and texts are personal data: admin pages only, never in public
 * pages, feeds, the API or exports. Instants are epoch milliseconds, UTC.
 */
export const supportChannels = ['phone', 'mail', 'form', 'in_person'] as const;
export const supportCategories = ['bug', 'question', 'request'] as const;
/** `dismissed`: closed as spam or out of scope: nobody is mailed or surveyed, and it counts in no figure. */
export const supportStatuses = ['received', 'in_progress', 'consulting', 'done', 'declined', 'dismissed'] as const;

export const supportItems = sqliteTable('support_items', {
  id: integer().primaryKey({ autoIncrement: true }),
  channel: text({ enum: supportChannels }).notNull(),
  category: text({ enum: supportCategories }).notNull(),
  status: text({ enum: supportStatuses }).notNull().default('received'),
  /** `learner` (public form), `client` (a signed-in client), `admin` (entered for a call, a mail, a visit). */
  raisedBy: text({ enum: ['learner', 'client', 'admin'] }).notNull(),
  serviceId: integer().references(() => services.id, { onDelete: 'set null' }),
  requesterEmail: text(),
  requesterName: text(),
  /** The signed-in client who raised it; a client sees only its own items. */
  requesterUserId: integer().references(() => users.id, { onDelete: 'set null' }),
  /** Language of the mails to the requester. */
  lang: text({ enum: ['ja', 'en'] }).notNull().default('ja'),
  body: text().notNull(),
  /** The approach agreed with the client (000 §11(3)), and when it was agreed. */
  approach: text(),
  approachAgreedAt: integer(),
  receivedAt: integer().notNull(),
  /** Phone and in person: acknowledged at reception. Mail and form: the acknowledgement mail's send time (ackOutboxId). */
  acknowledgedAt: integer(),
  /** The one acknowledgement mail of the item. */
  ackOutboxId: integer().references(() => mailOutbox.id, { onDelete: 'set null' }),
  closedAt: integer(),
  createdAt: integer().notNull(),
  updatedAt: integer().notNull(),
}, (t) => [
  index('support_items_received').on(t.receivedAt),
  index('support_items_email').on(t.requesterEmail, t.createdAt),
  index('support_items_user').on(t.requesterUserId),
]);

/**
 * The item's timeline: reception, every status change (with how the requester was told),
 * the agreed approach and notes. `reported_via` `mail` has the mail's outbox id; `phone`
 * and `in_person` are reported at `at` by the admin who recorded it.
 */
export const supportEvents = sqliteTable('support_events', {
  id: integer().primaryKey({ autoIncrement: true }),
  itemId: integer().notNull().references(() => supportItems.id, { onDelete: 'cascade' }),
  at: integer().notNull(),
  kind: text({ enum: ['received', 'status', 'approach', 'note', 'survey_sent'] }).notNull(),
  fromStatus: text({ enum: supportStatuses }),
  toStatus: text({ enum: supportStatuses }),
  text: text(),
  reportedVia: text({ enum: ['mail', 'phone', 'in_person'] }),
  outboxId: integer().references(() => mailOutbox.id, { onDelete: 'set null' }),
  userId: integer().references(() => users.id, { onDelete: 'set null' }),
  actor: text().notNull(),
}, (t) => [index('support_events_item').on(t.itemId, t.at)]);

/** Minutes an admin spent on an item: the month's support hours are the sum of these, never a typed total. */
export const supportMinutes = sqliteTable('support_minutes', {
  id: integer().primaryKey({ autoIncrement: true }),
  itemId: integer().notNull().references(() => supportItems.id, { onDelete: 'cascade' }),
  userId: integer().references(() => users.id, { onDelete: 'set null' }),
  actor: text().notNull(),
  minutes: integer().notNull(),
  /** When the work was done: the month it counts in. */
  workedAt: integer().notNull(),
  note: text(),
  createdAt: integer().notNull(),
}, (t) => [index('support_minutes_worked').on(t.workedAt)]);

/**
 * One-time survey links: sent when an item closes, or to every recent requester when an
 * admin starts the yearly campaign. Only the token's hash is stored.
 */
export const surveyInvitations = sqliteTable('survey_invitations', {
  id: integer().primaryKey({ autoIncrement: true }),
  itemId: integer().references(() => supportItems.id, { onDelete: 'set null' }),
  /** `YYYY` of a yearly campaign, null for an item's own survey. */
  campaign: text(),
  email: text().notNull(),
  lang: text({ enum: ['ja', 'en'] }).notNull().default('ja'),
  tokenHash: text().notNull(),
  sentAt: integer().notNull(),
  expiresAt: integer().notNull(),
  usedAt: integer(),
  outboxId: integer().references(() => mailOutbox.id, { onDelete: 'set null' }),
}, (t) => [uniqueIndex('survey_invitations_token').on(t.tokenHash), index('survey_invitations_campaign').on(t.campaign, t.email)]);

/** One returned survey: five answers scored 満足 100 / ほぼ満足 80 / 普通 60 / やや不満 40 / 不満 0. */
export const surveyAnswers = sqliteTable('survey_answers', {
  invitationId: integer().primaryKey().references(() => surveyInvitations.id, { onDelete: 'cascade' }),
  answeredAt: integer().notNull(),
  q1: integer().notNull(),
  q2: integer().notNull(),
  q3: integer().notNull(),
  q4: integer().notNull(),
  q5: integer().notNull(),
  comment: text(),
}, (t) => [index('survey_answers_at').on(t.answeredAt)]);
