import { createHmac, randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { Db } from '../db';
import { getSetting, setSetting } from '../settings';

/**
 * Links in subscriber mail. The unsubscribe link is an HMAC of the subscriber's id under a
 * secret kept in the database (so every mail can carry it without storing it); the
 * confirmation link carries a one-time nonce whose hash is stored.
 */
const SECRET_SETTING = 'subscriptions.secret';

function secret(db: Db): string {
  let s = getSetting(db, SECRET_SETTING);
  if (!s) {
    s = randomBytes(32).toString('base64url');
    setSetting(db, SECRET_SETTING, s);
  }
  return s;
}

function mac(db: Db, what: string): string {
  return createHmac('sha256', secret(db)).update(what).digest('base64url').slice(0, 32);
}

export function unsubscribeToken(db: Db, subscriberId: number): string {
  return `${subscriberId}.${mac(db, `unsubscribe:${subscriberId}`)}`;
}

/** The subscriber id a valid unsubscribe token names, or null. */
export function readUnsubscribeToken(db: Db, token: string): number | null {
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return null;
  const id = Number(m[1]);
  const expected = Buffer.from(mac(db, `unsubscribe:${id}`));
  const given = Buffer.from(m[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
}

export function newNonce(): string {
  return randomBytes(24).toString('base64url');
}

export function hashNonce(nonce: string): string {
  return createHash('sha256').update(nonce).digest('base64url');
}

export function confirmToken(subscriberId: number, nonce: string): string {
  return `${subscriberId}.${nonce}`;
}

export function readConfirmToken(token: string): { id: number; nonce: string } | null {
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{32})$/.exec(token);
  return m ? { id: Number(m[1]), nonce: m[2]! } : null;
}
