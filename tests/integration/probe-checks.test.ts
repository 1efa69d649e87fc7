import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { generate } from 'selfsigned';
import dns2 from 'dns2';
import { FtpSrv } from 'ftp-srv';
import { checkTypes, validateMonitorTarget } from '../../src/lib/probe/registry';
import type { CheckOutcome } from '../../src/lib/probe/check-type';
import { extractLinks } from '../../src/lib/probe/checks/page-health';

const DAY = 86_400_000;

async function run(type: string, target: string, options: Record<string, unknown> = {}, timeoutMs = 3000): Promise<CheckOutcome> {
  const problems = validateMonitorTarget(type, target, options);
  expect(problems).toEqual([]);
  const ct = checkTypes[type]!;
  return ct.run({ target, options: ct.options.parse(options), timeoutMs, monitor: { id: 1, intervalS: 60, db: undefined as never } }, new AbortController().signal);
}

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as AddressInfo).port)));
}

async function cert(days: number, host = 'localhost'): Promise<{ key: string; cert: string }> {
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: host }], {
    keySize: 2048, algorithm: 'sha256',
    notBeforeDate: new Date(now - 2 * DAY), notAfterDate: new Date(now + days * DAY),
    extensions: [{ name: 'basicConstraints', cA: true }, { name: 'subjectAltName', altNames: [{ type: 2, value: host }, { type: 7, ip: '127.0.0.1' }] }],
  });
  return { key: pems.private, cert: pems.cert };
}

const servers: Array<{ close: (cb?: () => void) => unknown }> = [];
afterAll(async () => {
  for (const s of servers) await new Promise<void>((ok) => { s.close(() => ok()); setTimeout(ok, 500); });
});

describe('http check', () => {
  let port = 0;
  beforeAll(async () => {
    const server = createHttpServer((req, res) => {
      if (req.url === '/ok') { res.setHeader('content-type', 'text/html'); res.end('<h1>ログイン</h1>'); return; }
      if (req.url === '/slow') { setTimeout(() => res.end('late'), 300); return; }
      if (req.url === '/hang') return; // never answers
      if (req.url === '/redirect') { res.writeHead(302, { location: '/ok' }); res.end(); return; }
      if (req.url === '/loop') { res.writeHead(302, { location: '/loop' }); res.end(); return; }
      if (req.url === '/header') { res.statusCode = req.headers['x-token'] === 'secret' ? 200 : 401; res.end(); return; }
      if (req.url === '/error') { res.statusCode = 503; res.end('maintenance'); return; }
      res.statusCode = 404;
      res.end();
    });
    servers.push(server);
    port = await listen(server);
  });

  it('is up on the expected status, with the keyword present, and follows redirects', async () => {
    expect(await run('http', `http://127.0.0.1:${port}/ok`, { keyword: 'ログイン' })).toMatchObject({ status: 'up', reason: null });
    expect(await run('http', `http://127.0.0.1:${port}/redirect`, { keyword: 'ログイン' })).toMatchObject({ status: 'up' });
    expect(await run('http', `http://127.0.0.1:${port}/header`, { headers: { 'x-token': 'secret' } })).toMatchObject({ status: 'up' });
  });

  it('is down with a reason a person can read', async () => {
    expect(await run('http', `http://127.0.0.1:${port}/ok`, { keyword: 'ようこそ' })).toMatchObject({ status: 'down', reason: "keyword 'ようこそ' not found" });
    expect(await run('http', `http://127.0.0.1:${port}/ok`, { keyword_absent: 'ログイン' })).toMatchObject({ status: 'down', reason: "keyword 'ログイン' found" });
    expect(await run('http', `http://127.0.0.1:${port}/error`)).toMatchObject({ status: 'down', reason: 'HTTP 503, expected 200-399' });
    expect(await run('http', `http://127.0.0.1:${port}/redirect`, { follow_redirects: false, expected_status: [200] })).toMatchObject({ status: 'down', reason: 'HTTP 302, expected 200' });
    expect(await run('http', `http://127.0.0.1:${port}/loop`)).toMatchObject({ status: 'down', reason: 'more than 5 redirects' });
    expect(await run('http', `http://127.0.0.1:${port}/hang`, {}, 500)).toMatchObject({ status: 'down', reason: 'timed out after 500 ms' });
    const closed = createTcpServer();
    const freePort = await listen(closed);
    await new Promise((ok) => closed.close(ok));
    expect(await run('http', `http://127.0.0.1:${freePort}/`)).toMatchObject({ status: 'down', reason: 'connection refused' });
  });

  it('is degraded when slower than the threshold', async () => {
    const r = await run('http', `http://127.0.0.1:${port}/slow`, { degraded_ms: 100 });
    expect(r.status).toBe('degraded');
    expect(r.reason).toMatch(/^slow: \d+ ms, over 100 ms$/);
  });

  it('refuses bad targets and options, naming the field', () => {
    expect(validateMonitorTarget('http', 'ftp://x', {})).toEqual([{ field: 'target', message: 'must be an http:// or https:// URL' }]);
    expect(validateMonitorTarget('http', 'http://x/', { expected_status: ['abc'] })[0]!.field).toBe('options.expected_status[0]');
    expect(validateMonitorTarget('http', 'http://x/', { nonsense: 1 })[0]!.field).toBe('options');
    expect(validateMonitorTarget('http', 'http://x/', { tls_warn_days: 5, tls_critical_days: 9 })).toEqual([{ field: 'options.tls_critical_days', message: 'must not be more than tls_warn_days' }]);
    expect(validateMonitorTarget('gopher', 'x', {})[0]!.field).toBe('type');
  });
});

