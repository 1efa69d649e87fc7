import { describe, it, expect, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeSync, writeFileSync, closeSync, rmSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tempDir } from '../helpers/temp';
import { startSite, waitFor, runScript, type RunningSite } from '../helpers/site';
import { logEvents } from '../helpers/worker';
import { openDatabase } from '../../src/lib/db';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import { ADMIN, signInCookie } from '../integration/admin-fixture';

/** A small tmpfs of its own (the tests run as root, as CI does), so the disk can really fill up. */
function tmpfs(dir: string, size: string): () => void {
  mkdirSync(dir, { recursive: true });
  const res = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`mounting a tmpfs needs root: ${res.stderr}`);
  return () => spawnSync('umount', ['-l', dir]);
}

/**
 * An ext4 file system of its own on a loop device, mounted with errors=remount-ro; returns
 * how to make ext4 report an error (it then turns the file system read-only, as on a failing
 * disk) and how to take it down.
 */
function ext4(dir: string): { triggerError: () => void; remove: () => void } {
  mkdirSync(dir, { recursive: true });
  const image = `${dir}.img`;
  const run = (cmd: string, args: string[]) => {
    const res = spawnSync(cmd, args, { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (loop devices need root): ${res.stderr}`);
    return res.stdout.trim();
  };
  run('truncate', ['-s', '64M', image]);
  run('mkfs.ext4', ['-q', '-F', image]);
  const device = run('losetup', ['--find', '--show', image]);
  run('mount', ['-o', 'errors=remount-ro', device, dir]);
  return {
    triggerError: () => writeFileSync(`/sys/fs/ext4/${basename(device)}/trigger_fs_error`, 'drill'),
    remove: () => {
      spawnSync('umount', ['-l', dir]);
      spawnSync('losetup', ['-d', device]);
    },
  };
}

/** Writes zeros until the file system says it is full; returns the filler's path. */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(256 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}

/** /healthz as anyone sees it (codes only), or with an admin's cookie (the sentences too). */
async function health(url: string, cookie?: string): Promise<{ code: number; body: { status: string; reasons: string[]; causes: string[]; warnings: string[] } }> {
  const res = await fetch(`${url}/healthz`, cookie ? { headers: { cookie } } : {});
  return { code: res.status, body: await res.json() as never };
}

async function prepare(dbPath: string) {
  const db = openDatabase(dbPath);
  await createUser(db, systemActor('test'), { email: ADMIN.email, role: 'admin', password: ADMIN.password });
  db.$client.close();
}

const noStackTraces = (out: string) => out.split('\n').filter((l) => /^\s+at |SqliteError|Uncaught/.test(l));

describe('storage faults under npm start', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('a full disk: /healthz and the dashboard name it, the worker says so once and resumes when there is room', async () => {
    const { dir, remove } = tempDir('fault-full-');
    cleanup.push(remove);
    const mnt = join(dir, 'data');
    cleanup.push(tmpfs(mnt, '48m'));
    const dbPath = join(mnt, 'status.db');
    await prepare(dbPath);
    const site: RunningSite = await startSite({ DATABASE_PATH: dbPath, LOG_LEVEL: 'info' });
    cleanup.push(() => site.stop());
    await waitFor(async () => (await health(site.url)).code === 200, 30_000, 500);
    const cookie = await signInCookie(site.url, ADMIN);
    const filler = fillDisk(mnt);
    const down = await waitFor(async () => {
      const h = await health(site.url);
      return h.code === 503 && h.body.causes.includes('disk_full') ? h : null;
    }, 30_000, 500);
    expect(down.body.reasons).toEqual(['disk_full']);
    expect((await health(site.url, cookie)).body.reasons.join(' ')).toMatch(/full/);
    await waitFor(() => logEvents(site.output(), 'probe.storage_fault').length >= 1, 30_000, 500);
    const page = await (await fetch(`${site.url}/admin/`, { headers: { cookie } })).text();
    expect(page).toContain('data-cause="disk_full"');
    expect(page).toContain('データベースのディスクが一杯です');
    // A quarter minute later: still one message, no stack traces, no restart loop.
    await new Promise((r) => setTimeout(r, 15_000));
    expect(logEvents(site.output(), 'probe.storage_fault')).toHaveLength(1);
    expect(logEvents(site.output(), 'start.probe_exited')).toEqual([]);
    expect(noStackTraces(site.output())).toEqual([]);
    rmSync(filler);
    await waitFor(() => logEvents(site.output(), 'probe.storage_recovered').length === 1, 20_000, 500);
    await waitFor(async () => (await health(site.url)).code === 200, 30_000, 500);
  }, 150_000);

  it('a read-only file system: /healthz names it and the worker says so once', async () => {
    const { dir, remove } = tempDir('fault-ro-');
    cleanup.push(remove);
    const mnt = join(dir, 'data');
    cleanup.push(tmpfs(mnt, '48m'));
    const dbPath = join(mnt, 'status.db');
    await prepare(dbPath);
    const site = await startSite({ DATABASE_PATH: dbPath, LOG_LEVEL: 'info' });
    cleanup.push(() => site.stop());
    await waitFor(async () => (await health(site.url)).code === 200, 30_000, 500);
    const cookie = await signInCookie(site.url, ADMIN);
    // A read-only view of the folder over it (a plain remount is refused while files are open for writing).
    expect(spawnSync('mount', ['--bind', mnt, mnt]).status).toBe(0);
    cleanup.push(() => spawnSync('umount', ['-l', mnt]));
    expect(spawnSync('mount', ['-o', 'remount,bind,ro', mnt]).status).toBe(0);
    const down = await waitFor(async () => {
      const h = await health(site.url);
      return h.code === 503 && h.body.causes.includes('read_only') ? h : null;
    }, 30_000, 500);
    expect(down.body.reasons).toEqual(['read_only']);
    expect((await health(site.url, cookie)).body.reasons.join(' ')).toMatch(/read-only/);
    await waitFor(() => logEvents(site.output(), 'probe.storage_fault').length >= 1, 30_000, 500);
    expect(logEvents(site.output(), 'probe.storage_fault')[0]!.cause).toBe('read_only');
    expect(noStackTraces(site.output())).toEqual([]);
  }, 120_000);

  it('ext4 turned read-only by an error (errors=remount-ro): /healthz and the dashboard name it at once, the worker says so once', async () => {
    const { dir, remove } = tempDir('fault-ext4-');
    cleanup.push(remove);
    const mnt = join(dir, 'data');
    const fs = ext4(mnt);
    cleanup.push(fs.remove);
    const dbPath = join(mnt, 'status.db');
    await prepare(dbPath);
    const site = await startSite({ DATABASE_PATH: dbPath, LOG_LEVEL: 'info' });
    cleanup.push(() => site.stop());
    await waitFor(async () => (await health(site.url)).code === 200, 30_000, 500);
    await waitFor(() => logEvents(site.output(), 'probe.started').length === 1, 30_000, 200);
    const cookie = await signInCookie(site.url, ADMIN);
    fs.triggerError();
    const erredAt = Date.now();
    // Named from the write itself, not once the worker's heartbeat has gone stale (60 s).
    const down = await waitFor(async () => {
      const h = await health(site.url);
      return h.code === 503 && h.body.causes.includes('read_only') ? h : null;
    }, 10_000, 250);
    expect(Date.now() - erredAt).toBeLessThan(10_000);
    expect(down.body.causes).not.toContain('probe_stale');
    expect((await health(site.url, cookie)).body.reasons.join(' ')).toMatch(/read-only/);
    const page = await (await fetch(`${site.url}/admin/`, { headers: { cookie } })).text();
    expect(page).toContain('data-cause="read_only"');
    expect(page).toContain('データベースに書き込めません（読み取り専用）');
    await waitFor(() => logEvents(site.output(), 'probe.storage_fault').length >= 1, 10_000, 250);
    await new Promise((r) => setTimeout(r, 10_000));
    expect(logEvents(site.output(), 'probe.storage_fault').map((e) => e.cause)).toEqual(['read_only']);
    expect(noStackTraces(site.output())).toEqual([]);
  }, 120_000);

  it('a deleted database folder is noticed within a minute, and a backup then refuses instead of saving a fresh empty file', async () => {
    const { dir, remove } = tempDir('fault-gone-');
    cleanup.push(remove);
    const data = join(dir, 'data');
    const dbPath = join(data, 'status.db');
    await prepare(dbPath);
    const site = await startSite({ DATABASE_PATH: dbPath, LOG_LEVEL: 'info' });
    cleanup.push(() => site.stop());
    await waitFor(async () => (await health(site.url)).code === 200, 30_000, 500);
    const cookie = await signInCookie(site.url, ADMIN);
    const deletedAt = Date.now();
    rmSync(data, { recursive: true, force: true });
    const down = await waitFor(async () => {
      const h = await health(site.url);
      return h.code === 503 && h.body.causes.includes('file_gone') ? h : null;
    }, 60_000, 500);
    expect(down.body.reasons).toContain('file_gone');
    expect((await health(site.url, cookie)).body.reasons.join(' ')).toMatch(/deleted/);
    await waitFor(() => logEvents(site.output(), 'probe.storage_fault').some((e) => e.cause === 'file_gone'), 60_000, 500);
    expect(Date.now() - deletedAt).toBeLessThan(60_000);
    const backup = await runScript('scripts/backup.ts', [], { DATABASE_PATH: dbPath, LOG_LEVEL: 'error' });
    expect(backup.status).not.toBe(0);
    expect(backup.stderr).toMatch(/no database at .*never creates one/);
    // Nothing was created in its place, by the backup or by the worker.
    await new Promise((r) => setTimeout(r, 6000));
    expect(existsSync(dbPath)).toBe(false);
    expect(existsSync(data) ? readdirSync(data) : []).toEqual([]);
  }, 120_000);
});
