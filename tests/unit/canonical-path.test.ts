import { describe, expect, it } from 'vitest';
import { canonicalPath, decisionPath, encodedPath, needsSignIn } from '../../src/lib/auth/canonical-path';

describe('one canonical path before any decision', () => {
  it('merges runs of / and \\ and decodes once', () => {
    for (const raw of ['//admin/users', '/\\admin/users', '\\admin\\users', '///admin//users', '//%61dmin/users', '/%61%64%6d%69%6e/users', 'http://evil.example//admin/users'])
      expect(canonicalPath(raw)).toEqual({ ok: true, path: '/admin/users', search: '' });
    expect(canonicalPath('/en/?lang=en')).toEqual({ ok: true, path: '/en/', search: '?lang=en' });
    expect(canonicalPath('/incidents/%E9%9A%9C%E5%AE%B3')).toMatchObject({ ok: true, path: '/incidents/障害' });
  });

  it('refuses what would still read differently to another component', () => {
    for (const raw of ['/admin%2fusers', '/admin%5Cusers', '/%2e/admin', '/x/%2E%2E/admin', '/x/../admin/users', '/./admin', '/admin/users/.'])
      expect(canonicalPath(raw)).toMatchObject({ ok: false, status: 404 });
    for (const raw of ['/%2561dmin/users', '/admin/users%00', '/admin%09/users', '/admin%0a', '/admin/\u0001', '/bad%zz', '*', 'admin/users'])
      expect(canonicalPath(raw)).toMatchObject({ ok: false, status: 400 });
  });

  it('compares paths for access without case, trailing dots or slashes', () => {
    for (const p of ['/ADMIN/users', '/Admin./Users', '/admin/users/', '/admin/users.', '/reports', '/Reports/2026-10'])
      expect(needsSignIn(p), p).toBe(true);
    for (const p of ['/', '/en/', '/administrator', '/incidents/admin'])
      expect(needsSignIn(p), p).toBe(false);
    expect(decisionPath('/admin/dashboard.json')).toBe('/admin/dashboard.json');
  });

  it('re-encodes for the router what it decoded', () => {
    expect(encodedPath('/incidents/障害 1')).toBe('/incidents/%E9%9A%9C%E5%AE%B3%201');
    expect(encodedPath('/badge/web.svg')).toBe('/badge/web.svg');
  });
});
