import { z } from 'zod';
import type { Client as FtpClient } from 'basic-ftp';
import type { CheckType, CheckOutcome } from '../check-type';
import { elapsedMs, abortable } from '../check-type';
import { describeNetworkError } from '../net-errors';
import { pemCa } from './tls';

const ftpOptions = z.strictObject({
  /** TLS: `explicit` (AUTH TLS on the normal port, FTPS) or `implicit` (port 990); `ftps://` targets default to explicit. */
  tls: z.enum(['none', 'explicit', 'implicit']).optional(),
  ignore_tls_errors: z.boolean().default(false),
  ca: pemCa.optional(),
  /** Also list this directory after logging in (the data connection works, too). */
  list_path: z.string().min(1).optional(),
  degraded_ms: z.number().int().positive().optional(),
});
export type FtpOptions = z.infer<typeof ftpOptions>;

function parseTarget(target: string): { host: string; port?: number; user: string; password: string; secureDefault: boolean } | null {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    return null;
  }
  if ((u.protocol !== 'ftp:' && u.protocol !== 'ftps:') || !u.hostname) return null;
  if ((u.pathname && u.pathname !== '/') || u.search || u.hash) return null;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : undefined,
    user: u.username ? decodeURIComponent(u.username) : 'anonymous',
    password: u.password ? decodeURIComponent(u.password) : 'anonymous@',
    secureDefault: u.protocol === 'ftps:',
  };
}

function describeFtpError(err: unknown): string {
  const e = err as { code?: number | string; message?: string };
  if (typeof e.code === 'number') {
    if (e.code === 530) return 'FTP login failed (530)';
    if (e.code === 550) return `FTP: ${e.message ?? 'not found'}`;
    if (e.code >= 400) return `FTP error ${e.message ?? e.code}`;
  }
  if (/timeout/i.test(e.message ?? '')) return 'FTP server did not answer in time';
  if (/Unexpected|not an FTP|Invalid/i.test(e.message ?? '')) return 'the server does not speak FTP';
  return describeNetworkError(err);
}

/** FTP: connects and logs in (FTPS where configured). Target `ftp://user:password@host:21` or `ftps://...`. */
export const ftpCheck: CheckType<FtpOptions> = {
  type: 'ftp',
  options: ftpOptions as unknown as z.ZodType<FtpOptions>,
  validateTarget(target) {
    return parseTarget(target) ? null : 'must be ftp://user:password@host:port or ftps://… with no path';
  },
  async run({ target, options, timeoutMs }, signal): Promise<CheckOutcome> {
    const t = parseTarget(target)!;
    const mode = options.tls ?? (t.secureDefault ? 'explicit' : 'none');
    // Loaded at the first FTP check: a probe with none never holds the FTP client in memory.
    const { Client } = await import('basic-ftp');
    const client: FtpClient = new Client(timeoutMs);
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const started = process.hrtime.bigint();
    try {
      await abortable((async () => {
        await client.access({
          host: t.host,
          port: t.port ?? (mode === 'implicit' ? 990 : 21),
          user: t.user,
          password: t.password,
          secure: mode === 'none' ? false : mode === 'implicit' ? 'implicit' : true,
          secureOptions: { rejectUnauthorized: !options.ignore_tls_errors, ca: options.ca, servername: t.host },
        });
        if (options.list_path) await client.list(options.list_path);
      })(), deadline, () => client.close());
      const latencyMs = elapsedMs(started);
      if (options.degraded_ms !== undefined && latencyMs > options.degraded_ms) {
        return { status: 'degraded', latencyMs, reason: `slow: ${latencyMs} ms, over ${options.degraded_ms} ms` };
      }
      return { status: 'up', latencyMs, reason: null };
    } catch (err) {
      return { status: 'down', latencyMs: null, reason: deadline.aborted ? `timed out after ${timeoutMs} ms` : describeFtpError(err) };
    } finally {
      client.close();
    }
  },
};
