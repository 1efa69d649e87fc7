import { z } from 'zod';
import { connect, checkServerIdentity, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import type { CheckType, CheckOutcome, CheckWarning } from '../check-type';
import { elapsedMs, parseHostPort } from '../check-type';
import { describeNetworkError } from '../net-errors';

const DAY = 86_400_000;

export const pemCa = z.string().refine((s) => s.includes('-----BEGIN CERTIFICATE-----'), 'must be PEM certificates (-----BEGIN CERTIFICATE-----)');

const tlsOptions = z.strictObject({
  /** Days before expiry from which a warning is raised. */
  warn_days: z.number().int().min(1).max(365).default(21),
  /** Days before expiry from which the warning is critical. */
  critical_days: z.number().int().min(0).max(365).default(7),
  /** The name to ask for and verify (SNI), when it differs from the target's host. */
  servername: z.string().min(1).optional(),
  /** Extra trusted CA certificates (PEM), for a private CA. */
  ca: pemCa.optional(),
  degraded_ms: z.number().int().positive().optional(),
}).refine((o) => o.critical_days <= o.warn_days, { message: 'must not be more than warn_days', path: ['critical_days'] });
export type TlsOptions = z.infer<typeof tlsOptions>;

/** Whole days left before `validTo` (negative once expired). */
export function daysLeft(validTo: string, now: number): number {
  return Math.floor((Date.parse(validTo) - now) / DAY);
}

/** The expiry warning for a certificate, or null while it is far from expiry. */
export function expiryWarning(cert: Pick<PeerCertificate, 'valid_to'>, now: number, warnDays: number, criticalDays: number): CheckWarning | null {
  const days = daysLeft(cert.valid_to, now);
  if (days < 0 || days > warnDays) return null;
  const when = new Date(Date.parse(cert.valid_to)).toISOString().slice(0, 10);
  return {
    code: 'tls_expiry',
    severity: days <= criticalDays ? 'critical' : 'warning',
    message: days === 0 ? `TLS certificate expires today (${when})` : `TLS certificate expires in ${days} day${days === 1 ? '' : 's'} (${when})`,
  };
}

function describeChainError(code: string): string {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN': return 'TLS certificate is self-signed (not trusted)';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY': return 'TLS certificate chain is incomplete (intermediate certificate missing)';
    case 'CERT_REVOKED': return 'TLS certificate is revoked';
    case 'CERT_SIGNATURE_FAILURE': return 'TLS certificate signature is invalid';
    default: return `TLS certificate is not trusted (${code})`;
  }
}

/** Parses `host[:port]` or an https:// URL into where to connect. */
function tlsEndpoint(target: string): { host: string; port: number } | null {
  if (/^https:\/\//i.test(target)) {
    try {
      const u = new URL(target);
      return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 443 };
    } catch {
      return null;
    }
  }
  return parseHostPort(target, 443);
}

/**
 * TLS certificate: connects, then judges the certificate itself. Expired, not yet valid,
 * the wrong host name or an untrusted chain is `down` with the reason; near expiry is `up`
 * with a warning (critical from `critical_days`).
 */
export const tlsCheck: CheckType<TlsOptions> = {
  type: 'tls',
  options: tlsOptions as unknown as z.ZodType<TlsOptions>,
  validateTarget(target) {
    return tlsEndpoint(target) ? null : 'must be host:port (443 when left out) or an https:// URL';
  },
  run({ target, options, timeoutMs }, signal): Promise<CheckOutcome> {
    const { host, port } = tlsEndpoint(target)!;
    const name = options.servername ?? host;
    const started = process.hrtime.bigint();
    return new Promise((resolve) => {
      let done = false;
      const socket = connect({
        host, port,
        servername: isIP(name) ? undefined : name,
        rejectUnauthorized: false,
        ca: options.ca,
        ALPNProtocols: ['http/1.1'],
      });
      const finish = (o: CheckOutcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(o);
      };
      const onAbort = () => finish({ status: 'down', latencyMs: null, reason: 'check cancelled' });
      const timer = setTimeout(() => finish({ status: 'down', latencyMs: null, reason: `timed out after ${timeoutMs} ms` }), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        const reason = /wrong version number|packet length too long|unknown protocol/i.test(err.message)
          ? 'the server does not speak TLS on this port' : describeNetworkError(err);
        finish({ status: 'down', latencyMs: null, reason });
      });
      socket.once('secureConnect', () => {
        const latencyMs = elapsedMs(started);
        const cert = socket.getPeerCertificate(false);
        if (!cert || !cert.valid_to) return finish({ status: 'down', latencyMs, reason: 'the server sent no certificate' });
        const now = Date.now();
        if (Date.parse(cert.valid_to) <= now) {
          const days = daysLeft(cert.valid_to, now);
          return finish({ status: 'down', latencyMs, reason: `TLS certificate expired ${-days} day${-days === 1 ? '' : 's'} ago (${new Date(Date.parse(cert.valid_to)).toISOString().slice(0, 10)})` });
        }
        if (Date.parse(cert.valid_from) > now) {
          return finish({ status: 'down', latencyMs, reason: `TLS certificate is not valid before ${new Date(Date.parse(cert.valid_from)).toISOString().slice(0, 10)}` });
        }
        const identity = checkServerIdentity(name, cert);
        if (identity) {
          const names = cert.subjectaltname ? ` (certificate is for ${cert.subjectaltname.replace(/DNS:|IP Address:/g, '')})` : '';
          return finish({ status: 'down', latencyMs, reason: `TLS certificate does not match the host name ${name}${names}` });
        }
        if (!socket.authorized) {
          const code = String((socket.authorizationError as unknown as string | Error | null) instanceof Error
            ? (socket.authorizationError as unknown as NodeJS.ErrnoException).code ?? socket.authorizationError
            : socket.authorizationError);
          return finish({ status: 'down', latencyMs, reason: describeChainError(code) });
        }
        const warning = expiryWarning(cert, now, options.warn_days, options.critical_days);
        if (warning) return finish({ status: 'up', latencyMs, reason: warning.message, warnings: [warning] });
        if (options.degraded_ms !== undefined && latencyMs > options.degraded_ms) {
          return finish({ status: 'degraded', latencyMs, reason: `slow: ${latencyMs} ms, over ${options.degraded_ms} ms` });
        }
        finish({ status: 'up', latencyMs, reason: null });
      });
    });
  },
};
