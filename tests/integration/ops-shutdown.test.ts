import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { startSite, waitFor, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { openDatabase } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';

/** A probe target that answers after 1.5 s, so that a check is in flight at most times. */
function slowTarget(): Promise<{ server: Server; url: string; received: () => number; pending: () => number; answered: () => number }> {
  let received = 0;
  let pending = 0;
  let answered = 0;
  const server = createServer((_req, res) => {
    received++;
    pending++;
    setTimeout(() => {
      pending--;
      answered++;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    }, 1500);
  });
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    ready({ server, url: `http://127.0.0.1:${port}/`, received: () => received, pending: () => pending, answered: () => answered });
  }));
}

/** Opens a connection and sends a request's first header lines only: the request is in flight. */
function startRequest(url: string, path: string): Promise<{ socket: Socket; finish: () => Promise<string> }> {
  const { hostname, port } = new URL(url);
  return new Promise((ready, fail) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/html\r\n`);
      let response = '';
      socket.on('data', (d) => (response += d.toString()));
      const ended = new Promise<string>((done) => socket.on('close', () => done(response)));
      ready({ socket, finish: () => (socket.write('Connection: close\r\n\r\n'), ended) });
    });
    socket.once('error', fail);
  });
}

describe('SIGTERM on the started site', () => {
  const dir = tempDir('status-shutdown-');
  let target: Awaited<ReturnType<typeof slowTarget>>;
  let site: RunningSite | undefined;
  afterAll(async () => {
    if (site && site.process.exitCode === null) site.process.kill('SIGKILL');
    target?.server.close();
    dir.remove();
  });

  it('finishes the requests in flight and the probe\'s checks, then exits 0', async () => {
    target = await slowTarget();
    const dbPath = join(dir.dir, 'status.db');
    const db = openDatabase(dbPath);
    importInterchange(db, validateInterchange({
      version: 1,
      services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 }],
      monitors: [{ slug: 'elearning-web', service: 'elearning', type: 'http', target: target.url, interval_s: 5, timeout_s: 4, confirm: 2, counts_for_availability: true }],
    }));
    db.$client.close();
    site = await startSite({ DATABASE_PATH: dbPath });
    const running = site;

    // Wait until one check has completed and another is under way (the target has a request it has not answered yet).
    await waitFor(() => target.answered() >= 1 && target.pending() > 0, 30_000, 20);
    const requests = await Promise.all(Array.from({ length: 8 }, (_, i) => startRequest(running.url, i % 2 ? '/en/' : '/')));
    await new Promise((r) => setTimeout(r, 300)); // the site has read the start of each request
    const exited = new Promise<number | null>((done) => running.process.once('exit', (code) => done(code)));
    const answeredAtTerm = target.answered();
    running.process.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 400));
    expect(running.process.exitCode).toBeNull(); // still finishing its work

    // New connections are no longer accepted...
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
    // ...and every request that was in flight gets its whole page.
    const responses = await Promise.all(requests.map((r) => r.finish()));
    for (const [i, res] of responses.entries()) {
      expect(res.slice(0, 15)).toBe('HTTP/1.1 200 OK');
      expect(res.includes(i % 2 ? 'E-learning system' : 'eラーニングシステム') && res.includes('</html>')).toBe(true);
      // The chunked body ran to its end (the last chunk), so nothing was cut off.
      expect(/transfer-encoding: chunked/i.test(res) ? res.endsWith('\r\n0\r\n\r\n') : true).toBe(true);
    }
    expect(await exited).toBe(0);

    // The probe wrote every check it had completed (some only buffered at SIGTERM); the one cut
    // short by the shutdown is not recorded as a false outage; it left cleanly (lease released).
    const after = new Database(dbPath, { readonly: true });
    try {
      expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
      const checks = after.prepare('SELECT count(*) FROM checks').pluck().get() as number;
      expect(answeredAtTerm).toBeGreaterThanOrEqual(1);
      expect(checks).toBeGreaterThanOrEqual(answeredAtTerm);
      expect(after.prepare('SELECT count(*) FROM checks WHERE status <> 0').pluck().get()).toBe(0);
      expect(after.prepare("SELECT count(*) FROM leases WHERE name = 'probe'").pluck().get()).toBe(0);
    } finally {
      after.close();
    }
  });
});
