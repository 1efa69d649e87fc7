import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { hashPassword, verifyPassword } from '../../src/lib/auth/password';
import { totpCode, verifyTotp, base32Decode, base32Encode, totpStep } from '../../src/lib/auth/totp';
import { createUser, signIn, beginTotp, confirmTotp } from '../../src/lib/auth/users';
import { validateSession, SESSION_TTL_MS } from '../../src/lib/auth/session';
import { sameOrigin } from '../../src/lib/auth/security';
import { systemActor } from '../../src/lib/audit';

let t: ReturnType<typeof tempDb>;
beforeEach(() => { t = tempDb(); });
afterEach(() => t.close());

describe('auth primitives', () => {
  it('hashes passwords with scrypt and a salt', async () => {
    const a = await hashPassword('パスワード ✓ long enough');
    const b = await hashPassword('パスワード ✓ long enough');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('パスワード ✓ long enough', a)).toBe(true);
    expect(await verifyPassword('パスワード ✓ long enougH', a)).toBe(false);
  });

  it('computes RFC 6238 codes (the RFC test vector) and accepts each code once', () => {
    const secret = base32Encode(Buffer.from('12345678901234567890'));
    expect(base32Decode(secret).toString()).toBe('12345678901234567890');
    expect(totpCode(secret, totpStep(59_000))).toBe('287082');
    expect(totpCode(secret, totpStep(1_111_111_109_000))).toBe('081804');
    const now = 1_111_111_109_000;
    const step = verifyTotp(secret, '081804', now);
    expect(step).toBe(totpStep(now));
    expect(verifyTotp(secret, '081804', now, step)).toBeNull();
    expect(verifyTotp(secret, '000000', now)).toBeNull();
  });

  it('signs in with TOTP once enabled, and sessions expire', async () => {
    const { db } = t;
    const u = await createUser(db, systemActor('test'), { email: 'Ops@Example.jp', role: 'admin', password: 'a long password 123' });
    const secret = beginTotp(db, u.id);
    const now = Date.UTC(2026, 9, 1);
    confirmTotp(db, { id: u.id, email: u.email }, totpCode(secret, totpStep(now)), now);
    const noCode = await signIn(db, { email: 'ops@example.jp', password: 'a long password 123', address: '127.0.0.1' }, now + 60_000);
    // The same answer as a wrong password: it never says the password was right.
    expect(noCode).toEqual({ ok: false, reason: 'invalid', retryAt: now + 60_000 });
    const ok = await signIn(db, { email: ' OPS@example.jp ', password: 'a long password 123', code: totpCode(secret, totpStep(now + 60_000)), address: '127.0.0.1' }, now + 60_000);
    if (!ok.ok) throw new Error('sign-in failed');
    expect(validateSession(db, ok.token, now + 61_000)?.user.email).toBe('ops@example.jp');
    expect(validateSession(db, ok.token, now + 60_000 + SESSION_TTL_MS + 1)).toBeNull();
  });

  it('checks the origin of state changes', () => {
    const req = (h: Record<string, string>) => new Request('http://site.example/admin/', { method: 'POST', headers: h });
    expect(sameOrigin(req({ origin: 'http://site.example' }), ['http://site.example'])).toBe(true);
    expect(sameOrigin(req({ origin: 'http://evil.example' }), ['http://site.example'])).toBe(false);
    expect(sameOrigin(req({ origin: 'null' }), ['http://site.example'])).toBe(false);
    expect(sameOrigin(req({ referer: 'http://site.example/admin/x' }), ['http://site.example'])).toBe(true);
    expect(sameOrigin(req({}), ['http://site.example'])).toBe(false);
  });
});
