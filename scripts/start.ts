import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, get as httpGet, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readEnv, publicUrl } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase } from '../src/lib/db';
import { seedSampleIfEmpty } from '../src/lib/sample/sample';
import { AppError } from '../src/lib/errors';
import { log } from '../src/lib/log';
import { reportError } from './lib/cli';
import { withFrontDoor, withOneClickUnsubscribe } from '../src/lib/status/front-door';
import { unsubscribe } from '../src/lib/subscriptions/index';

/**
 * The site's program (npm start runs it as build/start.mjs once scripts/run.mjs has built
 * what was missing): migrates the database, loads the sample into an empty one, starts the probe as its own process (so a
 * crowd of visitors never delays a check) and serves the site.
 */
const root = resolve(import.meta.dirname, '..');
const outDir = resolve(root, process.env.ASTRO_OUT_DIR ?? 'dist');
const entry = join(outDir, 'server', 'entry.mjs');

/**
 * The worker beside this file: build/probe.mjs when this is the built start script (node
 * only), scripts/probe.ts through tsx when this runs from source in development.
 */
function probeCommand(): string[] {
  const ext = extname(import.meta.filename);
  const probe = join(import.meta.dirname, `probe${ext}`);
  return ext === '.ts' ? ['--import', 'tsx', probe] : [probe];
}

function startProbe(env: NodeJS.ProcessEnv): { child: () => ChildProcess | null; stop: () => Promise<void> } {
  let child: ChildProcess | null = null;
  let stopping = false;
  const launch = () => {
    child = spawn(process.execPath, probeCommand(), { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code, signal) => {
      if (stopping) return;
      log.error('start.probe_exited', { code, signal, restart_in_s: 5 });
      setTimeout(() => !stopping && launch(), 5000);
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
 * Renders the public pages once right after start, so the first visitors (who may be many:
 * people come when a service fails) are served from the cache instead of waiting on a cold render.
 */
function warmPublicPages(address: ReturnType<Server['address']>, port: number): void {
  const bound = typeof address === 'object' && address ? address.address : '127.0.0.1';
  const host = bound === '0.0.0.0' ? '127.0.0.1' : bound === '::' ? '::1' : bound;
  for (const path of ['/', '/en/']) {
    httpGet({ host, port, path, headers: { 'accept-encoding': 'br, gzip' } }, (res) => res.resume())
      .on('error', (err) => log.debug('start.warm_failed', { path, error: err.message }));
  }
}

async function main(): Promise<void> {
  const env = readEnv();
  loadConfig(env.CONFIG_PATH);
  if (!existsSync(entry)) throw new AppError('CONFIG', `the site is not built (${entry} is missing): run npm run build, or npm start`);
  const db = openDatabase(env.DATABASE_PATH);
  seedSampleIfEmpty(db, publicUrl(env));

  process.env.ASTRO_NODE_AUTOSTART = 'disabled';
  const { handler } = (await import(pathToFileURL(entry).href)) as { handler: (req: IncomingMessage, res: ServerResponse) => void };
  // A raw path with dot segments (/reports/../, %2e%2e) is never a page of this site:
  // refuse it before routing can resolve it into another page.
  // Cached public answers are served before the framework; mail providers' one-click
  // unsubscribe (a POST with no Origin) is answered before Astro's origin check.
  const site = withOneClickUnsubscribe(withFrontDoor(handler), (token) => unsubscribe(db, token));
  const dotSegment = /(^|\/)(\.|%2e){1,2}(\/|%2f|%5c|\?|$)/i;
  const server = createServer((req, res) => {
    if (dotSegment.test((req.url ?? '/').split('?')[0]!)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not found');
      return;
    }
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
  process.stdout.write(`Status site at ${publicUrl({ ...env, PORT: port })}/\n`);
  warmPublicPages(address, port);

  const probe = env.PROBE === 'on' ? startProbe(process.env) : null;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('start.stopping', { signal });
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    const closed = new Promise<void>((done) => server.close(() => done()));
    server.closeIdleConnections(); // in-flight requests finish; idle keep-alive sockets go now
    await Promise.all([closed, probe?.stop()]);
    db.$client.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => process.exit(reportError(err)));
