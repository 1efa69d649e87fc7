import { sqliteTable, integer, text, uniqueIndex, index } from 'drizzle-orm/sqlite-core';

export const userRoles = ['admin', 'client'] as const;
export type UserRole = (typeof userRoles)[number];

/** People who sign in: `admin` (the contractor's staff) changes things, `client` only reads. */
export const users = sqliteTable('users', {
  id: integer().primaryKey({ autoIncrement: true }),
  /** Stored lower-cased and trimmed. */
  email: text().notNull(),
  /** `scrypt$N$r$p$salt$hash` (base64url), see src/lib/auth/password.ts. */
  passwordHash: text().notNull(),
  role: text({ enum: userRoles }).notNull(),
  /** Base32 TOTP secret; used only once `totpEnabled` is set. */
  totpSecret: text(),
  totpEnabled: integer({ mode: 'boolean' }).notNull().default(false),
  /** The last TOTP time step accepted, so a code is never accepted twice. */
  totpLastStep: integer(),
  disabled: integer({ mode: 'boolean' }).notNull().default(false),
  createdAt: integer().notNull(),
  updatedAt: integer().notNull(),
  lastSignInAt: integer(),
}, (t) => [uniqueIndex('users_email_unique').on(t.email)]);

/** A signed-in browser. `id` is the SHA-256 of the cookie's token: the token itself is never stored. */
export const sessions = sqliteTable('sessions', {
  id: text().primaryKey(),
  userId: integer().notNull().references(() => users.id, { onDelete: 'cascade' }),
  createdAt: integer().notNull(),
  expiresAt: integer().notNull(),
}, (t) => [index('sessions_user').on(t.userId)]);

/**
 * Failed sign-ins counted per key (`email:<address>` or `ip:<address>`), kept in the database
 * so every process sees the same count. The key of an e-mail is counted whether or not an
 * account exists, so a lock reveals nothing.
 */
export const signInThrottle = sqliteTable('sign_in_throttle', {
  key: text().primaryKey(),
  failures: integer().notNull(),
  firstFailureAt: integer().notNull(),
  lockedUntil: integer(),
});
