import type { IncomingMessage } from 'node:http';

/**
 * Request bodies are small here (sign-in, admin forms, subscriptions, push calls): a body
 * over the limit is refused from its Content-Length, or, sent in chunks, as soon as the
 * count passes the limit, before anything parses it. A route that takes uploads names its
 * own limit here.
 */
export const FORM_BODY_LIMIT = 64 * 1024;
const OWN_LIMITS: Array<[RegExp, number]> = [];

export function bodyLimitFor(path: string): number {
  for (const [re, limit] of OWN_LIMITS) if (re.test(path)) return limit;
  return FORM_BODY_LIMIT;
}

/** `too_large` at once from the declared length; `chunked` when the body must be counted as it arrives. */
export function declaredBody(req: IncomingMessage, limit: number): 'none' | 'ok' | 'too_large' | 'chunked' {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > limit ? 'too_large' : 'ok';
  return req.headers['transfer-encoding'] ? 'chunked' : 'none';
}

/**
 * Reads a chunked body while counting; resolves with it, or with null (the stream is
 * left paused) as soon as it passes the limit.
 */
export function readCounted(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        done(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => done(Buffer.concat(chunks)));
    req.once('error', fail);
  });
}
