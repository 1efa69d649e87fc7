import { createHash } from 'node:crypto';
import { gzipSync, brotliCompress, constants as zlibConstants } from 'node:zlib';
import type { Db } from '../db';

/**
 * Rendered pages and API answers, kept until the data changes. A crowd arriving at once
 * then costs one rebuild, not one per visitor.
 *
 * The data version is SQLite's `PRAGMA data_version` (it moves when another connection,
 * such as the worker process, commits) joined with `total_changes()` of this process's own
 * connection (admin changes and subscriptions made through the site). Answers also age out
 * after `maxAgeMs`, since some depend on the clock (a planned stop that begins, "today").
 *
 * The store lives on globalThis so that the server in front of the site (front-door.ts,
 * loaded outside the site's bundle) serves the very same entries without entering it.
 */
export interface CachedAnswer {
  key: string;
  version: string;
  builtAt: number;
  status: number;
  body: Buffer;
  gzip: Buffer | null;
  /** Brotli at its best quality, made off the event loop: null until it is ready. */
  br: Buffer | null;
  etag: string;
  contentType: string;
  cacheControl: string;
  /** Every header of the answer as it left the site (security headers included), once seen. */
  finalHeaders: Record<string, string> | null;
}

interface Store {
  entries: Map<string, CachedAnswer>;
  /** The current data version; set by the site when it opens its database. */
  version: (() => string) | null;
  maxAgeMs: number;
  stats: { hits: number; builds: number; notModified: number };
}

const STORE_KEY = Symbol.for('status-site.answer-cache');
type WithStore = typeof globalThis & { [STORE_KEY]?: Store };

export function answerStore(): Store {
  const g = globalThis as WithStore;
  g[STORE_KEY] ??= { entries: new Map(), version: null, maxAgeMs: 30_000, stats: { hits: 0, builds: 0, notModified: 0 } };
  return g[STORE_KEY];
}

const versionStatements = new WeakMap<Db, () => string>();

/** The data version of `db` (cheap: two tiny statements). */
export function dataVersion(db: Db): string {
  let fn = versionStatements.get(db);
  if (!fn) {
    const dv = db.$client.prepare('PRAGMA data_version').pluck();
    const tc = db.$client.prepare('SELECT total_changes()').pluck();
    fn = () => `${dv.get() as number}.${tc.get() as number}`;
    versionStatements.set(db, fn);
  }
  return fn();
}

/** Tells the store how to read the data version of the site's database. */
export function bindDataVersion(db: Db): void {
  const store = answerStore();
  if (!store.version) store.version = () => dataVersion(db);
}

export const PUBLIC_CACHE_CONTROL = 'public, max-age=15, stale-while-revalidate=60, stale-if-error=86400';

export interface BuiltAnswer {
  body: string | Buffer;
  contentType: string;
  status?: number;
  cacheControl?: string;
}

/** Whether an entry may still be served as it is. */
export function isFresh(entry: CachedAnswer, store: Store, now: number): boolean {
  const age = now - entry.builtAt;
  if (age >= store.maxAgeMs) return false;
  return store.version === null || store.version() === entry.version;
}

function makeEntry(key: string, version: string, now: number, built: BuiltAnswer, existing: CachedAnswer | undefined): CachedAnswer {
  const body = typeof built.body === 'string' ? Buffer.from(built.body) : built.body;
  const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
  const same = existing && existing.etag === etag;
  const entry: CachedAnswer = {
    key, version, builtAt: now, status: built.status ?? 200, body,
    gzip: same ? existing.gzip : body.length > 1024 ? gzipSync(body, { level: 9 }) : null,
    br: same ? existing.br : null,
    etag, contentType: built.contentType, cacheControl: built.cacheControl ?? PUBLIC_CACHE_CONTROL,
    // The same bytes as before keep the headers already seen.
    finalHeaders: same ? existing.finalHeaders : null,
  };
  // Brotli's best quality takes tens of milliseconds for a page: it runs on libuv's thread
  // pool, and gzip is served until it is ready. Phones download a third less.
  if (!entry.br && body.length > 1024) {
    brotliCompress(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length } }, (err, out) => {
      if (!err && (!entry.gzip || out.length < entry.gzip.length)) entry.br = out;
    });
  }
  return entry;
}

