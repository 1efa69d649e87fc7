import { z } from 'zod';
import type { Db } from '../db';
import { AppError } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { userRoles, type UserRole } from '../../../db/schema/users';
import { hashPassword, verifyPassword, dummyHash, PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH } from './password';
import { createSession, invalidateUserSessions } from './session';
import { waitUntil, recordFailure, clearFailures, emailKey, addressKey, pairKey, accountPolicy, addressPolicy, pairPolicy } from './throttle';
import { generateTotpSecret, verifyTotp } from './totp';

export interface UserRow {
  id: number;
  email: string;
  role: UserRole;
  totpEnabled: boolean;
  disabled: boolean;
  createdAt: number;
  lastSignInAt: number | null;
}

export const emailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email());
export const passwordSchema = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH);
export const roleSchema = z.enum(userRoles);

const COLUMNS = `id, email, role, totp_enabled AS totpEnabled, disabled, created_at AS createdAt, last_sign_in_at AS lastSignInAt`;
const toUser = (r: Record<string, unknown>): UserRow => ({ ...(r as unknown as UserRow), totpEnabled: Boolean(r.totpEnabled), disabled: Boolean(r.disabled) });
const pub = (u: UserRow) => ({ email: u.email, role: u.role, disabled: u.disabled, totpEnabled: u.totpEnabled });

export function listUsers(db: Db): UserRow[] {
  return (db.$client.prepare(`SELECT ${COLUMNS} FROM users ORDER BY email`).all() as Record<string, unknown>[]).map(toUser);
}

export function getUser(db: Db, id: number): UserRow | null {
  const r = db.$client.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  return r ? toUser(r) : null;
}

