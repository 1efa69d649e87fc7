import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { octoberScenario } from './sla-fixture';

/**
 * The PDF has no near-empty pages: short sections ("none this month") share a page, and
 * durations read as people write them (no "744時間0分0秒").
 */
describe('the monthly PDF report layout', () => {
  const t = tempDb();
  afterAll(() => t.close());

  it('leaves no page nearly empty except the reserved table of contents and the last', () => {
    importInterchange(t.db, validateInterchange(octoberScenario()));
    const out = join(t.dir, 'report.pdf');
    const r = spawnSync(process.execPath, ['--import', 'tsx', resolve('scripts/report.ts'), '--month', '2026-10', '--out', out], { env: { ...process.env, DATABASE_PATH: t.path, LOG_LEVEL: 'warn' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const info = spawnSync('pdfinfo', [out], { encoding: 'utf8' }).stdout;
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
    const textOf = (p: number) => spawnSync('pdftotext', ['-enc', 'UTF-8', '-f', String(p), '-l', String(p), out, '-'], { encoding: 'utf8' }).stdout;
    const texts = Array.from({ length: pages }, (_, k) => textOf(k + 1));
    // The page footer alone is about 30 characters; a page with under 250 holds almost nothing.
    const nearlyEmpty = texts.map((s, k) => ({ page: k + 1, chars: s.replace(/\s+/g, '').length, toc: s.includes('目次') }))
      .filter((p) => p.chars < 250 && !p.toc && p.page !== pages);
    expect(nearlyEmpty).toEqual([]);
    const all = texts.join('\n');
    expect(all).toContain('744時間');
    expect(all).not.toMatch(/時間0分0秒/);
  });
});
