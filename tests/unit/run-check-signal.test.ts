import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getEventListeners } from 'node:events';
import { runCheckOnce } from '../../src/lib/probe/run-check';
import { heapAfterCollection } from '../helpers/heap';

/**
 * The probe and an agent run for months under one stop signal. A check must stop with it,
 * and leave nothing behind in it once done (Node 20 keeps for good what AbortSignal.any joins
 * to a lifelong signal; scripts/bench/abort-signals.ts measures it). Real HTTP on 127.0.0.1.
 */
describe('checks under the probe\'s lifelong stop signal', () => {
  let server: Server;
  let base: string;
  const held: Array<() => void> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hold') held.push(() => res.end('late'));
      else res.end('ok');
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const release of held) release();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const spec = (path: string) => ({ id: 1, type: 'http', target: `${base}${path}`, intervalS: 60, timeoutS: 10, options: {} });

  it('stops every running check at once when the probe stops, through one listener', async () => {
    const stop = new AbortController();
    const running = Array.from({ length: 100 }, () => runCheckOnce(spec('/hold'), stop.signal));
    while (held.length < 100) await new Promise((r) => setTimeout(r, 10));
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(1);
    const stoppedAt = performance.now();
    stop.abort();
    const findings = await Promise.all(running);
    expect(performance.now() - stoppedAt).toBeLessThan(2_000);
    expect(findings.every((f) => f.status === 'down')).toBe(true);
    // A check begun after the stop does not run.
    expect((await runCheckOnce(spec('/'), stop.signal)).status).toBe('down');
  });

  it('keeps nothing in the stop signal once checks are done', async () => {
    const stop = new AbortController();
    const checks = async (count: number) => {
      let next = 0;
      await Promise.all(Array.from({ length: 50 }, async () => {
        while (next++ < count) expect((await runCheckOnce(spec('/'), stop.signal)).status).toBe('up');
      }));
    };
    await checks(5_000);
    const before = await heapAfterCollection();
    await checks(40_000);
    // Joined straight to the stop signal, 40,000 checks keep about 1.5 MB here; done right, nothing.
    expect((await heapAfterCollection()) - before).toBeLessThan(500_000);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(1);
  }, 60_000);
});
