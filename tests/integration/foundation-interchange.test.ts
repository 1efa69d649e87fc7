import { describe, expect, it } from 'vitest';
import { runScript } from '../helpers/site';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDb, tempDir } from '../helpers/temp';
import { openDatabase } from '../../src/lib/db';
import { buildSample } from '../../src/lib/sample/sample';
import { validateInterchange, importInterchange } from '../../src/lib/interchange/import';
import { exportToFile } from '../../src/lib/interchange/export';

const cli = (script: string, args: string[], env: Record<string, string>) => runScript(`scripts/${script}.ts`, args, env);

describe('interchange file', () => {
  it('export → import into an empty database → export gives the same file', async () => {
    const first = tempDb();
    const { dir, remove } = tempDir();
    try {
      importInterchange(first.db, validateInterchange(buildSample('http://127.0.0.1:9', Date.parse('2026-10-15T00:00:00Z'), 3)));
      const a = join(dir, 'a.json');
      exportToFile(first.db, a);
      const second = join(dir, 'second.db');
      const imported = await cli('data-import', [a], { DATABASE_PATH: second });
      expect(imported.stderr).toBe('');
      expect(imported.status).toBe(0);
      expect(imported.stdout).toMatch(/imported 2 services, 2 monitors, 8640 checks, 1 incidents, 2 maintenances/);
      const b = join(dir, 'b.json');
      const exported = await cli('data-export', ['--out', b], { DATABASE_PATH: second });
      expect(exported.status).toBe(0);
      expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
      const parsed = JSON.parse(readFileSync(b, 'utf8'));
      expect(parsed.version).toBe(1);
      expect(parsed.checks[0]).toEqual({ monitor: 'awareness-web', at: expect.stringMatching(/Z$/), status: 'up', latency_ms: expect.any(Number) });
    } finally {
      first.close();
      remove();
    }
  });

  it('refuses a bad file with every problem and its JSON path, and writes nothing', async () => {
    const { dir, remove } = tempDir();
    try {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify({
        version: 1,
        services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }, { slug: 'web', name: { ja: '二重' }, sla_target_pct: 120 }],
        monitors: [{ slug: 'web-http', service: 'nope', type: 'http', target: 'ftp://x', interval_s: 60, confirm: 2, counts_for_availability: true, colour: 'red' }],
        checks: [{ monitor: 'web-http', at: '2026-10-01T00:00:00', status: 'up' }],
      }));
      const dbPath = join(dir, 'status.db');
      const res = await cli('data-import', [file], { DATABASE_PATH: dbPath });
      expect(res.status).not.toBe(0);
      expect(res.stderr).toContain('$.services[1].sla_target_pct');
      expect(res.stderr).toContain('$.monitors[0]');
      expect(res.stderr).toMatch(/colour/);
      expect(res.stderr).toContain('$.checks[0].at');
      const db = openDatabase(dbPath);
      expect(db.$client.prepare('SELECT count(*) AS n FROM services').get()).toEqual({ n: 0 });
      db.$client.close();
    } finally {
      remove();
    }
  });

  it('reports cross-reference problems after the shape is right', () => {
    expect(() => validateInterchange({
      version: 1,
      services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }, { slug: 'web', name: { ja: '二重' }, sla_target_pct: 99 }],
      monitors: [{ slug: 'web-http', service: 'nope', type: 'http', target: 'ftp://x', interval_s: 60, confirm: 2, counts_for_availability: true }],
    })).toThrowError(expect.objectContaining({
      issues: expect.arrayContaining([
        { path: '$.services[1].slug', message: 'duplicate slug "web"' },
        { path: '$.monitors[0].service', message: 'no service "nope" in this file' },
        { path: '$.monitors[0].target', message: 'must be an http:// or https:// URL' },
      ]),
    }));
  });

  it('refuses a file that is not JSON', async () => {
    const { dir, remove } = tempDir();
    try {
      const file = join(dir, 'x.json');
      writeFileSync(file, '{"version": 1, ');
      const res = await cli('data-import', [file], { DATABASE_PATH: join(dir, 'db.sqlite') });
      expect(res.status).toBe(2);
      expect(res.stderr).toMatch(/not valid JSON/);
    } finally {
      remove();
    }
  });

  it('a second import into a database with real services is refused in one piece', () => {
    const t = tempDb();
    try {
      const data = validateInterchange(buildSample('http://127.0.0.1:9', Date.now(), 1));
      importInterchange(t.db, data);
      expect(() => importInterchange(t.db, data)).toThrow(/already holds services/);
      expect(t.db.$client.prepare('SELECT count(*) AS n FROM services').get()).toEqual({ n: 2 });
    } finally {
      t.close();
    }
  });
});
