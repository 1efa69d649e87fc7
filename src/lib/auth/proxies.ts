import { BlockList, isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Forwarded headers (`X-Forwarded-For`, `-Proto`, `-Host`, `-Port`, `Forwarded`,
 * `X-Real-IP`) say who the visitor is and how they came; anyone can send them. They are
 * believed only from the proxies named in `trusted_proxies` (addresses or CIDR ranges;
 * none by default, so the socket's address is the visitor's). From anyone else they are
 * removed before the site reads them.
 */
const FORWARDED = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded', 'x-real-ip'];

export interface TrustedProxies { has: (address: string) => boolean; empty: boolean }

const plainAddress = (a: string) => a.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').replace(/^\[|\]$/g, '');

/** Reads `trusted_proxies` entries: `127.0.0.1`, `::1`, `10.0.0.0/8`, `fd00::/8`. */
export function trustedProxies(entries: string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.trim().split('/');
    const family = isIP(address ?? '');
    if (!family) throw new Error(`trusted_proxies: ${entry} is not an IP address or CIDR range`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(bits), type);
  }
  return {
    empty: entries.length === 0,
    has: (a) => {
      const address = plainAddress(a);
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

/**
 * Makes the request's headers say what can be believed: from an untrusted peer, every
 * forwarded header is dropped; from a trusted proxy, `X-Forwarded-For` becomes the one
 * address nearest to the site that is not itself a trusted proxy. Returns the visitor's address.
 */
export function believeForwarded(headers: IncomingHttpHeaders, peer: string | undefined, trusted: TrustedProxies): string {
  const socketAddress = plainAddress(peer ?? '');
  if (!peer || trusted.empty || !trusted.has(socketAddress)) {
    for (const h of FORWARDED) delete headers[h];
    return socketAddress || 'unknown';
  }
  const chain = String(headers['x-forwarded-for'] ?? '').split(',').map((s) => plainAddress(s.trim())).filter((s) => isIP(s));
  let client = socketAddress;
  for (let i = chain.length - 1; i >= 0; i--) {
    client = chain[i]!;
    if (!trusted.has(client)) break;
  }
  if (chain.length) headers['x-forwarded-for'] = client;
  else delete headers['x-forwarded-for'];
  return client;
}
