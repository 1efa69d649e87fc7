import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp';
import { checkTypes, validateMonitorTarget } from '../../src/lib/probe/registry';
import type { CheckOutcome } from '../../src/lib/probe/check-type';

// A private MariaDB server (Debian's mariadb-server) in a temp data directory, on a free port.
let mysqld: ChildProcess | null = null;
let port = 0;
let dir: ReturnType<typeof tempDir>;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', () => ok()));
  const p = (s.address() as AddressInfo).port;
  await new Promise((ok) => s.close(ok));
  return p;
}

async function run(target: string, options: Record<string, unknown> = {}, timeoutMs = 3000): Promise<CheckOutcome> {
  expect(validateMonitorTarget('mysql', target, options)).toEqual([]);
  const ct = checkTypes.mysql!;
  return ct.run({ target, options: ct.options.parse(options), timeoutMs }, new AbortController().signal);
}

beforeAll(async () => {
  dir = tempDir('probe-mysql-');
  const data = join(dir.dir, 'data');
  const install = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`mariadb-install-db failed (apt-get install mariadb-server): ${install.stderr || install.error}`);
  writeFileSync(join(dir.dir, 'init.sql'), "CREATE USER IF NOT EXISTS 'probe'@'%' IDENTIFIED BY 's3cret';\nCREATE DATABASE IF NOT EXISTS app;\nGRANT SELECT ON app.* TO 'probe'@'%';\n");
  port = await freePort();
  mysqld = spawn('mariadbd', ['--no-defaults', `--datadir=${data}`, '--user=root', `--port=${port}`, '--bind-address=127.0.0.1',
    `--socket=${join(dir.dir, 'sock')}`, `--pid-file=${join(dir.dir, 'pid')}`, '--skip-name-resolve', `--init-file=${join(dir.dir, 'init.sql')}`,
    '--innodb-buffer-pool-size=16M', '--skip-log-bin', `--log-error=${join(dir.dir, 'err.log')}`], { stdio: 'ignore' });
  const log = join(dir.dir, 'err.log');
  for (let i = 0; i < 300; i++) {
    if (existsSync(log) && readFileSync(log, 'utf8').includes('ready for connections')) return;
    if (mysqld.exitCode !== null) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`mariadbd did not start: ${existsSync(log) ? readFileSync(log, 'utf8') : 'no log'}`);
}, 60_000);

afterAll(async () => {
  if (mysqld && mysqld.exitCode === null) {
    const exited = new Promise((ok) => mysqld!.once('exit', ok));
    mysqld.kill('SIGTERM');
    await Promise.race([exited, new Promise((ok) => setTimeout(ok, 10_000))]);
    if (mysqld.exitCode === null) mysqld.kill('SIGKILL');
  }
  dir?.remove();
});

describe('mysql check against MariaDB', () => {
  it('connects, logs in and runs SELECT 1', async () => {
    const r = await run(`mysql://probe:s3cret@127.0.0.1:${port}/app`);
    expect(r).toMatchObject({ status: 'up', reason: null });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('is down with the reason on a wrong password, an unknown database or a closed port', async () => {
    expect(await run(`mysql://probe:wrong@127.0.0.1:${port}/app`)).toMatchObject({ status: 'down', reason: 'MySQL authentication failed (access denied)' });
    expect(await run(`mysql://probe:s3cret@127.0.0.1:${port}/nothere`)).toMatchObject({ status: 'down', reason: expect.stringMatching(/^MySQL (database not found|user may not use that database)/) });
    expect(await run('mysql://probe:s3cret@127.0.0.1:1/app')).toMatchObject({ status: 'down', reason: 'connection refused' });
  });

  it('is down, not hung, on a server that speaks something else', async () => {
    const junk = createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((ok) => junk.listen(0, '127.0.0.1', () => ok()));
    const jp = (junk.address() as AddressInfo).port;
    const r = await run(`mysql://probe:s3cret@127.0.0.1:${jp}/app`, {}, 1500);
    expect(r.status).toBe('down');
    expect(r.reason).toBeTruthy();
    await new Promise((ok) => junk.close(ok));
  });

  it('refuses a target without a user, naming the field', () => {
    expect(validateMonitorTarget('mysql', 'mysql://127.0.0.1:3306/app', {})).toEqual([{ field: 'target', message: 'must be mysql://user:password@host:port/database (user required)' }]);
    expect(validateMonitorTarget('mysql', 'mysql://u:p@h/app', { tls: 'yes' })[0]!.field).toBe('options.tls');
  });
});
