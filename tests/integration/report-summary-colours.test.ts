import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { parseConfig } from '../../src/lib/config';
import { issueReport, renderYearReport } from '../../src/lib/report/issue';
import { monthFigures } from '../../src/lib/sla/month';
import { parseInstant } from '../../src/lib/time';
import { OK, PENDING } from '../../src/lib/report/pdf';
import { octoberScenario } from './sla-fixture';

/**
 * The summary of a running month's report (速報): 見込み (on track) is neither 達成 nor
 * 未達成, so it is drawn in its own colour, not in 達成's green, and the note under the table
 * says what it means. Read off the page as a picture (pdftoppm), as a reader sees it.
 */
const config = parseConfig({});
const now = parseInstant('2026-10-20T12:00:00+09:00')!;
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** The pixels of a page (P6 PPM from pdftoppm) close to a colour, at a tolerance a glyph's core keeps. */
function pixelsNear(ppm: Buffer, hex: string, tolerance = 24): number {
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(ppm.subarray(0, 40).toString('latin1'))!;
  const [want, start] = [rgb(hex), header[0].length];
  let n = 0;
  for (let i = start; i + 2 < ppm.length; i += 3) {
    if (Math.abs(ppm[i]! - want[0]) <= tolerance && Math.abs(ppm[i + 1]! - want[1]) <= tolerance && Math.abs(ppm[i + 2]! - want[2]) <= tolerance) n++;
  }
  return n;
}

describe('the summary of a running month’s report', () => {
  const t = tempDb();
  beforeAll(() => {
    const file = octoberScenario();
    // Nothing missed by the 20th: every judgement of the summary is 見込み.
    file.incidents = [];
    file.checks = file.checks!.filter((c) => c.status === 'up' && Date.parse(c.at) <= now);
    importInterchange(t.db, validateInterchange(file));
  });
  afterAll(() => t.close());

  it('draws 見込み in its own colour, not 達成’s green, and says what it means', async () => {
    const f = monthFigures({ db: t.db, config, now }, '2026-10');
    expect(f.services.every((s) => s.month.met === null && s.month.onTrack)).toBe(true);
    const r = await issueReport(t.db, config, '2026-10', { now, provisional: true });
    const pdf = join(t.dir, 'summary.pdf');
    writeFileSync(pdf, r.pdf);
    const text = spawnSync('pdftotext', ['-f', '1', '-l', '1', '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }).stdout.replace(/\n(?!\n)/g, '');
    expect(text).toContain('月 見込み');
    expect(text).toContain('見込みは、集計中の期間で現時点では目標を満たしていること');
    const png = spawnSync('pdftoppm', ['-f', '1', '-l', '1', '-r', '150', '-singlefile', pdf, join(t.dir, 'page1')]);
    expect(png.status).toBe(0);
    const page = readFileSync(join(t.dir, 'page1.ppm'));
    if (process.env.KEEP_PDF) writeFileSync(process.env.KEEP_PDF, r.pdf);
    expect(pixelsNear(page, PENDING)).toBeGreaterThan(40);
    expect(pixelsNear(page, OK)).toBeLessThan(10);
  });

  it('draws the year’s 見込み（達成可能） in the same colour in the annual report (速報)', async () => {
    const r = await renderYearReport(t.db, config, 2026, now);
    expect(r.figures.services.every((s) => s.verdict === 'on_track')).toBe(true);
    const pdf = join(t.dir, 'year.pdf');
    writeFileSync(pdf, r.pdf);
    const text = spawnSync('pdftotext', ['-f', '1', '-l', '1', '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }).stdout;
    expect(text).toContain('見込み（達成可能）');
    expect(spawnSync('pdftoppm', ['-f', '1', '-l', '1', '-r', '150', '-singlefile', pdf, join(t.dir, 'year1')]).status).toBe(0);
    expect(pixelsNear(readFileSync(join(t.dir, 'year1.ppm')), PENDING)).toBeGreaterThan(40);
  });
});
