import { describe, expect, it } from 'vitest';
import { sameOriginPath } from '../../src/lib/auth/redirect';
import { trustedProxies, believeForwarded } from '../../src/lib/auth/proxies';
import { delayAfter, pairPolicy, accountPolicy, addressPolicy } from '../../src/lib/auth/throttle';
import { maskMonitor, keepSecrets, SECRET_MASK } from '../../src/lib/monitors/secrets';
import { parseConfig } from '../../src/lib/config';

describe('redirect targets', () => {
  it('keeps paths of this site and refuses every way to name another', () => {
    expect(sameOriginPath('/admin/monitors?x=1#f', '/admin/')).toBe('/admin/monitors?x=1#f');
    for (const raw of ['//evil.example', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', 'https://evil.example', 'http:evil.example', '\\\\evil', 'javascript:alert(1)', '', null, ' /x'])
      expect(sameOriginPath(raw, '/admin/'), String(raw)).toBe('/admin/');
  });
});

describe('forwarded headers', () => {
  it('drops them from anyone but a trusted proxy, and takes the nearest untrusted address', () => {
    const none = trustedProxies([]);
    const h1: Record<string, string> = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', forwarded: 'for=1.2.3.4', 'x-real-ip': '1.2.3.4' };
    expect(believeForwarded(h1, '::ffff:127.0.0.1', none)).toBe('127.0.0.1');
    expect(h1).toEqual({});
    const local = trustedProxies(['127.0.0.1', '10.0.0.0/8']);
    const h2: Record<string, string> = { 'x-forwarded-for': '198.51.100.1, 203.0.113.5, 10.1.2.3', 'x-forwarded-proto': 'https' };
    expect(believeForwarded(h2, '127.0.0.1', local)).toBe('203.0.113.5');
    expect(h2).toEqual({ 'x-forwarded-for': '203.0.113.5', 'x-forwarded-proto': 'https' });
    const h3: Record<string, string> = { 'x-forwarded-for': '203.0.113.5' };
    expect(believeForwarded(h3, '192.0.2.1', local)).toBe('192.0.2.1');
    expect(h3).toEqual({});
  });

  it('validates trusted_proxies in the configuration', () => {
    expect(parseConfig({}).trusted_proxies).toEqual([]);
    expect(parseConfig({ trusted_proxies: ['127.0.0.1', '::1', '10.0.0.0/8'] }).trusted_proxies).toHaveLength(3);
    expect(() => parseConfig({ trusted_proxies: ['localhost'] })).toThrow(/trusted_proxies\[0\]: must be an IP address or a CIDR range/);
  });

  it('validates who may read /metrics: addresses and the token\'s hash, never the token itself', () => {
    expect(parseConfig({}).metrics).toEqual({ allow: [] });
    expect(parseConfig({ metrics: { allow: ['127.0.0.1', '10.0.0.0/8'], token_sha256: 'a'.repeat(64) } }).metrics.allow).toHaveLength(2);
    expect(() => parseConfig({ metrics: { allow: ['prometheus.local'] } })).toThrow(/metrics\.allow\[0\]: must be an IP address or a CIDR range/);
    expect(() => parseConfig({ metrics: { token_sha256: 'my-secret-token' } })).toThrow(/metrics\.token_sha256: must be the SHA-256 of the token/);
    expect(() => parseConfig({ metrics: { token: 'x' } })).toThrow(/metrics/);
  });
});

describe('sign-in delays', () => {
  it('grow by doubling after the free failures, up to a ceiling; the account-wide one stays short', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => delayAfter(pairPolicy, n))).toEqual([0, 0, 2000, 4000, 8000, 16000]);
    expect(delayAfter(pairPolicy, 100)).toBe(15 * 60_000);
    expect(delayAfter(addressPolicy, 19)).toBe(0);
    expect(delayAfter(accountPolicy, 1000)).toBe(10_000);
  });
});

