import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp';
import { runScript } from '../helpers/site';
import { openDatabase } from '../../src/lib/db';

/** An interchange file with its checks before its monitors (any key order is JSON), and `extra` checks at the end. */
function file(dir: string, name: string, extra: unknown[] = []): string {
  const start = Date.parse('2026-10-01T00:00:00Z');
  const checks = Array.from({ length: 5000 }, (_, n) => ({ monitor: 'web-http', at: new Date(start + n * 60_000).toISOString(), status: n % 500 < 3 ? 'down' : 'up', latency_ms: 25 }));
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({
    version: 1,
    checks: [...checks, ...extra],
    services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }],
    monitors: [{ slug: 'web-http', service: 'web', type: 'http', target: 'https://example.jp/', interval_s: 60, confirm: 2, counts_for_availability: true }],
  }));
  return path;
}

describe('npm run data:import reads the file in pieces', () => {
  it('validates all of it before writing: a bad or duplicate check at the very end leaves the database untouched, naming its path', async () => {
    const { dir, remove } = tempDir();
    try {
      const dbPath = join(dir, 'status.db');
      const bad = file(dir, 'bad.json', [
        { monitor: 'web-http', at: '2026-10-01T00:00:00Z', status: 'up' },
        { monitor: 'nobody', at: '2026-12-01T00:00:00Z', status: 'up' },
        { monitor: 'web-http', at: '2026-12-01 00:00', status: 'sideways' },
      ]);
      const res = await runScript('scripts/data-import.ts', [bad], { DATABASE_PATH: dbPath, LOG_LEVEL: 'error' });
      expect(res.status).toBe(2);
      expect(res.stderr).toContain('$.checks[5000].at: a second check of "web-http" at the same instant');
      expect(res.stderr).toContain('$.checks[5001].monitor: no monitor "nobody" in this file');
      expect(res.stderr).toMatch(/\$\.checks\[5002\]\.at: must be an ISO 8601 instant/);
      expect(res.stderr).toMatch(/\$\.checks\[5002\]\.status: /);
      const db = openDatabase(dbPath);
      expect(db.$client.prepare('SELECT (SELECT count(*) FROM services) + (SELECT count(*) FROM checks)').pluck().get()).toBe(0);
      db.$client.close();

      const good = file(dir, 'good.json');
      const ok = await runScript('scripts/data-import.ts', [good], { DATABASE_PATH: dbPath, LOG_LEVEL: 'error' });
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toContain('imported 1 services, 1 monitors, 5000 checks');
      const after = openDatabase(dbPath);
      expect(after.$client.prepare('SELECT count(*) FROM checks').pluck().get()).toBe(5000);
      // The runs are rebuilt from the streamed checks: 10 outages of 3 checks each.
      expect(after.$client.prepare('SELECT count(*) FROM check_runs WHERE status = 2 AND count = 3').pluck().get()).toBe(10);
      after.$client.close();
    } finally {
      remove();
    }
  });

  it('names the line and column of a syntax error and writes nothing', async () => {
    const { dir, remove } = tempDir();
    try {
      const path = join(dir, 'broken.json');
      writeFileSync(path, '{"version": 1,\n "services": [,]}');
      const res = await runScript('scripts/data-import.ts', [path], { DATABASE_PATH: join(dir, 'status.db'), LOG_LEVEL: 'error' });
      expect(res.status).toBe(2);
      expect(res.stderr).toMatch(/not valid JSON: unexpected "," at line 2, column 15/);
    } finally {
      remove();
    }
  });
});
