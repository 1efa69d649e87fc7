import type { IncomingMessage, ServerResponse } from 'node:http';
import { HSTS } from '../auth/security';
import { answerStore, etagMatches, acceptsGzip, acceptsBrotli, type CachedAnswer } from './cache';

/**
 * The node:http handler in front of the site: answers that the site has cached (the
 * status page, the API, feeds) are written straight from memory while they are fresh,
 * with the very headers the site sent the first time (its security headers included), so
 * a crowd never enters the framework. Everything else, and every miss, goes to the site,
 * which rebuilds the answer. The store is shared through globalThis (./cache.ts).
 *
 * Once the data changed (or an answer aged out), the next visitor's request rebuilds the
 * answer and gets the new one, so whoever changed something sees it at once; visitors who
 * arrive while that rebuild runs get the last answer at once, so a crowd never waits.
 * The data version is read at most every 50 ms, and at once after a change made through
 * this process.
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const CACHEABLE = /^\/(?:$|en\/$|api\/v2\/[a-z/-]+\.json$|history\.(?:atom|rss)$|maintenance\.ics$|badge\/[a-z0-9-]+\.svg$|(?:en\/)?incidents\/)/;

function keyOf(url: string): string | null {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (!CACHEABLE.test(path)) return null;
  if (q === -1) return path;
  // Only ?lang= changes an answer; any other query goes to the site.
  const query = url.slice(q + 1);
  return /^lang=(?:ja|en)$/.test(query) ? `${path}?${query}` : null;
}

interface Prepared { base: [string, string][]; plain: string[]; gzip: string[] | null; br: string[] | null; notModified: string[] }
const prepared = new WeakMap<CachedAnswer, Prepared>();

/** The header lists of an answer's three forms, built once per answer, not per request. */
function prepare(entry: CachedAnswer): Prepared {
  let p = prepared.get(entry);
  if (!p) {
    // HSTS depends on how each visitor came (HTTPS or not), not on the first visitor: added per request.
    const base = Object.entries(entry.finalHeaders!).filter(([k]) => k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding' && k !== 'strict-transport-security');
    p = {
      base,
      br: null,
      plain: [...base, ['content-length', String(entry.body.length)]].flat(),
      gzip: entry.gzip ? [...base, ['content-encoding', 'gzip'], ['content-length', String(entry.gzip.length)]].flat() : null,
      notModified: base.flat(),
    };
    prepared.set(entry, p);
  }
  return p;
}

const HSTS_HEADER = ['strict-transport-security', HSTS];

/** Whether this visitor reached the site over HTTPS, as the middleware judges it for the headers it sends. */
function viaHttps(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true
    || String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https'
    || (process.env.PUBLIC_URL ?? '').startsWith('https:');
}

function write(entry: CachedAnswer, req: IncomingMessage, res: ServerResponse): void {
  const p = prepare(entry);
  if (viaHttps(req)) {
    const writeHead = res.writeHead.bind(res) as (status: number, headers: string[]) => ServerResponse;
    res.writeHead = ((status: number, headers: string[]) => writeHead(status, [...headers, ...HSTS_HEADER])) as typeof res.writeHead;
  }
  if (etagMatches(req.headers['if-none-match'], entry.etag)) {
    res.writeHead(304, p.notModified);
    res.end();
    return;
  }
  const accept = req.headers['accept-encoding'];
  if (entry.br && acceptsBrotli(accept)) {
    p.br ??= [...p.base, ['content-encoding', 'br'], ['content-length', String(entry.br.length)]].flat();
    res.writeHead(entry.status, p.br);
    res.end(req.method === 'HEAD' ? undefined : entry.br);
    return;
  }
  const gz = p.gzip !== null && acceptsGzip(accept);
  res.writeHead(entry.status, gz ? p.gzip! : p.plain);
  res.end(req.method === 'HEAD' ? undefined : gz ? entry.gzip! : entry.body);
}

/** Wraps the site's handler. */
export function withFrontDoor(site: Handler): Handler {
  const store = answerStore();
  /** Keys whose answer a visitor's request is rebuilding right now, with when it started. */
  const rebuilding = new Map<string, number>();
  // The data version is read at most every 50 ms, however many requests arrive.
  let versionAt = 0;
  let version: string | null = null;
  const currentVersion = (now: number) => {
    if (now - versionAt > 50) {
      version = store.version ? store.version() : null;
      versionAt = now;
    }
    return version;
  };
  const fresh = (entry: CachedAnswer, now: number) => {
    const age = now - entry.builtAt;
    if (age >= store.maxAgeMs) return false;
    return currentVersion(now) === null || currentVersion(now) === entry.version;
  };
  return (req, res) => {
    const method = req.method ?? 'GET';
    const key = method === 'GET' || method === 'HEAD' ? keyOf(req.url ?? '/') : null;
    if (key === null) {
      // A change made through this process (an admin's form) is seen by the very next request.
      if (method !== 'GET' && method !== 'HEAD') res.once('finish', () => { versionAt = 0; });
      return site(req, res);
    }
    const entry = store.entries.get(key);
    const now = Date.now();
    if (entry && entry.finalHeaders) {
      if (fresh(entry, now)) {
        store.stats.hits++;
        write(entry, req, res);
        return;
      }
      const started = rebuilding.get(key);
      if (started !== undefined && now - started < 30_000 && now - entry.builtAt < store.maxAgeMs * 4) {
        // Another visitor's request is rebuilding this answer: this one gets the last answer now.
        store.stats.hits++;
        write(entry, req, res);
        return;
      }
      // The data changed: this visitor's request rebuilds the answer (a few milliseconds) and
      // gets the new one, so whoever changed something sees it; a crowd meanwhile gets the last one.
      rebuilding.set(key, now);
      res.once('close', () => rebuilding.delete(key));
    }
    // A miss: the site answers and refreshes the entry; note the headers it sends with it.
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
      const headersArg = rest.find((r) => r && typeof r === 'object') as Record<string, string | string[]> | undefined;
      const fresh = store.entries.get(key);
      if (status === 200 && fresh && headersArg && !('set-cookie' in headersArg)) {
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(headersArg)) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
        if (flat.etag === fresh.etag) fresh.finalHeaders = flat;
      }
      return (writeHead as (...a: unknown[]) => ServerResponse).call(this, status, ...rest);
    } as typeof res.writeHead;
    site(req, res);
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
    // A body sent in chunks was already read (and counted) by the server: scripts/start.ts.
    const read = (req as { body?: AsyncIterable<Buffer> }).body;
    if (read) {
      void (async () => { let body = ''; for await (const c of read) body += c.toString('utf8'); answer(body.slice(0, 1000)); })();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { if (body.length < 1000) body += c; });
    req.on('end', () => answer(body));
  };
}
