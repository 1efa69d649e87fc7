import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startSite, waitFor, runScript, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { openDatabase } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';

/** A real HTTP target on 127.0.0.1 whose health the test switches. */
function startTarget(): Promise<{ server: Server; url: string; setHealthy: (ok: boolean) => void }> {
  let healthy = true;
  const server = createServer((_req, res) => {
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(healthy ? 'ok' : 'maintenance');
  });
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    ready({ server, url: `http://127.0.0.1:${port}/`, setHealthy: (ok) => (healthy = ok) });
  }));
}

async function page(url: string): Promise<string> {
  const res = await fetch(url);
  return res.text();
}

describe('the started site with its probe', () => {
  const dir = tempDir();
  let target: Awaited<ReturnType<typeof startTarget>>;
  let site: RunningSite;

  beforeAll(async () => {
    target = await startTarget();
    const dbPath = join(dir.dir, 'status.db');
    const db = openDatabase(dbPath);
    importInterchange(db, validateInterchange({
      version: 1,
      services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 }],
      monitors: [{ slug: 'elearning-web', service: 'elearning', type: 'http', target: target.url, interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true }],
    }));
    db.$client.close();
    site = await startSite({ DATABASE_PATH: dbPath });
  });

  afterAll(async () => {
    await site?.stop();
    target?.server.close();
    dir.remove();
  });

  it('shows the service as up, then as down once the target fails twice, then up again', async () => {
    await waitFor(async () => (await page(`${site.url}/`)).includes('data-status="operational"') && (await fetch(`${site.url}/healthz`)).status === 200, 20_000);
    const up = await page(`${site.url}/`);
    expect(up).toContain('eラーニングシステム');
    expect(up).toContain('すべてのサービスは正常に稼働しています');
    expect(up).not.toContain('サンプルデータ');

    target.setHealthy(false);
    const down = await waitFor(async () => {
      const html = await page(`${site.url}/`);
      return html.includes('data-testid="overall" data-status="major_outage"') ? html : null;
    }, 30_000);
    expect(down).toContain('サービスで障害が発生しています');
    // The public reads fixed words of the confirmed state, never the probe's reason.
    expect(down).not.toContain('HTTP 503');
    expect(down).toContain('自動監視で停止を検知しました');
    // The English page was rendered at start; the first request may get it while it is rebuilt.
    const en = await waitFor(async () => {
      const html = await page(`${site.url}/en/`);
      return html.includes('A service is down') ? html : null;
    }, 15_000);
    expect(en).toContain('E-learning system');

    target.setHealthy(true);
    await waitFor(async () => (await page(`${site.url}/`)).includes('data-testid="overall" data-status="operational"'), 30_000);
  });

  it('/healthz answers 200 with a fresh probe', async () => {
    const res = await fetch(`${site.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', reasons: [], causes: [], warnings: [] });
  });

  it('answers 404 to raw paths with dot segments, which clients would otherwise normalise away', async () => {
    const { request } = await import('node:http');
    for (const path of ['/reports/../', '/reports/..', '/reports/%2e%2e/healthz', '/./healthz']) {
      const status = await new Promise<number>((done, fail) => {
        const { hostname, port } = new URL(site.url);
        request({ hostname, port, path }, (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        }).on('error', fail).end();
      });
      expect(status, path).toBe(404);
    }
  });

  it('stops cleanly on SIGTERM and /healthz then reports the dead probe', async () => {
    expect(await site.stop()).toBe(0);
    // The same database served without a worker: the probe's heartbeat is gone.
    const again = await startSite({ DATABASE_PATH: join(dir.dir, 'status.db'), PROBE: 'off' });
    try {
      const res = await fetch(`${again.url}/healthz`);
      expect(res.status).toBe(503);
      expect((await res.json()).reasons.join(' ')).toMatch(/probe/);
      expect(await page(`${again.url}/`)).toContain('監視が停止しているため');
    } finally {
      await again.stop();
    }
  });
});

describe('a fresh database', () => {
  it('gets the labelled sample; its monitors probe this machine', async () => {
    const dir = tempDir();
    const site = await startSite({ DATABASE_PATH: join(dir.dir, 'fresh.db') });
    try {
      const html = await page(`${site.url}/`);
      expect(html).toContain('これはサンプルデータです');
      expect(html).toContain('当事業広報啓発WEBサイト');
      expect(html).toContain('eラーニングシステム');
      expect((html.match(/<li class="(up|partial|down|none)"/g) ?? []).length).toBe(180);
      expect(await (await fetch(`${site.url}/sample-target/elearning`)).text()).toBe('ok');
    } finally {
      await site.stop();
      dir.remove();
    }
  });
});

describe('bad start-up input stops with one clear message', () => {
  const run = (env: Record<string, string>) => runScript('scripts/start.ts', [], { HOST: '127.0.0.1', LOG_LEVEL: 'error', ...env });

  it('names a bad environment variable', async () => {
    const res = await run({ PORT: 'eighty', DATABASE_PATH: '/tmp/never-used.db' });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/environment variable PORT/);
  });

  it('names a database path it cannot write', async () => {
    const dir = tempDir();
    // A file where a folder should be: no user, root included, can create the database there.
    const blocker = join(dir.dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const res = await run({ DATABASE_PATH: join(blocker, 'sub', 'x.db') });
    dir.remove();
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/cannot open the database at .*not-a-folder/);
  });

  it('names a malformed configuration file', async () => {
    const dir = tempDir();
    const file = join(dir.dir, 'config.json');
    writeFileSync(file, JSON.stringify({ zone: 'Mars/Olympus', colour: 1 }));
    const res = await run({ CONFIG_PATH: file, DATABASE_PATH: join(dir.dir, 'x.db') });
    dir.remove();
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/\$\.zone: must be an IANA time zone/);
    expect(res.stderr).toMatch(/colour/);
  });

  it('names a port already in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const { port } = blocker.address() as AddressInfo;
    const dir = tempDir();
    const res = await run({ PORT: String(port), DATABASE_PATH: join(dir.dir, 'x.db') });
    blocker.close();
    dir.remove();
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use`));
  });
});
