import type { IncomingMessage, ServerResponse } from 'node:http';
import { HSTS } from '../auth/security';
import { readBodyOf } from '../auth/body-limit';
import { SESSION_COOKIE } from '../auth/session';
import { etagMatches, acceptsGzip, acceptsBrotli, type CachedAnswer } from './cache';
import { publicKeyOf } from './public-answers';
import type { ToRenderer, FromRenderer } from './render-thread';

/**
 * The node:http handler in front of the site. Public answers (./public-answers.ts) are
 * written straight from the answer cache, which the render thread keeps current; a visitor
 * never waits for a rebuild and never enters the framework. The first visitor of an answer
 * not rendered yet (an incident page), or the first in a while, waits for the render thread
 * a second at most, without blocking anyone. Everything else goes to the site, through
 * ./forward-gate.ts.
 *
 * A change made through the site by a signed-in person (a request that is not GET or HEAD)
 * makes the render thread render the hot answers again at once; a signed-in visitor (the
 * admin who made the change) asking for a public answer meanwhile waits for that, so sees
 * the change at once.
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RendererPort {
  postMessage(message: ToRenderer): void;
}

const MAX_ENTRIES = 500;
/** Answers a crowd of one-off addresses can never push out of the cache. */
const PINNED = /^\/(?:en\/)?(?:\?|$)|^\/api\/v2\//;
const HOT_NOTE_EVERY_MS = 10_000;
/** As the render thread's HOT_FOR_MS: after this long without a request, an answer is checked first. */
const COLD_AFTER_MS = 60_000;
/**
 * A visitor waits this long at most for a render (the first reader in a while, or of an
 * address not rendered yet); then they get the last rendered answer, or a 503 if none ever was.
 */
const WAIT_AT_MOST_MS = 1_000;
/** While the render thread renders every standing answer for the first time (the site is starting), a visitor waits longer. */
const WAIT_AT_START_MS = 15_000;

/** The serving thread's side of the render thread: the answer cache and the waits. */
export class AnswerCache {
  readonly entries = new Map<string, CachedAnswer>();
  readonly stats = { hits: 0, waits: 0 };
  private readonly waiting = new Map<string, Array<(a: CachedAnswer | null) => void>>();
  private readonly notedAt = new Map<string, number>();
  private readonly requestedAt = new Map<string, number>();
  private catchUps = new Map<number, () => void>();
  private catching: Promise<void> | null = null;
  private nextId = 1;
  /** The render thread has rendered every standing answer once. */
  private warm = false;
  port: RendererPort | null = null;

  /** A message of the render thread. */
  receive(m: FromRenderer): void {
    if (m.type === 'answer') {
      const a = m.answer;
      const answer: CachedAnswer = { ...a, body: asBuffer(a.body)!, gzip: asBuffer(a.gzip), br: asBuffer(a.br) };
      // A missing page (an unknown incident, a month outside the history) is answered to
      // whoever waits for it, never kept: a loop over endless addresses fills nothing.
      if (answer.status === 404 && !this.entries.has(a.key)) {
        this.settle(a.key, answer);
        return;
      }
      if (!this.entries.has(a.key) && this.entries.size >= MAX_ENTRIES) this.evictOne();
      this.entries.set(a.key, answer);
      prepared.delete(answer);
      this.settle(a.key, answer);
    } else if (m.type === 'failed' || m.type === 'current') this.settle(m.key, null);
    else if (m.type === 'warm') this.warm = true;
    else if (m.type === 'caught-up') {
      this.catchUps.get(m.id)?.();
      this.catchUps.delete(m.id);
    }
  }

  /** Makes room: the oldest answer that is not pinned (the status pages and the v2 API never go). */
  private evictOne(): void {
    for (const key of this.entries.keys()) {
      if (PINNED.test(key)) continue;
      this.entries.delete(key);
      return;
    }
  }

  private settle(key: string, answer: CachedAnswer | null): void {
    const list = this.waiting.get(key);
    if (!list) return;
    this.waiting.delete(key);
    for (const done of list) done(answer ?? this.entries.get(key) ?? null);
  }

