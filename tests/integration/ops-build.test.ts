import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp';
import { openDatabase } from '../../src/lib/db';

/** Production runs node on built files: no TypeScript compiler is loaded at run time. */
const tmp = tempDir('ops-build-');
afterAll(() => tmp.remove());

describe('the built programs', () => {
  it('every npm script of a program runs scripts/run.mjs, which runs build/NAME.mjs', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['start', 'probe', 'sla', 'report', 'data:import', 'data:export', 'backup', 'restore', 'user:add', 'support:export', 'agent', 'agent:add']) {
      const m = /^node scripts\/run\.mjs ([a-z-]+)$/.exec(scripts[name] ?? '');
      expect(m, `${name}: ${scripts[name]}`).not.toBeNull();
      expect(existsSync(join('scripts', `${m![1]}.ts`))).toBe(true);
      expect(existsSync(join('build', `${m![1]}.mjs`))).toBe(true);
    }
    expect(Object.values(scripts).filter((s) => /\btsx\b/.test(s))).toEqual([]);
    // The bundles import packages from node_modules, and never the TypeScript loader.
    const built = readdirSync('build', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mjs'));
    for (const f of built) expect(readFileSync(join('build', f), 'utf8'), f).not.toMatch(/from ["']tsx|import\(["']tsx/);
  });

  it('runs a command-line program with plain node, through npm\'s entry and directly', () => {
    const env = { ...process.env, DATABASE_PATH: join(tmp.dir, 'status.db'), LOG_LEVEL: 'error' };
    // `sla` only reads: the database must exist (npm start creates it).
    openDatabase(env.DATABASE_PATH).$client.close();
    const viaRun = spawnSync(process.execPath, ['scripts/run.mjs', 'sla', '--month', '2026-10', '--json'], { env, encoding: 'utf8' });
    expect(viaRun.status, viaRun.stderr).toBe(0);
    expect((JSON.parse(viaRun.stdout) as { period: { month: string } }).period.month).toBe('2026-10');
    const direct = spawnSync(process.execPath, ['build/sla.mjs', '--month', '2026-10', '--json'], { env, encoding: 'utf8' });
    expect(direct.status, direct.stderr).toBe(0);
    const period = (out: string) => (JSON.parse(out) as { period: unknown }).period;
    expect(period(direct.stdout)).toEqual(period(viaRun.stdout));
  }, 300_000); // run.mjs builds first when a source is newer than the build

  it('names the programs when asked for one that does not exist', () => {
    const res = spawnSync(process.execPath, ['scripts/run.mjs', 'nope'], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/usage: node scripts\/run\.mjs <[a-z|-]*sla[a-z|-]*>/);
  });
});
