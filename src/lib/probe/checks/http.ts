import { z } from 'zod';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket, PeerCertificate } from 'node:tls';
import type { CheckType, CheckOutcome, CheckWarning } from '../check-type';
import { elapsedMs, isHttpUrl } from '../check-type';
import { expiryWarning, pemCa } from './tls';
import { describeNetworkError } from '../net-errors';
import type { LookupFunction } from 'node:net';
import { headersFor, redirectLookup, PrivateRedirectError } from '../redirects';

const statusSpec = z.union([z.number().int().min(100).max(599), z.string().regex(/^\d{3}-\d{3}$/, 'a range such as "200-299"')]);

const httpOptions = z.strictObject({
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  expected_status: z.array(statusSpec).min(1).default(['200-399']),
  keyword: z.string().min(1).optional(),
  keyword_absent: z.string().min(1).optional(),
  degraded_ms: z.number().int().positive().optional(),
  follow_redirects: z.boolean().default(true),
  max_redirects: z.number().int().min(0).max(20).default(5),
  /** Sent to the target's origin only; a redirect to another origin is followed without them. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Follow a redirect to another host on a private, loopback or link-local address. */
  redirect_to_private: z.boolean().default(false),
  /** Accept certificates that do not verify (a self-signed test host). Errors are still reported when false. */
  ignore_tls_errors: z.boolean().default(false),
  /** Extra trusted CA certificates (PEM), for a private CA. */
  ca: pemCa.optional(),
  /** For https: days before the certificate expires from which a warning (then a critical one) is raised. */
  tls_warn_days: z.number().int().min(1).max(365).default(14),
  tls_critical_days: z.number().int().min(0).max(365).default(7),
}).refine((o) => o.tls_critical_days <= o.tls_warn_days, { message: 'must not be more than tls_warn_days', path: ['tls_critical_days'] });
export type HttpOptions = z.infer<typeof httpOptions>;

function statusExpected(code: number, specs: HttpOptions['expected_status']): boolean {
  return specs.some((s) => {
    if (typeof s === 'number') return s === code;
    const [lo, hi] = s.split('-').map(Number) as [number, number];
    return code >= lo && code <= hi;
  });
}

const MAX_BODY = 2 * 1024 * 1024;

interface Fetched {
  status: number;
  location: string | undefined;
  body: string;
  cert: PeerCertificate | null;
}

function fetchOnce(url: URL, options: HttpOptions, signal: AbortSignal, needBody: boolean, hop: { headers: Record<string, string>; lookup: LookupFunction | null }): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, {
      method: options.method,
      headers: { 'user-agent': 'status-sla-probe/1', ...hop.headers },
      ...(hop.lookup ? { lookup: hop.lookup } : {}),
      signal,
      rejectUnauthorized: !options.ignore_tls_errors,
      ca: options.ca,
      agent: false,
    }, (res: IncomingMessage) => {
      const socket = res.socket as Partial<TLSSocket> | null;
      const peer = typeof socket?.getPeerCertificate === 'function' ? socket.getPeerCertificate(false) : null;
      const cert = peer && peer.valid_to ? peer : null;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (!needBody) return;
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks).toString('utf8'), cert }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export { describeNetworkError };

export const httpCheck: CheckType<HttpOptions> = {
  type: 'http',
  options: httpOptions as unknown as z.ZodType<HttpOptions>,
  validateTarget(target) {
    return isHttpUrl(target) ? null : 'must be an http:// or https:// URL';
  },
  async run({ target, options, timeoutMs }, signal): Promise<CheckOutcome> {
    const started = process.hrtime.bigint();
    const timeout = AbortSignal.timeout(timeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    const needBody = options.keyword !== undefined || options.keyword_absent !== undefined;
    const start = new URL(target);
    let url = start;
    let lookup: LookupFunction | null = null;
    const warnings: CheckWarning[] = [];
    try {
      for (let hop = 0; ; hop++) {
        const res = await fetchOnce(url, options, both, needBody, { headers: headersFor(url, start.origin, options.headers), lookup });
        const latencyMs = elapsedMs(started);
        if (hop === 0 && res.cert) {
          const w = expiryWarning(res.cert, Date.now(), options.tls_warn_days, options.tls_critical_days);
          if (w) warnings.push(w);
        }
        if (res.status >= 300 && res.status < 400 && res.location && options.follow_redirects) {
          if (hop >= options.max_redirects) return { status: 'down', latencyMs, reason: `more than ${options.max_redirects} redirects` };
          const next = new URL(res.location, url);
          lookup = redirectLookup(next, start, options.redirect_to_private);
          url = next;
          continue;
        }
        if (!statusExpected(res.status, options.expected_status)) {
          return { status: 'down', latencyMs, reason: `HTTP ${res.status}, expected ${options.expected_status.join(', ')}` };
        }
        if (options.keyword !== undefined && !res.body.includes(options.keyword)) {
          return { status: 'down', latencyMs, reason: `keyword '${options.keyword}' not found` };
        }
        if (options.keyword_absent !== undefined && res.body.includes(options.keyword_absent)) {
          return { status: 'down', latencyMs, reason: `keyword '${options.keyword_absent}' found` };
        }
        if (options.degraded_ms !== undefined && latencyMs > options.degraded_ms) {
          return { status: 'degraded', latencyMs, reason: `slow: ${latencyMs} ms, over ${options.degraded_ms} ms`, warnings };
        }
        return { status: 'up', latencyMs, reason: warnings[0]?.message ?? null, warnings };
      }
    } catch (err) {
      const reason = timeout.aborted ? `timed out after ${timeoutMs} ms` : err instanceof PrivateRedirectError ? err.message : describeNetworkError(err);
      return { status: 'down', latencyMs: null, reason };
    }
  },
};