describe('https and tls checks', () => {
  const ports: Record<string, number> = {};
  let goodCa = '';
  let nearCa = '';
  beforeAll(async () => {
    const [good, near, expired, wrongName] = await Promise.all([cert(200), cert(5), cert(-3), cert(200, 'other.example.jp')]);
    goodCa = good.cert;
    nearCa = near.cert;
    for (const [name, pems] of Object.entries({ good, near, expired, wrongName })) {
      const server = createHttpsServer(pems, (_req, res) => res.end('secure ok'));
      servers.push(server);
      ports[name] = await listen(server);
    }
    const plain = createHttpServer((_req, res) => res.end('plain'));
    servers.push(plain);
    ports.plain = await listen(plain);
  });

  it('checks https with a trusted private CA, and reports TLS errors as such', async () => {
    expect(await run('http', `https://localhost:${ports.good}/`, { ca: goodCa, keyword: 'secure ok' })).toMatchObject({ status: 'up', reason: null, warnings: [] });
    expect(await run('http', `https://localhost:${ports.good}/`)).toMatchObject({ status: 'down', reason: 'TLS certificate is self-signed' });
    expect(await run('http', `https://localhost:${ports.expired}/`, { ignore_tls_errors: false })).toMatchObject({ status: 'down', reason: expect.stringMatching(/expired|self-signed/) });
    expect(await run('http', `https://localhost:${ports.plain}/`)).toMatchObject({ status: 'down', reason: 'the server does not speak TLS on this port' });
  });

  it('warns through the http check when the certificate is near expiry', async () => {
    const r = await run('http', `https://localhost:${ports.near}/`, { ca: nearCa });
    expect(r.status).toBe('up');
    expect(r.warnings).toEqual([{ code: 'tls_expiry', severity: 'critical', message: expect.stringMatching(/^TLS certificate expires in [45] days/) }]);
  });

  it('tls: days to expiry against thresholds, hostname and chain problems', async () => {
    expect(await run('tls', `localhost:${ports.good}`, { ca: goodCa })).toMatchObject({ status: 'up', reason: null });
    const near = await run('tls', `localhost:${ports.near}`, { ca: nearCa, warn_days: 30, critical_days: 3 });
    expect(near).toMatchObject({ status: 'up', warnings: [{ code: 'tls_expiry', severity: 'warning' }] });
    expect(near.reason).toMatch(/^TLS certificate expires in [45] days/);
    const nearCritical = await run('tls', `localhost:${ports.near}`, { ca: nearCa, warn_days: 30, critical_days: 10 });
    expect(nearCritical.warnings![0]!.severity).toBe('critical');
    expect(await run('tls', `localhost:${ports.expired}`)).toMatchObject({ status: 'down', reason: expect.stringMatching(/^TLS certificate expired [34] days ago/) });
    expect(await run('tls', `localhost:${ports.wrongName}`)).toMatchObject({ status: 'down', reason: expect.stringMatching(/^TLS certificate does not match the host name localhost \(certificate is for other\.example\.jp/) });
    expect(await run('tls', `localhost:${ports.good}`)).toMatchObject({ status: 'down', reason: 'TLS certificate is self-signed (not trusted)' });
    expect(await run('tls', `localhost:${ports.plain}`)).toMatchObject({ status: 'down', reason: 'the server does not speak TLS on this port' });
    expect(validateMonitorTarget('tls', 'localhost:99999', {})[0]!.field).toBe('target');
    expect(validateMonitorTarget('tls', 'localhost', { warn_days: 5, critical_days: 10 })[0]!.field).toBe('options.critical_days');
  });
});

describe('tcp check', () => {
  let greeting = 0;
  let garbage = 0;
  let silent = 0;
  beforeAll(async () => {
    const g = createTcpServer((s) => s.end('220 mail.example.jp ESMTP ready\r\n'));
    const b = createTcpServer((s) => s.end(Buffer.from([0, 255, 13, 7, 1, 2])));
    const q = createTcpServer(() => { /* accepts, says nothing */ });
    servers.push(g, b, q);
    [greeting, garbage, silent] = await Promise.all([listen(g), listen(b), listen(q)]);
  });

  it('is up when the port is open and the greeting matches', async () => {
    expect(await run('tcp', `127.0.0.1:${silent}`)).toMatchObject({ status: 'up' });
    expect(await run('tcp', `127.0.0.1:${greeting}`, { expect_banner: 'ESMTP' })).toMatchObject({ status: 'up' });
  });

  it('is down on a wrong greeting, silence or a closed port', async () => {
    expect(await run('tcp', `127.0.0.1:${garbage}`, { expect_banner: 'ESMTP' })).toMatchObject({ status: 'down', reason: "connection closed without a greeting containing 'ESMTP'" });
    expect(await run('tcp', `127.0.0.1:${silent}`, { expect_banner: 'ESMTP' }, 300)).toMatchObject({ status: 'down', reason: "no greeting containing 'ESMTP' within 300 ms" });
    expect(await run('tcp', '127.0.0.1:1')).toMatchObject({ status: 'down', reason: 'connection refused' });
    expect(validateMonitorTarget('tcp', 'example.jp', {})).toEqual([{ field: 'target', message: 'must be host:port, such as db.example.jp:3306' }]);
  });
});

describe('ping check', () => {
  it('pings the local host with the system ping', async () => {
    const r = await run('ping', '127.0.0.1', { count: 2 });
    expect(r.status).toBe('up');
    expect(r.latencyMs).not.toBeNull();
  });

  it('refuses a target that could be an option, and reports an unknown host', async () => {
    expect(validateMonitorTarget('ping', '-f', {})[0]!.field).toBe('target');
    expect(validateMonitorTarget('ping', 'a b', {})[0]!.field).toBe('target');
    expect(await run('ping', 'no-such-host.invalid', { count: 1 })).toMatchObject({ status: 'down', reason: 'host not found' });
  });
});

describe('dns check', () => {
  let port = 0;
  let garbagePort = 0;
  beforeAll(async () => {
    const { Packet } = dns2;
    const RCODE = (Packet as unknown as { RCODE: Record<'SERVFAIL' | 'NXDOMAIN', number> }).RCODE;
    const server = dns2.createServer({
      udp: true,
      handle: (request, send) => {
        const response = Packet.createResponseFromRequest(request);
        const q = request.questions[0]!;
        if (q.name === 'www.example.jp' && q.type === Packet.TYPE.A) {
          response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 300, address: '192.0.2.10' } as never);
        } else if (q.name === 'example.jp' && q.type === Packet.TYPE.MX) {
          response.answers.push({ name: q.name, type: Packet.TYPE.MX, class: Packet.CLASS.IN, ttl: 300, exchange: 'mail.example.jp', priority: 10 } as never);
        } else if (q.name === 'fail.example.jp') {
          response.header.rcode = RCODE.SERVFAIL;
        } else {
          response.header.rcode = RCODE.NXDOMAIN;
        }
        send(response);
      },
    });
    const addr = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    void addr;
    port = (server.addresses().udp as AddressInfo).port;
    servers.push({ close: (cb?: () => void) => { void server.close().then(() => cb?.()); } });
    // A "DNS server" that answers garbage.
    const { createSocket } = await import('node:dgram');
    const junk = createSocket('udp4');
    junk.on('message', (_m, rinfo) => junk.send(Buffer.from('garbage!'), rinfo.port, rinfo.address));
    await new Promise<void>((ok) => junk.bind(0, '127.0.0.1', () => ok()));
    garbagePort = junk.address().port;
    servers.push({ close: (cb?: () => void) => junk.close(cb) });
  });

  it('resolves at the chosen server, to the expected value', async () => {
    expect(await run('dns', 'www.example.jp', { server: `127.0.0.1:${port}`, expected: ['192.0.2.10'] })).toMatchObject({ status: 'up' });
    expect(await run('dns', 'example.jp', { server: `127.0.0.1:${port}`, record_type: 'MX', expected: ['mail.example.jp'] })).toMatchObject({ status: 'up' });
  });

  it('is down on a wrong answer, NXDOMAIN, SERVFAIL or garbage', async () => {
    expect(await run('dns', 'www.example.jp', { server: `127.0.0.1:${port}`, expected: ['192.0.2.99'] })).toMatchObject({ status: 'down', reason: 'A 192.0.2.10; expected 192.0.2.99' });
    expect(await run('dns', 'missing.example.jp', { server: `127.0.0.1:${port}` })).toMatchObject({ status: 'down', reason: 'name not found (NXDOMAIN)' });
    expect(await run('dns', 'fail.example.jp', { server: `127.0.0.1:${port}` })).toMatchObject({ status: 'down', reason: 'the server failed (SERVFAIL)' });
    const g = await run('dns', 'www.example.jp', { server: `127.0.0.1:${garbagePort}` }, 1000);
    expect(g.status).toBe('down');
    expect(g.reason).toMatch(/garbage|no answer/);
    expect(validateMonitorTarget('dns', 'www.example.jp', { server: 'dns.example.jp' })[0]!.field).toBe('options.server');
    expect(validateMonitorTarget('dns', 'not a name', {})[0]!.field).toBe('target');
  });
});

