import { randomBytes, createHash } from 'node:crypto';
import type { Db } from '../db';
import type { UserRole } from '../../../db/schema/users';

/**
 * Sessions: a random token lives only in the visitor's cookie; the database holds its
 * SHA-256. Sessions expire after `SESSION_TTL_MS` without use (sliding: each use past half
 * the time renews it) and never live longer than `SESSION_MAX_MS`.
 */
export const SESSION_COOKIE = 'sid';
export const SESSION_TTL_MS = 12 * 3_600_000;
export const SESSION_MAX_MS = 30 * 86_400_000;

export interface SessionUser {
  id: number;
  email: string;
  role: UserRole;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createSession(db: Db, userId: number, now = Date.now()): { token: string; id: string; expiresAt: number } {
  const token = randomBytes(32).toString('base64url');
  const id = hashToken(token);
  const expiresAt = now + SESSION_TTL_MS;
  db.$client.prepare('INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(id, userId, now, expiresAt);
  return { token, id, expiresAt };
}

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The user of a cookie's token, or null when it is malformed, unknown, expired, or its user
 * is disabled. Renews the expiry when more than half of it has passed.
 */
export function validateSession(db: Db, token: string | undefined, now = Date.now()): { user: SessionUser; sessionId: string; expiresAt: number; renewed: boolean } | null {
  if (!token || !TOKEN_RE.test(token)) return null;
  const id = hashToken(token);
  const c = db.$client;
  const row = c.prepare(`SELECT s.id, s.created_at AS createdAt, s.expires_at AS expiresAt, u.id AS userId, u.email, u.role, u.disabled
    FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`).get(id) as
    { id: string; createdAt: number; expiresAt: number; userId: number; email: string; role: UserRole; disabled: number } | undefined;
  if (!row) return null;
  if (row.expiresAt <= now || row.disabled) {
    c.prepare('DELETE FROM sessions WHERE id = ?').run(id);
    return null;
  }
  let expiresAt = row.expiresAt;
  let renewed = false;
  if (expiresAt - now < SESSION_TTL_MS / 2) {
    expiresAt = Math.min(now + SESSION_TTL_MS, row.createdAt + SESSION_MAX_MS);
    if (expiresAt > row.expiresAt) {
      c.prepare('UPDATE sessions SET expires_at = ? WHERE id = ?').run(expiresAt, id);
      renewed = true;
    }
  }
  return { user: { id: row.userId, email: row.email, role: row.role }, sessionId: id, expiresAt, renewed };
}

export function invalidateSession(db: Db, sessionId: string): void {
  db.$client.prepare('DELETE FROM sessions WHERE id = ?').run(sessionId);
}

/** Signs a user out everywhere; returns how many sessions ended. */
export function invalidateUserSessions(db: Db, userId: number, exceptSessionId?: string): number {
  return db.$client.prepare('DELETE FROM sessions WHERE user_id = ? AND id != ?').run(userId, exceptSessionId ?? '').changes;
}

export function deleteExpiredSessions(db: Db, now = Date.now()): number {
  return db.$client.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
}

/** Attributes of the session cookie: never readable by scripts, not sent on cross-site posts, Secure over HTTPS. */
export function sessionCookieOptions(secure: boolean, expiresAt: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, expires: new Date(expiresAt) };
}
