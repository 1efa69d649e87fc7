import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { readEnv, publicUrl } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase, type Db } from '../src/lib/db';
import { checkStorage, fileIdentityOf, replacedFileReleased } from '../src/lib/storage';
import { AppError } from '../src/lib/errors';
import { log } from '../src/lib/log';
import { reportError } from './lib/cli';
import { AnswerCache, withFrontDoor, withOneClickUnsubscribe } from '../src/lib/status/front-door';
import type { FromRenderer } from '../src/lib/status/render-thread';
import { HashedAssets } from '../src/lib/status/assets';
import { SiteProxy } from '../src/lib/status/site-proxy';
import { unsubscribe } from '../src/lib/subscriptions/index';
import { canonicalPath, encodedPath } from '../src/lib/auth/canonical-path';
import { securityHeaders } from '../src/lib/auth/security';
import { trustedProxies, believeForwarded } from '../src/lib/auth/proxies';
import { bodyRuleFor, bodyTooLargeText, declaredBody, type BodyRule } from '../src/lib/auth/body-limit';
import { ForwardGate } from '../src/lib/status/forward-gate';
import { firstRunLines } from '../src/lib/auth/first-run';

/** The worker's exit status when it lost its lease or its storage fault is over (scripts/probe.ts): start it again. */
const EXIT_RESTART = 75;

/**
 * The site's program (npm start runs it as build/start.mjs once scripts/run.mjs has built
 * what was missing): migrates the database, loads the sample into an empty one, starts the probe as its own process (so a
 * crowd of visitors never delays a check) and serves the site.
 */
const root = resolve(import.meta.dirname, '..');
const outDir = resolve(root, process.env.ASTRO_OUT_DIR ?? 'dist');
// Where the built programs are, for the site's render thread (a report is issued by build/report-issue.mjs).
if (extname(import.meta.filename) !== '.ts') process.env.STATUS_PROGRAMS_DIR = import.meta.dirname;
const entry = join(outDir, 'server', 'entry.mjs');

/**
 * The worker beside this file: build/probe.mjs when this is the built start script (node
 * only), scripts/probe.ts through tsx when this runs from source in development.
 */
function probeCommand(): string[] {
  const ext = extname(import.meta.filename);
  const probe = join(import.meta.dirname, `probe${ext}`);
  // A small young generation: the worker's heap is small and its pace is the checks', not a crowd's.
  return ext === '.ts' ? ['--import', 'tsx', probe] : ['--max-semi-space-size=1', probe];
}

