import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generate } from 'selfsigned';
import { openDatabase } from '../../src/lib/db';
import { importInterchange } from '../../src/lib/interchange/import';
import { createUser } from '../../src/lib/auth/users';
import { createSession } from '../../src/lib/auth/session';
import { systemActor } from '../../src/lib/audit';
import { startSite, waitFor, type RunningSite } from '../helpers/site';
import { pageFixture } from './page-fixture';

/**
 * deploy/nginx/status.conf itself, run by Debian's nginx in front of the built site: only the
 * values its header says to replace (ports, upstream, certificate, cache folder) are changed.
 */
const HOST = 'status.example.jp';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', () => ok()));
  const port = (s.address() as { port: number }).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

/** Replaces `from` (which must be in the text, `count` times) everywhere. */
function substitute(text: string, from: string, to: string, count: number): string {
  const n = text.split(from).length - 1;
  if (n !== count) throw new Error(`deploy/nginx/status.conf: expected "${from}" ${count} times, found ${n}`);
  return text.split(from).join(to);
}

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

describe('the shipped nginx configuration in front of the built site', () => {
  const dir = mkdtempSync(join(tmpdir(), 'status-nginx-'));
  chmodSync(dir, 0o755); // nginx's workers run as another user when the test runs as root
  const dbPath = join(dir, 'status.db');
  let site: RunningSite;
  let nginx: ChildProcess | null = null;
  let nginxOut = '';
  let httpPort = 0;
  let httpsPort = 0;
  let ca = '';
  let sessionCookie = '';

  /** Requests nginx over HTTPS with SNI and full verification of the test's certificate. */
  const https = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> => new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: httpsPort, servername: HOST, ca, path, method, headers: { host: HOST, ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
  /** nginx's access log: one line per request, "uri status cache-status upstream". */
  const log = () => readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n').filter(Boolean).map((l) => {
    const [uri, status, cache, upstream] = l.split(' ');
    return { uri, status: Number(status), cache, upstream };
  });
  const upstreamHits = (uri: string) => log().filter((l) => l.uri === uri && l.upstream !== '-').length;
  /** nginx writes a request's log line after its answer: wait briefly for the count. */
  const hitsSettled = async (uri: string, expected: number) => {
    const until = Date.now() + 3000;
    while (upstreamHits(uri) < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    return upstreamHits(uri);
  };
  const linesSettled = async (uri: string, expected: number) => {
    const until = Date.now() + 3000;
    while (log().filter((l) => l.uri === uri).length < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  };

  beforeAll(async () => {
    const db = openDatabase(dbPath);
    importInterchange(db, pageFixture());
    const admin = await createUser(db, systemActor('test'), { email: 'admin@example.jp', role: 'admin', password: 'correct horse battery staple' });
    sessionCookie = `sid=${createSession(db, admin.id).token}`;
    db.$client.close();
    // The site believes nginx's X-Forwarded-* headers as deploy/config.example.json says (trusted_proxies).
    const { trusted_proxies } = JSON.parse(readFileSync(resolve('deploy/config.example.json'), 'utf8')) as { trusted_proxies: string[] };
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ trusted_proxies }));
    site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off', CONFIG_PATH: join(dir, 'config.json') });
    const upstream = new URL(site.url).host;

    const pems = await generate([{ name: 'commonName', value: HOST }], {
      keySize: 2048, algorithm: 'sha256',
      extensions: [{ name: 'basicConstraints', cA: true }, { name: 'subjectAltName', altNames: [{ type: 2, value: HOST }] }],
    });
    ca = pems.cert;
    const certDir = join(dir, 'live', HOST);
    mkdirSync(certDir, { recursive: true });
    writeFileSync(join(certDir, 'fullchain.pem'), pems.cert);
    writeFileSync(join(certDir, 'privkey.pem'), pems.private, { mode: 0o600 });
    mkdirSync(join(dir, 'acme'));

    httpPort = await freePort();
    httpsPort = await freePort();
    let conf = readFileSync(resolve('deploy/nginx/status.conf'), 'utf8');
    conf = substitute(conf, '/etc/letsencrypt/live/status.example.jp/', `${certDir}/`, 3);
    conf = substitute(conf, 'server 127.0.0.1:4321;', `server ${upstream};`, 1);
    conf = substitute(conf, '/var/cache/nginx/status', join(dir, 'cache'), 2);
    conf = substitute(conf, 'root /var/lib/status/snapshot;', `root ${join(dir, 'snapshot')};`, 1);
    conf = substitute(conf, 'root /var/www/letsencrypt;', `root ${join(dir, 'acme')};`, 1);
    conf = substitute(conf, '    listen 80;\n', `    listen 127.0.0.1:${httpPort};\n`, 1);
    conf = substitute(conf, '    listen [::]:80;\n', '', 1);
    conf = substitute(conf, '    listen 443 ssl http2;\n', `    listen 127.0.0.1:${httpsPort} ssl http2;\n`, 1);
    conf = substitute(conf, '    listen [::]:443 ssl http2;\n', '', 1);
    writeFileSync(join(dir, 'status.conf'), conf);
    const temp = (name: string) => `${name}_temp_path ${join(dir, `${name}-temp`)};`;
    writeFileSync(join(dir, 'nginx.conf'), [
      'daemon off;', 'worker_processes 1;', `pid ${join(dir, 'nginx.pid')};`, `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  include /etc/nginx/mime.types;',
      '  log_format probe \'$request_uri $status $upstream_cache_status $upstream_addr\';',
      `  access_log ${join(dir, 'access.log')} probe;`,
      `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      `  include ${join(dir, 'status.conf')};`,
      '}', '',
    ].join('\n'));
    const syntax = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { encoding: 'utf8' });
    expect(syntax.stderr).toContain('syntax is ok');
    expect(syntax.stderr).not.toMatch(/\[warn\]/);
    expect(syntax.status).toBe(0);

    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout!.on('data', (d) => (nginxOut += d));
    nginx.stderr!.on('data', (d) => (nginxOut += d));
    await waitFor(() => new Promise<boolean>((ok) => {
      const s = connect(httpsPort, '127.0.0.1', () => { s.destroy(); ok(true); });
      s.on('error', () => ok(false));
    }), 10_000, 100);
  }, 120_000);

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((ok) => nginx!.once('exit', ok));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await site?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redirects plain HTTP to HTTPS, keeping the path', async () => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/incidents/?page=2`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    // To the configured name, whatever Host the request named (here 127.0.0.1).
    expect(res.headers.get('location')).toBe(`https://${HOST}/incidents/?page=2`);
    expect(await hitsSettled('/incidents/?page=2', 0)).toBe(0);
  });

  it('serves the public page over HTTPS with the site\'s headers, then from its cache', async () => {
    const first = await https('/');
    expect(first.status, nginxOut).toBe(200);
    expect(first.body).toContain('広報WEBサイト');
    expect(first.body).toContain('ログインできない障害');
    // The site's own headers come through, with HSTS since the site sees X-Forwarded-Proto https.
    expect(first.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(first.headers['content-security-policy']).toBeTruthy();
    expect(first.headers['x-frame-options']).toBe('DENY');
    expect(first.headers['cache-control']).toMatch(/^public, max-age=15/);
    expect(first.headers['x-cache-status']).toBe('MISS');

    const second = await https('/');
    expect(second.status).toBe(200);
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(second.body).toBe(first.body);
    expect(second.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(await hitsSettled('/', 1)).toBe(1);
    await linesSettled('/', 2);
    expect(log().filter((l) => l.uri === '/').map((l) => l.cache)).toEqual(['MISS', 'HIT']);

    // The Statuspage-compatible API is cached the same way.
    const api = await https('/api/v2/summary.json');
    expect(api.status).toBe(200);
    expect((await https('/api/v2/summary.json')).headers['x-cache-status']).toBe('HIT');
  });

  it('never caches admin pages or reports', async () => {
    for (const path of ['/admin/', '/reports/']) {
      const a = await https(path);
      const b = await https(path);
      expect(a.status).toBe(303);
      expect(a.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
      expect(b.status).toBe(303);
      expect(a.headers['x-cache-status']).toBeUndefined();
      expect(await hitsSettled(path, 2)).toBe(2);
    }
    // Signed in, the admin page is the admin's own, fetched every time.
    const admin1 = await https('/admin/', { cookie: sessionCookie });
    const admin2 = await https('/admin/', { cookie: sessionCookie });
    expect(admin1.status).toBe(200);
    expect(admin2.status).toBe(200);
    expect(admin1.headers['cache-control']).toBe('no-store');
    expect(await hitsSettled('/admin/', 4)).toBe(4);
    expect(log().filter((l) => l.uri === '/admin/').every((l) => l.cache === '-')).toBe(true);
  });

  it('refuses the admin pages to an anonymous visitor however the path is spelled', async () => {
    for (const path of ['//admin/users', '/\\admin/users', '//%61dmin/users', '/admin//users', '///admin/audit', '/%2e/admin/users', '/ADMIN/users', '/admin/users/.', '/incidents/../admin/users']) {
      const res = await https(path);
      expect(res.status, `${path}: ${res.body.slice(0, 120)}`).not.toBe(200);
      expect(res.body).not.toContain('admin@example.jp');
      if (res.status === 303) expect(String(res.headers.location)).toMatch(/^\/login\?next=/);
    }
  });

  it('does not serve a signed-in visitor from the cache', async () => {
    const before = upstreamHits('/');
    const signedIn = await https('/', { cookie: sessionCookie });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers['x-cache-status']).toBe('BYPASS');
    const again = await https('/', { cookie: `lang=ja; ${sessionCookie}` });
    expect(again.headers['x-cache-status']).toBe('BYPASS');
    expect(await hitsSettled('/', before + 2)).toBe(before + 2);
    // An anonymous visitor is still served the anonymous page nginx cached before.
    const anonymous = await https('/');
    expect(['HIT', 'UPDATING', 'STALE', 'EXPIRED']).toContain(anonymous.headers['x-cache-status']);
  });

  it('answers the page, the API and the feeds from the site\'s snapshot while the site is down, and live again once it is back', async () => {
    const snapshot = join(dir, 'snapshot');
    await waitFor(() => existsSync(join(snapshot, 'updated-at.txt')) && existsSync(join(snapshot, 'lang-en/badge/learn.svg')), 30_000, 100);
    const port = new URL(site.url).port;
    await site.stop();

    // Addresses nginx has not cached: they can only come from the snapshot.
    const page = await https('/en/');
    expect(page.status, nginxOut).toBe(200);
    expect(page.headers['x-status-snapshot']).toBeTruthy();
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('Learners cannot sign in');
    // "Last updated at", with the instant it was rendered.
    expect(page.body).toMatch(/Updated: <time datetime="(\d{4}-\d\d-\d\dT[\d:.]+Z)">/);
    const api = await https('/api/v2/status.json?lang=en');
    expect(api.status).toBe(200);
    expect(api.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((JSON.parse(api.body) as { status: { indicator: string } }).status.indicator).toBe('critical');
    const rss = await https('/history.rss');
    expect(rss.status).toBe(200);
    expect(rss.headers['content-type']).toContain('application/rss+xml');
    expect(rss.body).toContain('ログインできない障害');
    const ics = await https('/maintenance.ics?lang=en');
    expect(ics.status).toBe(200);
    expect(ics.headers['content-type']).toContain('text/calendar');
    expect(ics.body).toContain('BEGIN:VCALENDAR');
    const badge = await https('/badge/learn.svg?lang=en');
    expect(badge.headers['content-type']).toContain('image/svg+xml');
    // Admin pages are not in the snapshot: the site's absence is not hidden there.
    expect((await https('/admin/', { cookie: sessionCookie })).status).toBe(502);

    site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off', PORT: port, CONFIG_PATH: join(dir, 'config.json') });
    const live = await waitFor(async () => {
      const r = await https('/api/v2/incidents.json?lang=en');
      return r.status === 200 && !r.headers['x-status-snapshot'] ? r : null;
    }, 30_000, 200);
    expect(live.headers['x-cache-status']).toBe('MISS');
    expect(live.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  }, 120_000);
});