/** The cached answer for `key`, rebuilt with `build` when the data changed or it aged out. */
export function cachedAnswer(db: Db, key: string, build: () => BuiltAnswer, now = Date.now()): CachedAnswer {
  const { store, existing, fresh } = lookup(db, key, now);
  if (fresh) return existing!;
  const entry = makeEntry(key, dataVersion(db), now, build(), existing);
  store.stats.builds++;
  remember(store, entry);
  return entry;
}

/** The store's entry for `key`, and whether it may be served as it is (counted as a hit). */
function lookup(db: Db, key: string, now: number): { store: Store; existing: CachedAnswer | undefined; fresh: boolean } {
  bindDataVersion(db);
  const store = answerStore();
  const existing = store.entries.get(key);
  const fresh = existing !== undefined && isFresh(existing, store, now);
  if (fresh) store.stats.hits++;
  return { store, existing, fresh };
}

/** Answers one-off pages never push out: the status page in both languages and the v2 API. */
const PINNED = /^\/(?:en\/)?(?:\?|$)|^\/api\/v2\//;

/** Keeps an answer; unknown addresses are many, so the oldest unpinned answers are forgotten past 500. */
function remember(store: Store, entry: CachedAnswer): void {
  if (!store.entries.has(entry.key) && store.entries.size >= 500) {
    for (const key of store.entries.keys()) {
      if (PINNED.test(key)) continue;
      store.entries.delete(key);
      break;
    }
  }
  store.entries.set(entry.key, entry);
}

const inFlight = new Map<string, Promise<CachedAnswer>>();

/**
 * Like cachedAnswer for builds that wait (a page render). One build runs per key at a time;
 * while it runs, the previous answer is served if there is one.
 */
export async function cachedAnswerAsync(db: Db, key: string, build: () => Promise<BuiltAnswer>, now = Date.now()): Promise<CachedAnswer> {
  const { store, existing, fresh } = lookup(db, key, now);
  if (fresh) return existing!;
  const running = inFlight.get(key);
  if (running) {
    if (existing && now - existing.builtAt < store.maxAgeMs * 4) return existing;
    return running;
  }
  const version = dataVersion(db);
  const p = build().then((built) => {
    const entry = makeEntry(key, version, now, built, existing);
    store.stats.builds++;
    if (entry.status === 200) remember(store, entry);
    return entry;
  }).finally(() => inFlight.delete(key));
  inFlight.set(key, p);
  return p;
}

export function etagMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '');
    return v === etag || v === '*';
  });
}

/** Whether a client takes brotli (browsers send `br` over HTTPS, CDNs and proxies too). */
export function acceptsBrotli(acceptEncoding: string | null | undefined): boolean {
  return !!acceptEncoding && /\bbr\b/.test(acceptEncoding) && !/\bbr;q=0(\.0*)?\b/.test(acceptEncoding);
}

export function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  return !!acceptEncoding && /\bgzip\b/.test(acceptEncoding) && !/\bgzip;q=0(\.0*)?\b/.test(acceptEncoding);
}

/** The answer as a web Response for an Astro route: 304 when the client has it, gzip when accepted. */
export function toResponse(entry: CachedAnswer, request: Request): Response {
  const headers = new Headers({
    'Content-Type': entry.contentType,
    'Cache-Control': entry.cacheControl,
    ETag: entry.etag,
    Vary: 'Accept-Encoding',
    'Last-Modified': new Date(entry.builtAt).toUTCString(),
  });
  if (entry.status === 200 && etagMatches(request.headers.get('if-none-match'), entry.etag)) {
    answerStore().stats.notModified++;
    return new Response(null, { status: 304, headers });
  }
  if (request.method === 'HEAD') return new Response(null, { status: entry.status, headers });
  if (entry.br && acceptsBrotli(request.headers.get('accept-encoding'))) {
    headers.set('Content-Encoding', 'br');
    return new Response(new Uint8Array(entry.br), { status: entry.status, headers });
  }
  if (entry.gzip && acceptsGzip(request.headers.get('accept-encoding'))) {
    headers.set('Content-Encoding', 'gzip');
    return new Response(new Uint8Array(entry.gzip), { status: entry.status, headers });
  }
  return new Response(new Uint8Array(entry.body), { status: entry.status, headers });
}

/** The cache key of a request: its path and the query parameters that change the answer. */
export function cacheKey(url: URL, params: readonly string[] = ['lang']): string {
  const kept = params.filter((p) => url.searchParams.has(p)).map((p) => `${p}=${url.searchParams.get(p)}`);
  return kept.length ? `${url.pathname}?${kept.join('&')}` : url.pathname;
}
