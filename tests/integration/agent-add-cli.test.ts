import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp';
import { openDatabase } from '../../src/lib/db';
import { authenticateAgent } from '../../src/lib/agents/locations';

/** `npm run agent:add`: a location and its token, shown once; `--reissue` replaces a lost one. */
const tmp = tempDir('agent-add-cli-');
afterAll(() => tmp.remove());

describe('npm run agent:add', () => {
  const env = { ...process.env, DATABASE_PATH: join(tmp.dir, 'status.db'), LOG_LEVEL: 'error' };
  const run = (...args: string[]) => spawnSync(process.execPath, ['build/agent-add.mjs', ...args], { env, encoding: 'utf8' });
  const lastLine = (out: string) => out.trim().split('\n').pop()!;

  it('prints a token on its last line; --reissue prints a new one and the old is refused from then on', () => {
    openDatabase(env.DATABASE_PATH).$client.close();
    const added = run('--name', 'osaka', '--label-ja', '大阪');
    expect(added.status, added.stderr).toBe(0);
    const first = lastLine(added.stdout);
    expect(first).toMatch(/^pa_\d+_[A-Za-z0-9_-]{43}$/);
    const again = run('--name', 'osaka', '--reissue');
    expect(again.status, again.stderr).toBe(0);
    const second = lastLine(again.stdout);
    expect(second).toMatch(/^pa_\d+_[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);
    const db = openDatabase(env.DATABASE_PATH, { migrate: false });
    try {
      expect(authenticateAgent(db, first)).toBeNull();
      expect(authenticateAgent(db, second)?.slug).toBe('osaka');
      expect(db.$client.prepare("SELECT label_ja FROM probe_locations WHERE slug = 'osaka'").pluck().get()).toBe('大阪');
    } finally {
      db.$client.close();
    }
  });

  it('refuses to reissue a location that does not exist, or the built-in probe, and mixing --reissue with labels; nothing changes', () => {
    const before = openDatabase(env.DATABASE_PATH, { migrate: false });
    const hashes = () => before.$client.prepare('SELECT slug, token_hash FROM probe_locations ORDER BY id').all();
    const was = hashes();
    const missing = run('--name', 'kobe', '--reissue');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('no agent location named "kobe"');
    const local = run('--name', 'local', '--reissue');
    expect(local.status).not.toBe(0);
    const mixed = run('--name', 'osaka', '--reissue', '--label-ja', '堺');
    expect(mixed.status).not.toBe(0);
    expect(mixed.stderr).toContain('usage:');
    expect(hashes()).toEqual(was);
    before.$client.close();
  });
});