/** Loads the sample into an empty database in a process of its own (src/lib/sample/load-process.ts). */
function loadSampleApart(databasePath: string): void {
  const ext = extname(import.meta.filename);
  const file = ext === '.ts' ? join(root, 'src/lib/sample/load-process.ts') : join(import.meta.dirname, 'sample-load.mjs');
  const res = spawnSync(process.execPath, ext === '.ts' ? ['--import', 'tsx', file] : [file], { cwd: root, env: process.env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0) throw new AppError('CONFIG', `loading the sample data into ${databasePath} failed (see the messages above)`);
}

function startProbe(env: NodeJS.ProcessEnv): { child: () => ChildProcess | null; stop: () => Promise<void> } {
  let child: ChildProcess | null = null;
  let stopping = false;
  let crashDelayMs = 2500;
  const launch = () => {
    child = spawn(process.execPath, probeCommand(), { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    const startedAt = performance.now();
    child.on('exit', (code, signal) => {
      if (stopping) return;
      // A worker that lost its lease (it was paused), or whose storage fault is over, exits
      // on purpose and starts again clean; so does one stopped alone (SIGTERM to its pid:
      // status 0), since the site needs its worker. One that crashes is restarted with a growing
      // pause (5 s doubling to 5 min, back to 5 s after a run of 10 min), never in a tight loop.
      let delayMs = 1000;
      if (code === EXIT_RESTART || code === 0) log.info('start.probe_restarting', { restart_in_s: 1, reason: code === 0 ? 'the worker was stopped' : 'the worker asked to start again' });
      else {
        crashDelayMs = performance.now() - startedAt > 600_000 ? 5000 : Math.min(crashDelayMs * 2, 300_000);
        delayMs = crashDelayMs;
        log.error('start.probe_exited', { code, signal, restart_in_s: delayMs / 1000 });
      }
      setTimeout(() => !stopping && launch(), delayMs);
    });
  };
  launch();
  return {
    child: () => child,
    stop: () => new Promise<void>((done) => {
      stopping = true;
      if (!child || child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    }),
  };
}

/**
 * The render thread (src/lib/status/render-thread.ts) beside this file, restarted if it
 * ever ends: it holds the one copy of the built site, renders the public answers into
 * `cache` and the snapshot, and answers what `proxy` forwards to it, all off this thread.
 */
function startRenderThread(cache: AnswerCache, proxy: SiteProxy): RenderThread {
  const ext = extname(import.meta.filename);
  const file = ext === '.ts' ? join(root, 'src/lib/status/render-thread.ts') : join(import.meta.dirname, 'render-thread.mjs');
  let worker: Worker | null = null;
  let stopping = false;
  const launch = () => {
    const w = new Worker(file, {
      workerData: { entry },
      execArgv: ext === '.ts' ? ['--import', 'tsx'] : [],
      // A small young generation: the thread renders a few answers a second at most.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    worker = w;
    cache.port = w;
    w.on('message', (m: FromRenderer) => {
      if (m.type === 'ready') proxy.setSocket(m.socket);
      else cache.receive(m);
    });
    w.on('error', (err) => log.error('start.render_thread_error', { error: err.message }));
    w.on('exit', (code) => {
      cache.port = null;
      proxy.setSocket(null);
      cache.threadEnded();
      if (stopping) return;
      log.error('start.render_thread_exited', { code, restart_in_s: 1 });
      setTimeout(() => !stopping && launch(), 1000);
    });
  };
  launch();
  const stop = () => new Promise<void>((done) => {
    stopping = true;
    const w = worker;
    if (!w || cache.port === null) return done();
    const force = setTimeout(() => void w.terminate(), 2000);
    w.once('exit', () => { clearTimeout(force); done(); });
    w.postMessage({ type: 'stop' });
  });
  return {
    stop,
    start: () => {
      stopping = false;
      launch();
    },
  };
}

interface RenderThread {
  /** Ends the thread; its connections to the database close with it. */
  stop: () => Promise<void>;
  /** Starts it again after stop. */
  start: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The database file replaced under the running site (`mv` of another file onto
 * DATABASE_PATH, or one deleted and put back): the site lets go of the old file (the render
 * thread and its own connection), waits until no process holds it (the worker lets go too,
 * scripts/probe.ts), then opens the new one. Nothing opens the new file while a connection
 * to the old one lives: they share the old write-ahead log by its name, and the new file
 * would take it in.
 */
async function reopenReplaced(path: string, old: Db, renderThread: RenderThread): Promise<Db> {
  const identity = fileIdentityOf(old)!;
  log.error('start.database_replaced', { message: `the database file ${path} was replaced; the site lets go of the old file and opens the new one once no process holds the old one` });
  await renderThread.stop();
  old.$client.close();
  let told = false;
  for (;;) {
    if (existsSync(path)) {
      const { released, holders, keptAside } = replacedFileReleased(identity);
      if (keptAside.length > 0) log.warn('start.old_log_kept', { files: keptAside, message: 'the replaced file\'s write-ahead log was left behind; it is kept under these names (put it beside a copy of the old file, named <file>-wal, to read its last transactions)' });
      if (released) break;
      if (!told) log.warn('start.waiting_for_release', { holders, message: `waiting for processes ${holders.join(', ')} to close the old database file (restart them if they do not)` });
      told = true;
    }
    await sleep(1000);
  }
  for (;;) {
    try {
      const db = openDatabase(path, { mustExist: true });
      renderThread.start();
      log.info('start.database_reopened', { path });
      return db;
    } catch (err) {
      if (!told) log.error('start.cannot_open', { message: (err as Error).message });
      told = true;
      await sleep(5000);
    }
  }
}

async function main(): Promise<void> {
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const proxies = trustedProxies(config.trusted_proxies);
  if (!existsSync(entry)) throw new AppError('CONFIG', `the site is not built (${entry} is missing): run npm run build, or npm start`);
  let db = openDatabase(env.DATABASE_PATH);
  if (db.$client.prepare('SELECT count(*) FROM services').pluck().get() === 0) loadSampleApart(env.DATABASE_PATH);

  // This thread never loads the site: it serves the cache and the assets, and forwards the
  // rest to the render thread, which loads the site once.
  const cache = new AnswerCache();
  const proxy = new SiteProxy();
  const assets = new HashedAssets(join(outDir, 'client'));
  const renderThread = startRenderThread(cache, proxy);
  // Besides before each /metrics request: a message and the forwarded request travel apart.
  setInterval(() => cache.postStats(), 5_000).unref();
  const visitor = new WeakMap<IncomingMessage, string>();
  const bodyRule = new WeakMap<IncomingMessage, BodyRule>();
  const clientOf = (req: IncomingMessage) => visitor.get(req) ?? 'unknown';
  const refuse = (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { ...securityHeaders(false), 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', connection: 'close', ...headers });
    res.end(`${text}\n`);
  };
  // What goes to the site waits for its whole body first, a few requests per client at most.
  const gate = new ForwardGate({ clientOf, ruleOf: (req) => bodyRule.get(req) ?? bodyRuleFor('/', config), refuse });
  // Public answers are served from the cache before the framework; mail providers' one-click
  // unsubscribe (a POST with no Origin) is answered before Astro's origin check.
  const site = withFrontDoor(gate.wrap(withOneClickUnsubscribe(proxy.handler(clientOf), (token) => unsubscribe(db, token))), cache);
  const server = createServer((req, res) => {
    // Forwarded headers only from the configured proxies (trusted_proxies).
    visitor.set(req, believeForwarded(req.headers, req.socket.remoteAddress, proxies));
    // 1. The path first, before any decision is taken on it. One spelling: decoded once, `/` and `\`
    // runs merged; encoded separators, dot segments and control characters refused.
    const canonical = canonicalPath(req.url ?? '/');
    if (!canonical.ok) {
      // A person reading gets the site's own 404 page, rendered for a fixed address that
      // names nothing but the language; the malformed path itself goes no further.
      if (canonical.status === 404 && (req.method === 'GET' || req.method === 'HEAD')) {
        req.url = /^\/en(\/|%2f|$)/i.test(req.url ?? '') ? '/en/404' : '/404';
        site(req, res);
        return;
      }
      refuse(res, canonical.status, canonical.status === 404 ? 'Not found / ページが見つかりません' : 'Bad request: malformed address / 不正なアドレスです');
      return;
    }
    req.url = encodedPath(canonical.path) + canonical.search;
    // Bodies declared over the path's limit are refused before anything reads them.
    const rule = bodyRuleFor(canonical.path, config);
    bodyRule.set(req, rule);
    if (declaredBody(req, rule.limit) === 'too_large') return refuse(res, 413, bodyTooLargeText(rule.limit));
    // 2. Hashed assets from memory, public answers from the cache; everything else to the site.
    if (assets.serve(req, res)) return;
    site(req, res);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((ready, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') fail(new AppError('CONFIG', `port ${env.PORT} on ${env.HOST} is already in use (set PORT to another port)`));
      else if (err.code === 'EACCES') fail(new AppError('CONFIG', `no permission to listen on port ${env.PORT} (set PORT above 1023)`));
      else if (err.code === 'ENOTFOUND' || err.code === 'EADDRNOTAVAIL') fail(new AppError('CONFIG', `HOST ${env.HOST} is not an address of this machine`));
      else fail(err);
    });
    server.listen(env.PORT, env.HOST, () => ready());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  log.info('start.listening', { url: `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${port}/` });
  const siteUrl = publicUrl({ ...env, PORT: port });
  process.stdout.write(`Status site at ${siteUrl}/\n`);
  for (const line of firstRunLines(db, siteUrl, env.DATABASE_PATH)) process.stdout.write(`${line}\n`);

  const probe = env.PROBE === 'on' ? startProbe(process.env) : null;
  let stopping = false;
  // Looks under the database file every 5 s; a replaced one is let go of and the new one opened.
  let reopening = false;
  const watch = setInterval(() => {
    if (reopening || stopping || checkStorage(db)?.cause !== 'file_replaced') return;
    reopening = true;
    void reopenReplaced(env.DATABASE_PATH, db, renderThread).then((opened) => {
      db = opened;
      reopening = false;
    });
  }, 5000);
  watch.unref();
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('start.stopping', { signal });
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    const closed = new Promise<void>((done) => server.close(() => done()));
    server.closeIdleConnections(); // in-flight requests finish; idle keep-alive sockets go now
    await Promise.all([closed, probe?.stop()]);
    proxy.close();
    await renderThread.stop();
    db.$client.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => process.exit(reportError(err)));
