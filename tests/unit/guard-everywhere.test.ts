import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every page and endpoint under /admin and /reports checks its own access first, whatever
 * the middleware decided (the route walk in tests/security proves it works; this keeps a
 * merge or a new page from losing the call without anyone noticing).
 */
function routes(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.name.startsWith('_')) return [];
    if (e.isDirectory()) return routes(path);
    return /\.(astro|ts)$/.test(e.name) ? [path] : [];
  });
}

describe('the access guard', () => {
  const files = [...routes('src/pages/admin'), ...routes('src/pages/reports')];
  it('is found in pages', () => expect(files.length).toBeGreaterThan(15));
  for (const file of files) {
    it(`is called exactly once, before anything else is done, in ${file}`, () => {
      const text = readFileSync(file, 'utf8');
      const calls = text.match(/\bguard\((Astro|context|ctx), '(admin|read)'\)/g) ?? [];
      expect(calls).toHaveLength(1);
      // Before the page reads the database or a form.
      const at = text.indexOf(calls[0]!);
      for (const use of ['getRuntime(', 'readForm(', 'request.formData(']) {
        const first = text.indexOf(use);
        if (first !== -1) expect(first, use).toBeGreaterThan(at);
      }
    });
  }
});
