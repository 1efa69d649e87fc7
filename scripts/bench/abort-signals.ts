import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkTypes } from '../../src/lib/probe/registry';
import { runCheckOnce } from '../../src/lib/probe/run-check';
import { heapAfterCollection } from '../../tests/helpers/heap';

/**
 * What a check leaves behind in the probe's memory. The probe and an agent run for months
 * with one lifelong stop signal; each check joins its deadline to a signal with
 * AbortSignal.any. Joined straight to the lifelong signal, Node 20 keeps a record of every
 * check in it for good; joined to the check's own signal (runCheckOnce), nothing stays.
 * Real HTTP checks against a node:http server on 127.0.0.1, 50 at a time; the heap is
 * measured after a full collection.
 *
 *   npx tsx scripts/bench/abort-signals.ts [--checks 100000]
 */
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const CHECKS = Number(arg('checks', '100000'));
if (!Number.isInteger(CHECKS / 2) || CHECKS < 1000 || CHECKS > 10_000_000) {
  process.stderr.write('usage: abort-signals.ts [--checks 1000–10000000]\n');
  process.exit(2);
}
const AT_ONCE = 50;
const CHECKS_A_DAY_AT_10000 = 10_000 * 1440;

const server = createServer((_req, res) => res.end('ok'));
await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const http = checkTypes.http!;
const options = http.options.parse({});

type Run = (stop: AbortSignal) => Promise<string>;
const ways: Array<[string, Run]> = [
  ['joined to the lifelong signal', async (stop) => (await http.run({ target, options, timeoutMs: 10_000 }, stop)).status],
  ['through runCheckOnce', async (stop) => (await runCheckOnce({ id: 1, type: 'http', target, intervalS: 60, timeoutS: 10, options: {} }, stop)).status],
];

process.stdout.write(`${CHECKS} HTTP checks each way, ${AT_ONCE} at a time; Node ${process.version}\n`);
for (const [name, run] of ways) {
  const stop = new AbortController();
  let up = 0;
  const checks = async (count: number) => {
    let next = 0;
    await Promise.all(Array.from({ length: AT_ONCE }, async () => {
      while (next < count) {
        next++;
        if ((await run(stop.signal)) === 'up') up++;
      }
    }));
  };
  // The first half warms up (compiled code, sockets, pools); what the second half adds stays for good.
  await checks(CHECKS / 2);
  const before = await heapAfterCollection();
  await checks(CHECKS / 2);
  const grown = (await heapAfterCollection()) - before;
  const perCheck = grown / (CHECKS / 2);
  process.stdout.write(`${name.padEnd(30)} ${up} of ${CHECKS} up; the second half kept ${(grown / 1e6).toFixed(2)} MB: ${perCheck.toFixed(1)} B a check, ${((perCheck * CHECKS_A_DAY_AT_10000) / 1e6).toFixed(0)} MB a day at 10,000 monitors every 60 s\n`);
}
server.close();