describe('ftp check', () => {
  let port = 0;
  let tlsPort = 0;
  let ca = '';
  beforeAll(async () => {
    const pems = await cert(200);
    ca = pems.cert;
    const make = async (tls: false | { key: string; cert: string }) => {
      const { port: p } = await (async () => {
        const probe = createTcpServer();
        const fp = await listen(probe);
        await new Promise((ok) => probe.close(ok));
        return { port: fp };
      })();
      const server = new FtpSrv({ url: `ftp://127.0.0.1:${p}`, pasv_url: '127.0.0.1', pasv_min: 30000, pasv_max: 40000, tls: tls || false, greeting: 'test ftp', log: { info() {}, debug() {}, trace() {}, warn() {}, error() {}, child() { return this; } } as never });
      server.on('login', ({ username, password }: { username: string; password: string }, resolve: (r: { root: string }) => void, reject: (e: Error) => void) => {
        if (username === 'backup' && password === 'pa ss') resolve({ root: '/tmp' });
        else reject(new Error('bad login'));
      });
      await server.listen();
      servers.push({ close: (cb?: () => void) => { void server.close().then(() => cb?.()); } });
      return p;
    };
    port = await make(false);
    tlsPort = await make(pems);
  });

  it('logs in, also over explicit FTPS, and lists a directory', async () => {
    expect(await run('ftp', `ftp://backup:pa%20ss@127.0.0.1:${port}`, { list_path: '/' })).toMatchObject({ status: 'up' });
    expect(await run('ftp', `ftps://backup:pa%20ss@localhost:${tlsPort}`, { ca })).toMatchObject({ status: 'up' });
  });

  it('is down when the login fails or the server is not FTP', async () => {
    expect(await run('ftp', `ftp://backup:wrong@127.0.0.1:${port}`)).toMatchObject({ status: 'down', reason: 'FTP login failed (530)' });
    const http = createHttpServer((_q, s) => s.end());
    servers.push(http);
    const hp = await listen(http);
    const r = await run('ftp', `ftp://u:p@127.0.0.1:${hp}`, {}, 1000);
    expect(r.status).toBe('down');
    expect(validateMonitorTarget('ftp', 'ftp://h/path', {})[0]!.field).toBe('target');
  });
});