  /**
   * The answer for `key`: at once from the cache while people are reading it. The first
   * visitor in a while (the render thread keeps answers nobody reads less often) waits for
   * the thread to say it is current or to render it again; a key not rendered yet waits for
   * its first render. Neither wait blocks anyone else.
   */
  answer(key: string, now: number): CachedAnswer | Promise<CachedAnswer | null> {
    const entry = this.entries.get(key);
    const last = this.requestedAt.get(key);
    // Most recent last: a loop over endless addresses lets go of the oldest, not of the status page's.
    this.requestedAt.delete(key);
    this.requestedAt.set(key, now);
    if (this.requestedAt.size > MAX_ENTRIES * 2) this.requestedAt.delete(this.requestedAt.keys().next().value!);
    const cold = last === undefined || now - last >= COLD_AFTER_MS;
    if (entry && !cold) {
      const noted = this.notedAt.get(key) ?? 0;
      if (now - noted > HOT_NOTE_EVERY_MS) {
        this.notedAt.set(key, now);
        this.port?.postMessage({ type: 'hot', key });
      }
      this.stats.hits++;
      return entry;
    }
    if (!this.port) return entry ?? Promise.resolve(null);
    this.stats.waits++;
    return new Promise((resolve) => {
      // A render thread that never answers (stuck, restarting) leaves nobody waiting for long.
      const timer = setTimeout(() => done(this.entries.get(key) ?? null), entry || this.warm ? WAIT_AT_MOST_MS : WAIT_AT_START_MS);
      const done = (a: CachedAnswer | null) => {
        clearTimeout(timer);
        resolve(a);
      };
      const list = this.waiting.get(key);
      if (list) list.push(done);
      else {
        this.waiting.set(key, [done]);
        this.notedAt.set(key, now);
        this.port!.postMessage(entry ? { type: 'check', key } : { type: 'ask', key });
      }
    });
  }

  /** Tells the render thread the cache's figures, which /metrics shows (it is answered there). */
  postStats(): void {
    this.port?.postMessage({ type: 'served', hits: this.stats.hits, waits: this.stats.waits, entries: this.entries.size });
  }

  /** The render thread ended: whoever waits gets the last answer there is (or a 503). */
  threadEnded(): void {
    this.warm = false;
    for (const key of [...this.waiting.keys()]) this.settle(key, null);
    for (const done of this.catchUps.values()) done();
    this.catchUps.clear();
    this.notedAt.clear();
    this.requestedAt.clear();
  }

  /** The data changed through the site: the render thread catches up now. */
  changed(): void {
    const id = this.nextId++;
    const p = new Promise<void>((done) => {
      this.catchUps.set(id, done);
      setTimeout(done, 5_000).unref();
    });
    const caught = p.finally(() => {
      if (this.catching === caught) this.catching = null;
    });
    this.catching = caught;
    this.port?.postMessage({ type: 'changed', id });
  }

  /** The catch-up in progress after a change made through the site, if any. */
  catchingUp(): Promise<void> | null {
    return this.catching;
  }
}

