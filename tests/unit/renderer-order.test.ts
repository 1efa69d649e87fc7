import { describe, expect, it } from 'vitest';
import { AnswerRenderer, ONE_OFFS_WAITING_AT_MOST, type Rendered } from '../../src/lib/status/renderer';

/**
 * What the render thread renders first when visitors wait: the standing answers (the status
 * page) before one-off addresses, and a flood of one-offs lets go of its oldest instead of
 * queueing without end. Renders are real promises that take their time, as the site's do.
 */
describe('the order of renders visitors wait for', () => {
  it('renders the status page before a queue of unknown incident addresses, and lets go of the oldest past the bound', async () => {
    const order: string[] = [];
    const letGo: string[] = [];
    let version = 1;
    const renderer = new AnswerRenderer({
      render: async (key): Promise<Rendered> => {
        order.push(key);
        await new Promise((r) => setTimeout(r, 5));
        const missing = key.startsWith('/incidents/9');
        return { status: missing ? 404 : 200, headers: { 'content-type': 'text/html' }, body: Buffer.from(`${key} v${version}`) };
      },
      version: () => String(version),
      standing: () => ['/', '/en/'],
      publish: () => undefined,
      current: () => undefined,
      fail: () => undefined,
      letGo: (key) => letGo.push(key),
      snapshot: null,
    });
    await renderer.start();
    renderer.stop();
    expect(order).toEqual(['/', '/en/']);
    order.length = 0;

    // The data changed; a flood of unknown addresses arrives, then the status page's next reader.
    version = 2;
    const flood = Array.from({ length: ONE_OFFS_WAITING_AT_MOST + 10 }, (_, i) => `/incidents/9${i}`);
    for (const key of flood) renderer.ask(key);
    renderer.check('/');
    await new Promise((r) => setTimeout(r, 1000));

    // At most the render in progress before it; the oldest addresses past the bound let go, never rendered.
    expect(order.indexOf('/')).toBeLessThanOrEqual(1);
    expect(letGo).toEqual(flood.slice(0, 10));
    expect(order.filter((k) => k !== '/')).toEqual(flood.slice(10));
  });
});
