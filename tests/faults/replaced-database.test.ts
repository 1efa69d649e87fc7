import { describe, it, expect, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { copyFileSync, existsSync, linkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/temp';
import { startSite, waitFor } from '../helpers/site';
import { logEvents } from '../helpers/worker';
import { openDatabase } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';

/** One of the application's databases, with a service of its own and a monitor checked every 5 s. */
function appDatabase(path: string, slug: string, target: string): void {
  const db = openDatabase(path);
  importInterchange(db, validateInterchange({
    version: 1,
    services: [{ slug, name: { ja: slug }, sla_target_pct: 99.9 }],
    monitors: [1, 2, 3].map((n) => ({ slug: `${slug}-${n}`, service: slug, type: 'http', target, interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true })),
  }));
  db.$client.close();
}

/** What a file holds, read on its own (no -wal beside a hard link's name): integrity, services, checks of each service. */
function contents(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }),
      services: db.prepare('SELECT slug FROM services ORDER BY slug').pluck().all(),
      checks: db.prepare('SELECT s.slug, count(*) AS n FROM checks c JOIN monitors m ON m.id = c.monitor_id JOIN services s ON s.id = m.service_id GROUP BY s.slug ORDER BY s.slug').all() as Array<{ slug: string; n: number }>,
      orphanChecks: db.prepare('SELECT count(*) FROM checks WHERE monitor_id NOT IN (SELECT id FROM monitors)').pluck().get(),
    };
  } finally {
    db.close();
  }
}

describe('another database moved onto DATABASE_PATH while the site and the worker run', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('corrupts neither file: the old file is let go of by every process before anything opens the new one, which never takes in the old log', async () => {
    const target = createServer((_q, r) => r.end('ok'));
    await new Promise<void>((ok) => target.listen(0, '127.0.0.1', () => ok()));
    cleanup.push(() => target.close());
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    const { dir, remove } = tempDir('fault-replace-');
    cleanup.push(remove);
    const dbPath = join(dir, 'status.db');
    const other = join(dir, 'other.db');
    appDatabase(dbPath, 'alpha', url);
    appDatabase(other, 'beta', url);
    // A second name for the running file, to read it once everyone has let go of it.
    const oldFile = join(dir, 'old-status.db');
    linkSync(dbPath, oldFile);

    const site = await startSite({ DATABASE_PATH: dbPath, LOG_LEVEL: 'info' });
    cleanup.push(() => site.stop());
    const checksOf = (slug: string) => {
      const db = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        return db.prepare('SELECT count(*) FROM checks c JOIN monitors m ON m.id = c.monitor_id JOIN services s ON s.id = m.service_id WHERE s.slug = ?').pluck().get(slug) as number;
      } finally {
        db.close();
      }
    };
    // The worker writes its checks (in the write-ahead log until a checkpoint) and the site reads.
    await waitFor(() => checksOf('alpha') >= 9, 40_000, 250);
    expect(existsSync(`${dbPath}-wal`)).toBe(true);

    expect(spawnSync('mv', [other, dbPath]).status).toBe(0);
    await waitFor(() => logEvents(site.output(), 'probe.storage_fault').some((e) => e.cause === 'file_replaced'), 20_000, 250);
    // A new worker starts on the new file (once both have let go of the old one), then checks its monitors.
    await waitFor(() => logEvents(site.output(), 'probe.started').length === 2, 60_000, 250);
    const betaChecked = await waitFor(() => checksOf('beta') >= 6, 30_000, 250).catch(() => false);
    // Any other program writing the new file (here a checkpoint, as the sqlite3 shell or a
    // maintenance script would make) copies the log it shares into it.
    const writer = new Database(dbPath, { fileMustExist: true });
    writer.pragma('wal_checkpoint(PASSIVE)');
    writer.close();
    // The site serves the new file too.
    const healthy = await waitFor(async () => (await fetch(`${site.url}/healthz`)).status === 200, 20_000, 500).catch(() => false);
    expect(await site.stop()).toBe(0);

    const now = contents(dbPath);
    const before = contents(oldFile);
    expect(now.integrity).toBe('ok');
    expect(before.integrity).toBe('ok');
    // The new file holds only its own: no page, service or check of the old file's log.
    expect(now.services).toEqual(['beta']);
    expect(now.checks.map((c) => c.slug)).toEqual(['beta']);
    expect(now.orphanChecks).toBe(0);
    expect(before.services).toEqual(['alpha']);
    // SQLite writes nothing more into a file moved away (SQLITE_READONLY_DBMOVED), so the old
    // file's log was left under the shared name: it is kept aside, named after the old file,
    // and holds every check written before the move; nothing of the new file.
    const keptLog = `${dbPath}-wal.of-replaced-${statSync(oldFile).ino}`;
    expect(existsSync(keptLog)).toBe(true);
    copyFileSync(keptLog, `${oldFile}-wal`);
    const recovered = contents(oldFile);
    expect(recovered.integrity).toBe('ok');
    expect(recovered.services).toEqual(['alpha']);
    expect(recovered.checks.map((c) => c.slug)).toEqual(['alpha']);
    expect(recovered.checks[0]!.n).toBeGreaterThanOrEqual(9);
    expect(betaChecked).toBe(true);
    expect(healthy).toBe(true);
    expect(logEvents(site.output(), 'start.database_reopened')).toHaveLength(1);
    expect(site.output().split('\n').filter((l) => /^\s+at |SqliteError|malformed/.test(l))).toEqual([]);
  }, 180_000);
});
