import type { IncomingMessage } from 'node:http';
import type { Config } from '../config';

/**
 * How large a request body may be, and how long it may take to arrive, for each path: the
 * one table that the front door (scripts/start.ts, ../status/forward-gate.ts) and the
 * routes behind it read, so the two never disagree. Bodies are small here (sign-in, admin
 * forms, subscriptions, push calls); a route that takes more names its own limit below.
 * A body over its limit is refused from its Content-Length, or, sent in chunks, as soon as
 * the count passes the limit, before anything parses it.
 */
export const FORM_BODY_LIMIT = 64 * 1024;
/** An agent's batch of results (`agents.batch_max`, 5,000 by default, fits with room to spare). */
export const AGENT_BATCH_BODY_LIMIT = 8 * 1024 * 1024;
export const AGENT_RESULTS_PATH = '/api/agent/v1/results';
/** A form body arrives within this, or it is answered 408: a slow sender holds nothing of the site's meanwhile. */
export const FORM_READ_WITHIN_MS = 5_000;

export interface BodyRule {
  /** Bytes at most. */
  limit: number;
  /** The whole body arrives within this many milliseconds of the request's head. */
  readWithinMs: number;
}

/**
 * A support item's form (public or admin): its longest text (`support.body_max_chars`),
 * each character URL-encoded at worst (4 bytes of UTF-8 × 3), and room for the other fields.
 */
export function supportFormBodyLimit(config: Pick<Config, 'support'>): number {
  return config.support.body_max_chars * 4 * 3 + 8192;
}

const SUPPORT_FORM = /^\/(?:en\/)?support\/$|^\/admin\/support\/(?:new|\d+)$/;

/** The rule of a (canonical) path. */
export function bodyRuleFor(path: string, config: Pick<Config, 'support'>): BodyRule {
  if (path === AGENT_RESULTS_PATH) return { limit: AGENT_BATCH_BODY_LIMIT, readWithinMs: 30_000 };
  if (SUPPORT_FORM.test(path)) return { limit: supportFormBodyLimit(config), readWithinMs: FORM_READ_WITHIN_MS };
  return { limit: FORM_BODY_LIMIT, readWithinMs: FORM_READ_WITHIN_MS };
}

export function bodyTooLargeText(limit: number): string {
  return `Request body too large (over ${Math.round(limit / 1024)} KB) / 送信された内容が大きすぎます`;
}

/** `too_large` at once from the declared length; `chunked` when the body must be counted as it arrives. */
export function declaredBody(req: IncomingMessage, limit: number): 'none' | 'ok' | 'too_large' | 'chunked' {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > limit ? 'too_large' : Number(length) === 0 ? 'none' : 'ok';
  return req.headers['transfer-encoding'] ? 'chunked' : 'none';
}

/**
 * Reads a body while counting, within `withinMs`: resolves with it, with `too_large` (the
 * stream is left paused) as soon as it passes the limit, or with `too_slow` when it has
 * not all arrived in time.
 */
export function readCounted(req: IncomingMessage, limit: number, withinMs = Infinity): Promise<Buffer | 'too_large' | 'too_slow'> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (outcome: 'too_large' | 'too_slow') => {
      clearTimeout(timer);
      req.off('data', onData);
      req.pause();
      done(outcome);
    };
    const timer = setTimeout(() => stop('too_slow'), Number.isFinite(withinMs) ? withinMs : 2 ** 31 - 1);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return stop('too_large');
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      clearTimeout(timer);
      done(Buffer.concat(chunks));
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
  });
}

/** A body the front door has read whole (`readCounted`): what is forwarded, instead of the spent stream. */
const bodies = new WeakMap<IncomingMessage, Buffer>();

export function setReadBody(req: IncomingMessage, body: Buffer): void {
  bodies.set(req, body);
}

export function readBodyOf(req: IncomingMessage): Buffer | undefined {
  return bodies.get(req);
}