describe('monitor secrets', () => {
  it('masks tokens, URL passwords and secret query values, header values and secret-named options', () => {
    const m = maskMonitor({ type: 'http', target: 'https://u:p4ss@host/health?token=abc&x=1', options: { headers: { Authorization: 'Bearer z' }, api_key: 'k', max_redirects: 5 } });
    expect(m.target).toBe(`https://u:${SECRET_MASK}@host/health?token=${encodeURIComponent(SECRET_MASK)}&x=1`);
    expect(m.options).toEqual({ headers: { Authorization: SECRET_MASK }, api_key: SECRET_MASK, max_redirects: 5 });
    expect(maskMonitor({ type: 'push', target: 'tokentokentokentoken', options: {} }).target).toBe(SECRET_MASK);
  });

  it('keeps a stored secret for the mask, not for another host or type', () => {
    const stored = { type: 'mysql', target: 'mysql://u:pw@db:3306/app', options: {} };
    expect(keepSecrets(stored, { type: 'mysql', target: `mysql://u:${SECRET_MASK}@db:3306/app`, options: {} })).toMatchObject({ target: 'mysql://u:pw@db:3306/app', missing: [] });
    // Another host or type: the stored secret is cleared, not carried over.
    expect(keepSecrets(stored, { type: 'mysql', target: `mysql://u:${SECRET_MASK}@other:3306/app`, options: {} })).toEqual({ target: 'mysql://u@other:3306/app', options: {}, missing: [], cleared: ['target'] });
    expect(keepSecrets(stored, { type: 'ftp', target: `ftp://u:${SECRET_MASK}@db`, options: {} })).toMatchObject({ target: 'ftp://u@db/', cleared: ['target'] });
    // Another user name on the same host: the admin types the password.
    expect(keepSecrets(stored, { type: 'mysql', target: `mysql://v:${SECRET_MASK}@db:3306/app`, options: {} }).missing).toEqual(['target']);
    expect(keepSecrets(null, { type: 'http', target: 'http://h/', options: { headers: { A: SECRET_MASK } } }).missing).toEqual(['options.headers']);
  });

  it('clears header secrets when the host changes, unless typed again in the same save', () => {
    const stored = { type: 'http', target: 'https://api.example/health?key=k1&x=1', options: { headers: { Authorization: 'Bearer a', 'X-Api-Key': 'k2', Accept: 'text/plain' } } };
    const masked = { Authorization: SECRET_MASK, 'X-Api-Key': SECRET_MASK, Accept: 'text/plain' };
    expect(keepSecrets(stored, { type: 'http', target: `https://api.example/health?key=${SECRET_MASK}&x=2`, options: { headers: masked } }))
      .toEqual({ target: 'https://api.example/health?key=k1&x=2', options: { headers: stored.options.headers }, missing: [], cleared: [] });
    expect(keepSecrets(stored, { type: 'http', target: `https://evil.example/health?key=${SECRET_MASK}&x=1`, options: { headers: masked } }))
      .toEqual({ target: 'https://evil.example/health?x=1', options: { headers: { Accept: 'text/plain' } }, missing: [], cleared: ['target', 'options.headers'] });
    // Another port or scheme is another destination too.
    expect(keepSecrets(stored, { type: 'http', target: 'http://api.example/health', options: { headers: masked } }).options).toEqual({ headers: { Accept: 'text/plain' } });
    expect(keepSecrets(stored, { type: 'http', target: 'https://api.example:8443/health', options: { headers: masked } }).options).toEqual({ headers: { Accept: 'text/plain' } });
    // Typed again: the new value goes with the new host.
    expect(keepSecrets(stored, { type: 'http', target: 'https://new.example/', options: { headers: { ...masked, Authorization: 'Bearer new' } } }))
      .toMatchObject({ options: { headers: { Authorization: 'Bearer new', Accept: 'text/plain' } }, cleared: ['options.headers'] });
  });
});
