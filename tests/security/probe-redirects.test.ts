import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkTypes } from '../../src/lib/probe/registry';
import type { CheckOutcome } from '../../src/lib/probe/check-type';
import { isPrivateAddress } from '../../src/lib/probe/redirects';

/**
 * Point 6: a monitor's own headers (Authorization) reach the target's origin only, and a
 * redirect to another host on a private address is followed only when the monitor says so.
 * Real HTTP servers on 127.0.0.1; "localhost" names the same machine as another host.
 */
const SECRET = 'Bearer probe-secret-4242';
let target: Server;
let other: Server;
let targetPort = 0;
let otherPort = 0;
const seen: Array<{ server: string; url: string; headers: IncomingHttpHeaders }> = [];

const listen = (s: Server) => new Promise<number>((ok) => s.listen(0, '127.0.0.1', () => ok((s.address() as AddressInfo).port)));

async function run(type: string, url: string, options: Record<string, unknown>): Promise<CheckOutcome> {
  const ct = checkTypes[type]!;
  return ct.run({ target: url, options: ct.options.parse(options), timeoutMs: 3000, monitor: { id: 1, intervalS: 60, db: undefined as never } }, new AbortController().signal);
}

beforeAll(async () => {
  target = createServer((req, res) => {
    seen.push({ server: 'target', url: req.url!, headers: req.headers });
    if (req.url === '/same') { res.writeHead(302, { location: '/ok' }); res.end(); return; }
    if (req.url === '/other-port') { res.writeHead(302, { location: `http://127.0.0.1:${otherPort}/landing` }); res.end(); return; }
    if (req.url === '/other-host') { res.writeHead(302, { location: `http://localhost:${otherPort}/landing` }); res.end(); return; }
    if (req.url === '/page') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(`<html><a href="http://127.0.0.1:${otherPort}/linked">x</a><a href="/ok">y</a></html>`); return; }
    res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>ok</html>');
  });
  other = createServer((req, res) => {
    seen.push({ server: 'other', url: req.url!, headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>landing</html>');
  });
  targetPort = await listen(target);
  otherPort = await listen(other);
});
afterAll(() => { target?.close(); other?.close(); });

const headersSeenBy = (server: string, url: string) => seen.filter((s) => s.server === server && s.url === url).map((s) => s.headers);

describe('probe redirects', () => {
  it('keeps the custom headers on a same-origin redirect', async () => {
    expect(await run('http', `http://127.0.0.1:${targetPort}/same`, { headers: { Authorization: SECRET } })).toMatchObject({ status: 'up' });
    expect(headersSeenBy('target', '/ok').at(-1)?.authorization).toBe(SECRET);
  });

  it('drops them when a redirect changes the origin (another port is another origin)', async () => {
    seen.length = 0;
    expect(await run('http', `http://127.0.0.1:${targetPort}/other-port`, { headers: { Authorization: SECRET, 'X-Api-Key': 'key-1' } })).toMatchObject({ status: 'up' });
    const landing = headersSeenBy('other', '/landing');
    expect(landing).toHaveLength(1);
    expect(landing[0]!.authorization).toBeUndefined();
    expect(landing[0]!['x-api-key']).toBeUndefined();
    expect(landing[0]!['user-agent']).toMatch(/status-sla-probe/);
    expect(headersSeenBy('target', '/other-port')[0]!.authorization).toBe(SECRET);
  });

  it('follows a redirect to another host on a private address only when allowed', async () => {
    seen.length = 0;
    const refused = await run('http', `http://127.0.0.1:${targetPort}/other-host`, { headers: { Authorization: SECRET } });
    expect(refused.status).toBe('down');
    expect(refused.reason).toMatch(/private address.*redirect_to_private/);
    expect(headersSeenBy('other', '/landing')).toHaveLength(0);
    const allowed = await run('http', `http://127.0.0.1:${targetPort}/other-host`, { headers: { Authorization: SECRET }, redirect_to_private: true });
    expect(allowed.status).toBe('up');
    expect(headersSeenBy('other', '/landing')[0]!.authorization).toBeUndefined();
  });

  it('page health sends the headers to its own origin only, not to linked sites or their redirects', async () => {
    seen.length = 0;
    const out = await run('page-health', `http://127.0.0.1:${targetPort}/page`, { headers: { Authorization: SECRET }, external: true });
    expect(out.status).toBe('up');
    expect(headersSeenBy('target', '/page')[0]!.authorization).toBe(SECRET);
    expect(headersSeenBy('target', '/ok').every((h) => h.authorization === SECRET)).toBe(true);
    const linked = headersSeenBy('other', '/linked');
    expect(linked.length).toBeGreaterThan(0);
    expect(linked.every((h) => h.authorization === undefined)).toBe(true);
    seen.length = 0;
    const redirected = await run('page-health', `http://127.0.0.1:${targetPort}/other-host`, { headers: { Authorization: SECRET } });
    expect(redirected.status).toBe('down');
    expect(redirected.reason).toMatch(/redirect_to_private/);
  });

  it('knows the private ranges', () => {
    for (const a of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '127.0.0.1', '169.254.169.254', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '100.64.0.1'])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['8.8.8.8', '203.0.113.1', '2001:db8::1', '172.32.0.1'])
      expect(isPrivateAddress(a), a).toBe(false);
  });
});