export function countUsers(db: Db): number {
  return (db.$client.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
}

/** Creates a user; the e-mail must be new. The password is hashed before the write. */
export async function createUser(db: Db, actor: Actor, input: { email: string; role: UserRole; password: string }, now = Date.now()): Promise<UserRow> {
  const email = emailSchema.safeParse(input.email);
  if (!email.success) throw new AppError('VALIDATION', 'email: not a valid e-mail address', [{ path: 'email', message: 'not a valid e-mail address' }]);
  if (!roleSchema.safeParse(input.role).success) throw new AppError('VALIDATION', 'role: must be admin or client', [{ path: 'role', message: 'must be admin or client' }]);
  if (!passwordSchema.safeParse(input.password).success) {
    throw new AppError('VALIDATION', `password: must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`, [{ path: 'password', message: `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters` }]);
  }
  const hash = await hashPassword(input.password);
  const c = db.$client;
  return c.transaction(() => {
    if (c.prepare('SELECT 1 FROM users WHERE email = ?').get(email.data)) {
      throw new AppError('CONFLICT', `a user with the e-mail ${email.data} already exists`, [{ path: 'email', message: 'already exists' }]);
    }
    const id = Number(c.prepare('INSERT INTO users (email, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(email.data, hash, input.role, now, now).lastInsertRowid);
    const user = getUser(db, id)!;
    recordAudit(db, actor, 'user.create', 'user', id, null, pub(user), now);
    return user;
  }).immediate();
}

export type SignInResult =
  | { ok: true; user: UserRow; token: string; expiresAt: number }
  /** Refused before the password was tried: this address must wait until `until`. */
  | { ok: false; reason: 'wait'; until: number }
  /** Wrong e-mail, password or code (one answer for all three); the next try may come at `retryAt`. */
  | { ok: false; reason: 'invalid'; retryAt: number };

/**
 * Checks the throttle, the password and (when enabled) the TOTP code, then opens a session.
 * A wrong e-mail, a wrong password, and a right password without its right code give the
 * same answer in about the same time, so the answer never says which part was right.
 * Waits run per account on this address and per address; failures from elsewhere only
 * slow the account by seconds (`sleep`), never refuse its owner.
 */
export async function signIn(db: Db, input: { email: string; password: string; code?: string; address: string }, now = Date.now(),
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const pair = pairKey(email, input.address);
  const address = addressKey(input.address);
  const account = emailKey(email);
  const wait = waitUntil(db, [pair, address], now);
  if (wait) return { ok: false, reason: 'wait', until: wait };
  const accountWait = waitUntil(db, [account], now);
  if (accountWait) {
    await sleep(accountWait - now);
    now += accountWait - now;
  }
  const row = db.$client.prepare('SELECT id, password_hash AS passwordHash, disabled, totp_enabled AS totpEnabled, totp_secret AS totpSecret, totp_last_step AS totpLastStep FROM users WHERE email = ?').get(email) as
    { id: number; passwordHash: string; disabled: number; totpEnabled: number; totpSecret: string | null; totpLastStep: number | null } | undefined;
  const passwordOk = await verifyPassword(input.password, row?.passwordHash ?? (await dummyHash()));
  const fail = (): SignInResult => ({
    ok: false, reason: 'invalid',
    retryAt: recordFailure(db, [{ key: pair, policy: pairPolicy }, { key: address, policy: addressPolicy }, { key: account, policy: accountPolicy }], now),
  });
  if (!row || !passwordOk || row.disabled) return fail();
  if (row.totpEnabled && row.totpSecret) {
    const step = input.code && input.code.trim() !== '' ? verifyTotp(row.totpSecret, input.code, now, row.totpLastStep) : null;
    if (step === null) return fail();
    db.$client.prepare('UPDATE users SET totp_last_step = ? WHERE id = ?').run(step, row.id);
  }
  clearFailures(db, [pair, account]);
  db.$client.prepare('UPDATE users SET last_sign_in_at = ? WHERE id = ?').run(now, row.id);
  const session = createSession(db, row.id, now);
  return { ok: true, user: getUser(db, row.id)!, token: session.token, expiresAt: session.expiresAt };
}

/** Changes one's own password after checking the current one; every other session ends. */
export async function changeOwnPassword(db: Db, actor: Actor & { id: number }, input: { current: string; next: string; sessionId: string }, now = Date.now()): Promise<void> {
  const row = db.$client.prepare('SELECT password_hash AS passwordHash FROM users WHERE id = ?').get(actor.id) as { passwordHash: string } | undefined;
  if (!row || !(await verifyPassword(input.current, row.passwordHash))) {
    throw new AppError('VALIDATION', 'current password: wrong', [{ path: 'current', message: 'wrong' }]);
  }
  if (!passwordSchema.safeParse(input.next).success) throw new AppError('VALIDATION', 'password: too short or too long', [{ path: 'next', message: 'length' }]);
  const hash = await hashPassword(input.next);
  db.$client.transaction(() => {
    db.$client.prepare('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?').run(hash, now, actor.id);
    invalidateUserSessions(db, actor.id, input.sessionId);
    recordAudit(db, actor, 'user.password_change', 'user', actor.id, null, null, now);
  }).immediate();
}

/** An admin sets another user's role, disables or enables the account, or sets a new password. */
export async function updateUser(db: Db, actor: Actor, id: number, input: { role?: UserRole; disabled?: boolean; password?: string }, now = Date.now()): Promise<UserRow> {
  const before = getUser(db, id);
  if (!before) throw new AppError('NOT_FOUND', `no user ${id}`);
  if (input.password !== undefined && !passwordSchema.safeParse(input.password).success) {
    throw new AppError('VALIDATION', 'password: length', [{ path: 'password', message: 'length' }]);
  }
  const hash = input.password !== undefined ? await hashPassword(input.password) : null;
  const c = db.$client;
  return c.transaction(() => {
    const role = input.role ?? before.role;
    const disabled = input.disabled ?? before.disabled;
    if (before.role === 'admin' && (role !== 'admin' || disabled)) {
      const admins = (c.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND id != ?").get(id) as { n: number }).n;
      if (admins === 0) throw new AppError('CONFLICT', 'the last active admin cannot be removed', [{ path: 'role', message: 'last_admin' }]);
    }
    c.prepare('UPDATE users SET role = ?, disabled = ?, updated_at = ? WHERE id = ?').run(role, disabled ? 1 : 0, now, id);
    if (hash) c.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, id);
    if (hash || disabled || role !== before.role) invalidateUserSessions(db, id);
    const after = getUser(db, id)!;
    recordAudit(db, actor, hash ? 'user.update_password' : 'user.update', 'user', id, pub(before), pub(after), now);
    return after;
  }).immediate();
}

export function signOutEverywhere(db: Db, actor: Actor, userId: number, now = Date.now()): number {
  return db.$client.transaction(() => {
    const n = invalidateUserSessions(db, userId);
    recordAudit(db, actor, 'user.sign_out_everywhere', 'user', userId, null, { sessions_ended: n }, now);
    return n;
  }).immediate();
}

/** Starts TOTP enrolment: a new secret is stored but not used until confirmed with a code. */
export function beginTotp(db: Db, userId: number): string {
  const secret = generateTotpSecret();
  db.$client.prepare('UPDATE users SET totp_secret = ?, totp_enabled = 0 WHERE id = ? AND totp_enabled = 0').run(secret, userId);
  return (db.$client.prepare('SELECT totp_secret AS s FROM users WHERE id = ?').get(userId) as { s: string }).s;
}

export function pendingTotpSecret(db: Db, userId: number): string | null {
  const r = db.$client.prepare('SELECT totp_secret AS s, totp_enabled AS e FROM users WHERE id = ?').get(userId) as { s: string | null; e: number } | undefined;
  return r && !r.e ? r.s : null;
}

export function confirmTotp(db: Db, actor: Actor & { id: number }, code: string, now = Date.now()): void {
  const secret = pendingTotpSecret(db, actor.id);
  if (!secret) throw new AppError('CONFLICT', 'no two-step set-up in progress');
  const step = verifyTotp(secret, code, now);
  if (step === null) throw new AppError('VALIDATION', 'code: wrong', [{ path: 'code', message: 'wrong_code' }]);
  db.$client.transaction(() => {
    db.$client.prepare('UPDATE users SET totp_enabled = 1, totp_last_step = ?, updated_at = ? WHERE id = ?').run(step, now, actor.id);
    recordAudit(db, actor, 'user.totp_enable', 'user', actor.id, { totpEnabled: false }, { totpEnabled: true }, now);
  }).immediate();
}

export function disableTotp(db: Db, actor: Actor & { id: number }, code: string, now = Date.now()): void {
  const r = db.$client.prepare('SELECT totp_secret AS s, totp_enabled AS e, totp_last_step AS l FROM users WHERE id = ?').get(actor.id) as { s: string | null; e: number; l: number | null };
  if (!r.e || !r.s) throw new AppError('CONFLICT', 'two-step sign-in is not on');
  if (verifyTotp(r.s, code, now, r.l) === null) throw new AppError('VALIDATION', 'code: wrong', [{ path: 'code', message: 'wrong_code' }]);
  db.$client.transaction(() => {
    db.$client.prepare('UPDATE users SET totp_enabled = 0, totp_secret = NULL, totp_last_step = NULL, updated_at = ? WHERE id = ?').run(now, actor.id);
    recordAudit(db, actor, 'user.totp_disable', 'user', actor.id, { totpEnabled: true }, { totpEnabled: false }, now);
  }).immediate();
}
