import { createHash } from 'node:crypto';
import { gzipSync, brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import type { Db } from '../db';

/**
 * The answer cache: public answers as rendered by their route (./render-thread.ts), with
 * their ETag and both compressed forms made once per new body, never per visitor. The
 * front door (./front-door.ts) serves from it; the snapshot (./snapshot.ts) is written from
 * the same answers.
 */
export interface CachedAnswer {
  key: string;
  status: number;
  /** When the route rendered it (epoch ms). */
  builtAt: number;
  /** The data version it was rendered from. */
  version: string;
  body: Buffer;
  gzip: Buffer | null;
  br: Buffer | null;
  etag: string;
  /** The route's headers (content type, security headers…), lower-case, without length or encoding. */
  headers: Record<string, string>;
}

/** Headers that belong to one transfer, not to the answer. */
const TRANSFER_HEADERS = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'date', 'etag', 'set-cookie', 'strict-transport-security']);

export function answerHeaders(headers: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of headers) if (!TRANSFER_HEADERS.has(k.toLowerCase())) out[k.toLowerCase()] = v;
  return out;
}

/**
 * A cache entry from a rendered body. The same bytes as `previous` keep its compressed forms;
 * new bytes are compressed here (off the serving thread: the renderer calls this).
 */
export function makeAnswer(
  key: string,
  rendered: { status: number; headers: Record<string, string>; body: Buffer },
  version: string,
  builtAt: number,
  previous?: CachedAnswer,
): CachedAnswer {
  const etag = `"${createHash('sha1').update(rendered.body).digest('base64url').slice(0, 22)}"`;
  const same = previous?.etag === etag;
  const big = rendered.body.length > 1024;
  return {
    key, status: rendered.status, builtAt, version, body: rendered.body, etag, headers: rendered.headers,
    gzip: same ? previous.gzip : big ? gzipSync(rendered.body, { level: 9 }) : null,
    // Quality 9 is within a few per cent of 11 at a tenth of the time; answers change often.
    br: same ? previous.br : big ? brotliCompressSync(rendered.body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: rendered.body.length } }) : null,
  };
}

const versionStatements = new WeakMap<Db, () => string>();

/**
 * The data version of `db` (cheap: two tiny statements): SQLite's `PRAGMA data_version`
 * (it moves when another connection commits, the worker's or the site's) joined with
 * `total_changes()` of this connection.
 */
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

/**
 * How many times a computation served a value from before the data's latest change (within
 * its bound). A render that used one is marked behind (./renderer.ts), so it is rendered
 * again in the next cycle instead of standing as current until MAX_AGE_MS. The count lives
 * on the thread's global object, not in this module: the built site bundles its own copy of
 * this module, and the renderer reads the count around its renders of that site's routes.
 */
const EARLIER_VALUES = Symbol.for('status.earlier-values-served');
type WithCount = { [EARLIER_VALUES]?: number };

function servedEarlierValue(): void {
  const g = globalThis as WithCount;
  g[EARLIER_VALUES] = (g[EARLIER_VALUES] ?? 0) + 1;
}

export function earlierValuesServed(): number {
  return (globalThis as WithCount)[EARLIER_VALUES] ?? 0;
}

/**
 * One computation from the data (the page's figures, the API's summary) shared by every
 * answer rendered from it. It is computed again when this connection wrote (an admin's
 * change on the site: seen at once); when other connections committed (the worker's checks,
 * agents' batches, every second at thousands of monitors), once it is `otherWritesMs` old;
 * and with no change at all once it is `unchangedMs` old (it follows the clock). Its age
 * counts from when it was done, so a computation that takes long still serves every answer
 * of its render cycle instead of running again for each.
 */
export class SharedComputation<T> {
  private last: { db: Db; version: string; at: number; tookMs: number; doneAt: number; value: T } | null = null;

  constructor(private readonly otherWritesMs: number, private readonly unchangedMs: number) {}

  get(ctx: { db: Db; now: number }, compute: () => T): T {
    const k = this.last;
    const version = dataVersion(ctx.db);
    if (k && k.db === ctx.db && ctx.now >= k.at) {
      const own = (v: string) => v.slice(v.indexOf('.') + 1);
      const within = version === k.version ? this.unchangedMs : own(version) === own(k.version) ? this.otherWritesMs : -1;
      // Both clocks: the caller's `now` (tests move it) and the wall time since it was done.
      if (ctx.now - k.at < k.tookMs + within && performance.now() - k.doneAt < within) {
        if (version !== k.version) servedEarlierValue();
        return k.value;
      }
    }
    const started = performance.now();
    const value = compute();
    const doneAt = performance.now();
    this.last = { db: ctx.db, version, at: ctx.now, tookMs: doneAt - started, doneAt, value };
    return value;
  }
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
