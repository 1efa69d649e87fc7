import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/lib/db';
import { SharedComputation, dataVersion } from '../../src/lib/status/cache';
import { AnswerRenderer, RENDER_EVERY_MS, type Rendered } from '../../src/lib/status/renderer';
import { tempDb } from '../helpers/temp';

/**
 * An answer rendered from a shared computation made before another process's write must not
 * stand as current: the next render cycle renders it again, not the one 30 s later. A real
 * SQLite file, a second connection writing as the worker does, and the renderer's own timer.
 */
describe('an answer rendered from a computation made before the latest write', () => {
  const site = tempDb();
  afterAll(() => site.close());

  it('is rendered again in the next cycle', async () => {
    site.db.$client.exec("CREATE TABLE word (text TEXT NOT NULL); INSERT INTO word VALUES ('before')");
    const read = site.db.$client.prepare('SELECT text FROM word').pluck();
    const shared = new SharedComputation<string>(RENDER_EVERY_MS, 30_000);
    const published: string[] = [];
    const renderer = new AnswerRenderer({
      render: async (): Promise<Rendered> => {
        const text = shared.get({ db: site.db, now: Date.now() }, () => read.get() as string);
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from(text) };
      },
      version: () => dataVersion(site.db),
      standing: () => ['/'],
      publish: (a) => published.push(a.body.toString()),
      current: () => undefined,
      fail: () => undefined,
      letGo: () => undefined,
      snapshot: null,
    });
    try {
      await renderer.start();
      expect(published).toEqual(['before']);

      // The worker's write; at once a visitor's check renders again, from the shared value of a moment ago.
      const worker = openDatabase(site.path, { migrate: false });
      worker.$client.prepare("UPDATE word SET text = 'after'").run();
      worker.$client.close();
      renderer.check('/');
      await new Promise((r) => setTimeout(r, 100));
      expect(published.at(-1)).toBe('before');

      // The next cycle renders it from the data as it is now.
      const until = Date.now() + 3 * RENDER_EVERY_MS;
      while (published.at(-1) !== 'after' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(published.at(-1)).toBe('after');
    } finally {
      renderer.stop();
    }
  });
});
