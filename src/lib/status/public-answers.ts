import { join } from 'node:path';

/**
 * The public answers: the status page (ja, en), the incident history pages, the Statuspage
 * v2 JSON, the feeds, the calendar and the badges. Each is rendered by its one route in the
 * site (src/pages), off the serving thread (./render-thread.ts), kept in the answer cache
 * (./cache.ts) that the front door (./front-door.ts) serves from, and written as a static
 * file to the failover snapshot (./snapshot.ts).
 *
 * A key is the path, plus `?lang=en|ja` when present: only `lang` changes an answer.
 */
const PUBLIC_PATH = /^\/(?:$|en\/$|api\/v2\/[a-z/-]+\.json$|history\.(?:atom|rss)$|maintenance\.ics$|badge\/[a-z0-9-]+\.svg$|(?:en\/)?incidents\/)/;

/** The answer key of a request's raw URL, or null when the address is not a public answer. */
export function publicKeyOf(url: string): string | null {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (!PUBLIC_PATH.test(path)) return null;
  if (q === -1) return path;
  // Any other query (or an unknown language) goes to the site, which answers it or refuses it.
  const query = url.slice(q + 1);
  return /^lang=(?:ja|en)$/.test(query) ? `${path}?${query}` : null;
}

export const STATUSPAGE_ENDPOINTS = [
  'summary', 'status', 'components', 'incidents', 'incidents/unresolved',
  'scheduled-maintenances', 'scheduled-maintenances/upcoming', 'scheduled-maintenances/active',
] as const;

/**
 * The answers always kept ready (and written to the snapshot): everything a visitor, a feed
 * reader or an aggregator asks for while the site is in trouble. Incident pages are kept
 * once someone asked for them.
 */
export function standingKeys(serviceSlugs: readonly string[]): string[] {
  const keys = ['/', '/en/', '/incidents/', '/en/incidents/'];
  for (const lang of ['', '?lang=en']) {
    for (const e of STATUSPAGE_ENDPOINTS) keys.push(`/api/v2/${e}.json${lang}`);
    keys.push(`/history.atom${lang}`, `/history.rss${lang}`, `/maintenance.ics${lang}`);
    for (const slug of serviceSlugs) keys.push(`/badge/${slug}.svg${lang}`);
  }
  return keys;
}

/**
 * Where a standing answer lives in the snapshot folder. English variants asked with
 * `?lang=en` live under `lang-en/` (deploy/nginx/status.conf maps the query to it); a
 * folder's page is its `index.html`.
 */
export function snapshotFile(dir: string, key: string): string {
  const [path, query] = key.split('?') as [string, string | undefined];
  const prefix = query === 'lang=en' ? 'lang-en' : '';
  const file = path.endsWith('/') ? `${path}index.html` : path;
  return join(dir, prefix, file);
}

/** How long visitors and proxies may keep a public answer. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=15, stale-while-revalidate=60, stale-if-error=86400';
/** A public address that does not exist (an unknown incident): kept briefly. */
export const MISSING_CACHE_CONTROL = 'public, max-age=60';
