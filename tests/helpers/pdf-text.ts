import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** The text of a PDF's first page as a reader sees it (pdftotext, layout kept); the file is written to `dir`. */
export function pdfFirstPage(pdf: Buffer, dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, pdf);
  const p = spawnSync('pdftotext', ['-enc', 'UTF-8', '-f', '1', '-l', '1', '-layout', file, '-'], { encoding: 'utf8' });
  expect(p.status).toBe(0);
  return p.stdout;
}
