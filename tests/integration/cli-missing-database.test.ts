import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp';
import { runScript } from '../helpers/site';

// A mistyped DATABASE_PATH must never produce an empty database and an empty report.
describe('commands that only read refuse a missing database', () => {
  const { dir, remove } = tempDir('missing-db-');
  afterAll(remove);
  const missing = join(dir, 'no-such-dir', 'statsu.db');

  it.each([
    ['sla', 'scripts/sla.ts', ['--month', '2026-10']],
    ['report', 'scripts/report.ts', ['--month', '2026-10']],
    ['data:export', 'scripts/data-export.ts', []],
    ['backup', 'scripts/backup.ts', []],
  ])('%s exits non-zero naming the path, and creates nothing', async (_name, script, args) => {
    const r = await runScript(script, args, { DATABASE_PATH: missing });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`no database at ${missing}`);
    expect(r.stderr).toContain('DATABASE_PATH');
    expect(r.stdout).toBe('');
    expect(existsSync(missing)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