function asBuffer(v: Uint8Array | Buffer | null): Buffer | null {
  if (v === null) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

interface Prepared { base: string[]; plain: string[]; gzip: string[] | null; br: string[] | null }
const prepared = new WeakMap<CachedAnswer, Prepared>();

/** The header lists of an answer's three forms, built once per answer, not per request. */
function prepare(entry: CachedAnswer): Prepared {
  let p = prepared.get(entry);
  if (!p) {
    const base = [
      ...Object.entries(entry.headers).filter(([k]) => k !== 'vary' && k !== 'last-modified'),
      ['etag', entry.etag], ['vary', 'Accept-Encoding'], ['last-modified', new Date(entry.builtAt).toUTCString()],
    ].flat();
    p = {
      base,
      plain: [...base, 'content-length', String(entry.body.length)],
      gzip: entry.gzip ? [...base, 'content-encoding', 'gzip', 'content-length', String(entry.gzip.length)] : null,
      br: entry.br ? [...base, 'content-encoding', 'br', 'content-length', String(entry.br.length)] : null,
    };
    prepared.set(entry, p);
  }
  return p;
}

/** Whether this visitor reached the site over HTTPS, as the middleware judges it for the headers it sends. */
function viaHttps(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true
    || String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https'
    || (process.env.PUBLIC_URL ?? '').startsWith('https:');
}

export function writeAnswer(entry: CachedAnswer, req: IncomingMessage, res: ServerResponse): void {
  const p = prepare(entry);
  // HSTS depends on how each visitor came (HTTPS or not), not on the render.
  const hsts = viaHttps(req) ? ['strict-transport-security', HSTS] : [];
  if (entry.status === 200 && etagMatches(req.headers['if-none-match'], entry.etag)) {
    res.writeHead(304, [...p.base, ...hsts]);
    res.end();
    return;
  }
  const accept = req.headers['accept-encoding'];
  const [headers, body] = p.br && acceptsBrotli(accept) ? [p.br, entry.br!]
    : p.gzip && acceptsGzip(accept) ? [p.gzip, entry.gzip!]
      : [p.plain, entry.body];
  res.writeHead(entry.status, hsts.length ? [...headers, ...hsts] : headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function unavailable(res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5', 'cache-control': 'no-store' });
  res.end('The page is being prepared; try again in a few seconds.\n');
}

const signedIn = (req: IncomingMessage) => (req.headers.cookie ?? '').split(';').some((c) => c.trim().startsWith(`${SESSION_COOKIE}=`));

/** Wraps the site's handler. */
export function withFrontDoor(site: Handler, cache: AnswerCache): Handler {
  const serve = (key: string, req: IncomingMessage, res: ServerResponse) => {
    const found = cache.answer(key, Date.now());
    if (!(found instanceof Promise)) return writeAnswer(found, req, res);
    void found.then((entry) => (entry ? writeAnswer(entry, req, res) : unavailable(res)));
  };
  return (req, res) => {
    const method = req.method ?? 'GET';
    const key = method === 'GET' || method === 'HEAD' ? publicKeyOf(req.url ?? '/') : null;
    if (key === null) {
      if (req.url === '/metrics' || req.url?.startsWith('/metrics?')) cache.postStats();
      // A signed-in person's change (an admin's form) is rendered at once, and they wait for
      // it on their next public request. Machines' writes (agents' batches, push calls) and
      // the public's forms are data like the probe's checks: rendered within the usual bound.
      if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && signedIn(req)) res.once('finish', () => cache.changed());
      return site(req, res);
    }
    const catching = cache.catchingUp();
    if (catching && signedIn(req)) {
      void catching.then(() => serve(key, req, res));
      return;
    }
    serve(key, req, res);
  };
}

/**
 * RFC 8058 one-click unsubscribe: mail providers POST `List-Unsubscribe=One-Click` to the
 * link without an Origin header, which the site's cross-site form check refuses. This
 * handler answers those POSTs itself; `unsubscribe` is the subscriptions verb.
 */
export function withOneClickUnsubscribe(site: Handler, unsubscribe: (token: string) => 'unsubscribed' | 'invalid'): Handler {
  return (req, res) => {
    const url = req.url ?? '/';
    if (req.method !== 'POST' || !/^\/(?:en\/)?subscribe\/unsubscribe\?/.test(url) || req.headers.origin) return site(req, res);
    const token = new URL(url, 'http://x').searchParams.get('token') ?? '';
    const answer = (body: string) => {
      const ok = /List-Unsubscribe=One-Click/.test(body) && unsubscribe(token) === 'unsubscribed';
      res.writeHead(ok ? 200 : 400, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(ok ? 'unsubscribed\n' : 'invalid link\n');
    };
    // Read whole by the front door (./forward-gate.ts) when it stands before this; else read here.
    const read = readBodyOf(req);
    if (read) return answer(read.toString('utf8', 0, 1000));
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { if (body.length < 1000) body += c; });
    req.on('end', () => answer(body));
  };
}