describe('page-health check', () => {
  let port = 0;
  beforeAll(async () => {
    const server = createHttpServer((req, res) => {
      const html = (body: string) => { res.setHeader('content-type', 'text/html; charset=utf-8'); res.end(body); };
      switch (req.url) {
        case '/': return html(`<html><body><a href="/about">about</a> <a href='news.html#top'>news</a> <img src="/logo.png" srcset="/logo-2x.png 2x">
          <a href="/missing">gone</a> <img src=/broken.png> <a href="mailto:a@b.jp">mail</a> <a href="https://external.invalid/">out</a>
          <!-- <a href="/commented">x</a> --><link rel="stylesheet" href="/style.css"><a href="#top">top</a></body></html>`);
        case '/clean': return html('<a href="/about">about</a><img src="/logo.png">');
        case '/about': case '/news.html': return html('<a href="/deep-missing">deep</a>');
        case '/logo.png': case '/logo-2x.png': case '/style.css': res.end('x'); return;
        case '/head-refused': if (req.method === 'HEAD') { res.statusCode = 405; res.end(); return; } res.end('ok'); return;
        case '/uses-get': return html('<a href="/head-refused">x</a>');
        default: res.statusCode = 404; res.end('not found');
      }
    });
    servers.push(server);
    port = await listen(server);
  });

  it('finds the links and images of a page, same-site only', () => {
    const { links } = extractLinks('<base href="/sub/"><a href="a.html">a</a><img src="b.png"><a href="javascript:x()">j</a>', new URL('http://h/x/index.html'));
    expect(links.map((l) => l.href)).toEqual(['http://h/sub/a.html', 'http://h/sub/b.png']);
  });

  it('is up when nothing is broken, and HEAD refusals are retried with GET', async () => {
    expect(await run('page-health', `http://127.0.0.1:${port}/clean`)).toMatchObject({ status: 'up', reason: null });
    expect(await run('page-health', `http://127.0.0.1:${port}/uses-get`)).toMatchObject({ status: 'up' });
  });

  it('reports the broken links and images as a warning, deeper with depth 2', async () => {
    const r = await run('page-health', `http://127.0.0.1:${port}/`);
    expect(r.status).toBe('degraded');
    expect(r.reason).toBe('2 broken links: /missing (HTTP 404), /broken.png (HTTP 404)');
    expect(r.warnings).toEqual([{ code: 'broken_links', severity: 'warning', message: r.reason }]);
    const deep = await run('page-health', `http://127.0.0.1:${port}/`, { depth: 2 });
    expect(deep.reason).toContain('/deep-missing (HTTP 404)');
    expect(await run('page-health', `http://127.0.0.1:${port}/nope`)).toMatchObject({ status: 'down', reason: 'the page answered HTTP 404' });
  });
});

