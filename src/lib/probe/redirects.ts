import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

/**
 * Where the probe goes when a target redirects. A monitor's own headers (an Authorization
 * value, an API key) go to the target's origin only, as browsers do: a redirect to another
 * origin is followed without them. A redirect to another host on a private, loopback or
 * link-local address is followed only when the monitor says so (`redirect_to_private`), so a
 * public site cannot point the probe, from inside the network, at an internal service.
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15]] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const plain = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(plain);
  return family !== 0 && PRIVATE.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}

/** The monitor's own headers for this request: only on the target's origin. */
export function headersFor(url: URL, targetOrigin: string, custom: Record<string, string>): Record<string, string> {
  return url.origin === targetOrigin ? custom : {};
}

export class PrivateRedirectError extends Error {
  readonly code = 'ERR_PRIVATE_REDIRECT';
  constructor(host: string, address: string) {
    super(`redirect to ${host} (${address}, a private address) not followed; set redirect_to_private to allow it`);
  }
}

/**
 * The DNS lookup for a request that follows a redirect to another host: refuses private
 * addresses at connection time (so a name that changes its answer cannot slip through),
 * or null when nothing needs checking. An address written in the URL is checked at once.
 */
export function redirectLookup(to: URL, from: URL, allowPrivate: boolean): LookupFunction | null {
  if (allowPrivate || to.hostname === from.hostname) return null;
  const host = to.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw new PrivateRedirectError(to.hostname, host);
    return null;
  }
  return ((hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(new PrivateRedirectError(hostname, bad.address) as unknown as NodeJS.ErrnoException, '', 0);
      if ((options as { all?: boolean }).all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  }) as LookupFunction;
}
