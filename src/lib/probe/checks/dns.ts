import { z } from 'zod';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { CheckType, CheckOutcome } from '../check-type';
import { elapsedMs, parseHostPort, abortable } from '../check-type';

const recordTypes = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SRV', 'PTR', 'SOA', 'CAA'] as const;

const dnsOptions = z.strictObject({
  record_type: z.enum(recordTypes).default('A'),
  /** The server to ask, `ip` or `ip:port` (the contractor's primary DNS); the system's resolvers when absent. */
  server: z.string().refine((s) => {
    const hp = parseHostPort(s, 53);
    return hp !== null && isIP(hp.host) !== 0;
  }, 'must be an IP address, optionally with :port').optional(),
  /** Values the answer must include (all of them), such as an address or a mail host. */
  expected: z.array(z.string().min(1)).min(1).optional(),
  degraded_ms: z.number().int().positive().optional(),
});
export type DnsOptions = z.infer<typeof dnsOptions>;

/** Each answer as one comparable string (addresses, host names, `priority exchange` for MX ...). */
function answerStrings(type: DnsOptions['record_type'], answer: unknown): string[] {
  const lower = (s: string) => s.toLowerCase().replace(/\.$/, '');
  switch (type) {
    case 'A': case 'AAAA': case 'CNAME': case 'NS': case 'PTR':
      return (answer as string[]).map(lower);
    case 'TXT':
      return (answer as string[][]).map((parts) => parts.join(''));
    case 'MX':
      return (answer as { priority: number; exchange: string }[]).flatMap((r) => [lower(r.exchange), `${r.priority} ${lower(r.exchange)}`]);
    case 'SRV':
      return (answer as { priority: number; weight: number; port: number; name: string }[]).map((r) => `${r.priority} ${r.weight} ${r.port} ${lower(r.name)}`);
    case 'SOA': {
      const r = answer as { nsname: string; hostmaster: string; serial: number };
      return [lower(r.nsname), `${lower(r.nsname)} ${lower(r.hostmaster)} ${r.serial}`];
    }
    case 'CAA':
      return (answer as Record<string, unknown>[]).map((r) => Object.entries(r).filter(([k]) => k !== 'critical').map(([k, v]) => `${k} ${String(v)}`).join(' '));
  }
}

const dnsErrors: Record<string, string> = {
  ENOTFOUND: 'name not found (NXDOMAIN)',
  ENODATA: 'no record of that type',
  ESERVFAIL: 'the server failed (SERVFAIL)',
  EREFUSED: 'the server refused the query',
  ETIMEOUT: 'no answer from the DNS server',
  ECONNREFUSED: 'connection to the DNS server refused',
  EBADRESP: 'the DNS server answered garbage',
  EFORMERR: 'the DNS server answered garbage (format error)',
  EBADNAME: 'not a valid name',
};

/** DNS: the name resolves (to the expected values, if given) at the chosen server. */
export const dnsCheck: CheckType<DnsOptions> = {
  type: 'dns',
  options: dnsOptions as unknown as z.ZodType<DnsOptions>,
  validateTarget(target) {
    return /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/.test(target) || isIP(target)
      ? null : 'must be a domain name such as www.example.jp';
  },
  async run({ target, options, timeoutMs }, signal): Promise<CheckOutcome> {
    const resolver = new Resolver({ timeout: Math.max(100, Math.floor(timeoutMs / 2)), tries: 2 });
    if (options.server) {
      const { host, port } = parseHostPort(options.server, 53)!;
      resolver.setServers([isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`]);
    }
    const started = process.hrtime.bigint();
    try {
      const answer: unknown = await abortable(
        resolver.resolve(target, options.record_type) as Promise<unknown>,
        AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        () => resolver.cancel(),
      );
      const latencyMs = elapsedMs(started);
      const values = answerStrings(options.record_type, answer);
      if (values.length === 0) return { status: 'down', latencyMs, reason: `no ${options.record_type} record` };
      if (options.expected) {
        const missing = options.expected.filter((e) => !values.includes(options.record_type === 'TXT' ? e : e.toLowerCase().replace(/\.$/, '')));
        if (missing.length > 0) {
          return { status: 'down', latencyMs, reason: `${options.record_type} ${values.slice(0, 5).join(', ')}; expected ${missing.join(', ')}` };
        }
      }
      if (options.degraded_ms !== undefined && latencyMs > options.degraded_ms) {
        return { status: 'degraded', latencyMs, reason: `slow: ${latencyMs} ms, over ${options.degraded_ms} ms` };
      }
      return { status: 'up', latencyMs, reason: null };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'ABORT_ERR' || code === 'ECANCELLED') return { status: 'down', latencyMs: null, reason: `no answer within ${timeoutMs} ms` };
      return { status: 'down', latencyMs: null, reason: dnsErrors[code] ?? `DNS lookup failed: ${(err as Error).message}` };
    }
  },
};