function metrics(o: { idle: number; user: number; memAvail: number; rootAvail: number; rx: number }): string {
  return `# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} ${o.idle}
node_cpu_seconds_total{cpu="0",mode="user"} ${o.user}
node_cpu_seconds_total{cpu="0",mode="system"} 10
# TYPE node_memory_MemTotal_bytes gauge
node_memory_MemTotal_bytes 8.0e+09
node_memory_MemAvailable_bytes ${o.memAvail}
node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 1e+11
node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} ${o.rootAvail}
node_filesystem_size_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 1e+09
node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 0
node_network_receive_bytes_total{device="eth0"} ${o.rx}
node_network_transmit_bytes_total{device="eth0"} 0
node_network_receive_bytes_total{device="lo"} 9e+15
`;
}

describe('resources check', () => {
  let port = 0;
  let sample = { idle: 1000, user: 100, memAvail: 4e9, rootAvail: 5e10, rx: 0 };
  let exporter: ChildProcess | null = null;
  let exporterPort = 0;
  beforeAll(async () => {
    const server = createHttpServer((req, res) => {
      if (req.url === '/garbage') { res.end('<html>hello</html>'); return; }
      if (req.url === '/other') { res.end('some_metric 1\n'); return; }
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(metrics(sample));
      // Every scrape: 1 s of CPU time passes, 90 % of it busy, and 50 MB arrive on eth0.
      sample = { ...sample, idle: sample.idle + 0.1, user: sample.user + 0.9, rx: sample.rx + 5e7 };
    });
    servers.push(server);
    port = await listen(server);
    const fp = createTcpServer();
    exporterPort = await listen(fp);
    await new Promise((ok) => fp.close(ok));
    exporter = spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${exporterPort}`], { stdio: 'ignore' });
    servers.push({ close: (cb?: () => void) => { exporter?.kill(); cb?.(); } });
  });

  it('reads CPU, memory, disk and traffic and warns above the thresholds', async () => {
    const r = await run('resources', `http://127.0.0.1:${port}/metrics`, { network_warn_bytes_s: 1e6 });
    expect(r.status).toBe('up');
    const codes = Object.fromEntries((r.warnings ?? []).map((w) => [w.code, w.severity]));
    expect(codes).toEqual({ cpu: 'warning', 'network:eth0': 'warning' });
    expect(r.warnings!.find((w) => w.code === 'cpu')!.message).toMatch(/^CPU 9\d(\.\d)? %, over 85 %$/);
    sample = { ...sample, memAvail: 1e8, rootAvail: 1e9 };
    const full = await run('resources', `http://127.0.0.1:${port}/metrics`, { cpu_warn_pct: 99, cpu_critical_pct: 99.5 });
    expect(Object.fromEntries((full.warnings ?? []).map((w) => [w.code, w.severity]))).toEqual({ memory: 'critical', 'disk:/': 'critical' });
    expect(full.reason).toContain('disk / 99 % full, over 95 %');
  });

  it('is down on an endpoint that is not node_exporter', async () => {
    expect(await run('resources', `http://127.0.0.1:${port}/garbage`)).toMatchObject({ status: 'down', reason: expect.stringMatching(/^not node_exporter metrics/) });
    expect(await run('resources', `http://127.0.0.1:${port}/other`)).toMatchObject({ status: 'down', reason: expect.stringMatching(/^not node_exporter metrics/) });
    expect(validateMonitorTarget('resources', 'http://h/metrics', { disk_warn_pct: 90, disk_critical_pct: 80 })[0]!.field).toBe('options.disk_critical_pct');
  });

  it("reads Debian's prometheus-node-exporter", async () => {
    let r: CheckOutcome | null = null;
    for (let i = 0; i < 40; i++) {
      r = await run('resources', `http://127.0.0.1:${exporterPort}/metrics`, { cpu_warn_pct: 100, cpu_critical_pct: 100, disk_warn_pct: 100, disk_critical_pct: 100, memory_warn_pct: 100, memory_critical_pct: 100 });
      if (r.status === 'up') break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    expect(r).toMatchObject({ status: 'up' });
  });
});
