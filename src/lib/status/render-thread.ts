import { parentPort, workerData } from 'node:worker_threads';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readEnv } from '../env';
import { loadConfig } from '../config';
import { openDatabase } from '../db';
import { log } from '../log';
import { answerHeaders, dataVersion, type CachedAnswer } from './cache';
import { standingKeys } from './public-answers';
import { AnswerRenderer, type Rendered } from './renderer';
import { SnapshotWriter, snapshotDir } from './snapshot';
import { threadStats } from '../metrics/thread-stats';

/**
 * The render thread of the site process: it loads the built site (the only copy in the
 * process) and renders the public answers through their own routes, so that no visitor's
 * request and no rebuild ever blocks the thread that serves (scripts/start.ts,
 * ./front-door.ts). The site listens on a socket private to this process: the renders reach
 * the routes through it as any request would, and the serving thread forwards there what
 * its cache does not answer (./site-proxy.ts).
 *
 * Messages from the serving thread: `ask` (a visitor waits for a key it does not have),
 * `check` (the first visitor in a while waits to learn that its answer is `current`, or for
 * the new `answer`), `hot` (a key is being asked for), `changed` (a change made through the
 * site; answered with `caught-up`), `served` (the cache's figures), `stop`. To it: `answer`, `current`, `failed`, `ready`, `warm`.
 */
export type ToRenderer =
  | { type: 'ask'; key: string }
  | { type: 'hot'; key: string }
  | { type: 'check'; key: string }
  | { type: 'changed'; id: number }
  /** The serving thread's answer cache figures, for /metrics. */
  | { type: 'served'; hits: number; waits: number; entries: number }
  | { type: 'stop' };

export type FromRenderer =
  | { type: 'answer'; answer: CachedAnswer }
  | { type: 'current'; key: string }
  | { type: 'failed'; key: string; error: string }
  | { type: 'caught-up'; id: number }
  /** Every standing answer was rendered once. */
  | { type: 'warm' }
  /** The site answers on this socket (./site-proxy.ts forwards to it). */
  | { type: 'ready'; socket: string };

interface Data { entry: string }

async function main(): Promise<void> {
  const port = parentPort!;
  const { entry } = workerData as Data;
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const db = openDatabase(env.DATABASE_PATH, { migrate: false });
  const slugs = db.$client.prepare('SELECT slug FROM services ORDER BY id').pluck();
  const send = (m: FromRenderer) => port.postMessage(m);

  // A render that fails (the database unreadable, say) is one log line, at most once a minute
  // for the same error: never a stack trace every two seconds.
  const reported = new Map<string, number>();
  console.error = (...args: unknown[]) => {
    const text = args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ').split('\n')[0]!.replace(/\b\w*Error:\s*/g, '').slice(0, 300);
    const now = Date.now();
    if ((reported.get(text) ?? -Infinity) > now - 60_000) return;
    reported.set(text, now);
    log.error('status.render_error', { error: text });
  };

  process.env.ASTRO_NODE_AUTOSTART = 'disabled';
  const { handler } = (await import(pathToFileURL(entry).href)) as { handler: (req: IncomingMessage, res: ServerResponse) => void };
  const socketDir = mkdtempSync(join(tmpdir(), 'status-render-'));
  const socketPath = join(socketDir, 'site.sock');
  const server = createServer(handler);
  await new Promise<void>((ready) => server.listen(socketPath, ready));

  const render = (key: string) => new Promise<Rendered>((done, fail) => {
    const req = request({ socketPath, path: key, headers: { host: 'localhost', accept: '*/*', 'accept-encoding': 'identity' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: [string, string][] = Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]);
        done({ status: res.statusCode ?? 500, headers: answerHeaders(headers), body: Buffer.concat(chunks) });
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });

  const renderer = new AnswerRenderer({
    render,
    version: () => dataVersion(db),
    standing: () => standingKeys(slugs.all() as string[]),
    publish: (answer) => send({ type: 'answer', answer }),
    current: (key) => send({ type: 'current', key }),
    fail: (key, error) => {
      log.error('status.render_failed', { key, error });
      send({ type: 'failed', key, error });
    },
    letGo: (key) => send({ type: 'failed', key, error: 'let go' }),
    snapshot: config.snapshot.enabled ? new SnapshotWriter(snapshotDir(config, env.DATABASE_PATH), config.snapshot.copy_to) : null,
  });

  port.on('message', (m: ToRenderer) => {
    if (m.type === 'ask') renderer.ask(m.key);
    else if (m.type === 'hot') renderer.requested(m.key);
    else if (m.type === 'check') renderer.check(m.key);
    else if (m.type === 'served') threadStats().served = { hits: m.hits, waits: m.waits, entries: m.entries };
    else if (m.type === 'changed') void renderer.catchUp().finally(() => send({ type: 'caught-up', id: m.id }));
    else if (m.type === 'stop') {
      renderer.stop();
      server.close();
      server.closeAllConnections();
      rmSync(socketDir, { recursive: true, force: true });
      db.$client.close();
      port.close();
    }
  });
  send({ type: 'ready', socket: socketPath });
  await renderer.start();
  send({ type: 'warm' });
}

main().catch((err) => {
  log.error('status.render_thread_failed', { error: (err as Error).stack ?? String(err) });
  process.exit(1);
});
