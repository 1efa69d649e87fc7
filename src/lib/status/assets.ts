import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptsBrotli, acceptsGzip, etagMatches } from './cache';

/**
 * The built site's hashed assets (/_astro/…: their names change with their content), served
 * by the site itself from memory with immutable caching, in the brotli or gzip form made at
 * build time (scripts/build.mjs) when the visitor takes it. Small: the page's scripts and styles.
 */
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.json': 'application/json', '.woff2': 'font/woff2', '.png': 'image/png', '.webp': 'image/webp',
};
export const IMMUTABLE = 'public, max-age=31536000, immutable';

interface Asset { plain: Buffer; br: Buffer | null; gzip: Buffer | null; type: string; etag: string }

export class HashedAssets {
  private readonly files = new Map<string, Asset>();

  constructor(clientDir: string) {
    const dir = join(clientDir, '_astro');
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.br') || name.endsWith('.gz')) continue;
      const file = join(dir, name);
      const read = (p: string) => (existsSync(p) ? readFileSync(p) : null);
      const hash = /\.([\w-]{8,})\.\w+$/.exec(name)?.[1] ?? name;
      this.files.set(`/_astro/${name}`, { plain: readFileSync(file), br: read(`${file}.br`), gzip: read(`${file}.gz`), type: TYPES[extname(name)] ?? 'application/octet-stream', etag: `"${hash}"` });
    }
  }

  /** Answers the request if it names a hashed asset; false leaves it to the site. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    if (!url.startsWith('/_astro/') || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const asset = this.files.get(url.split('?')[0]!);
    if (!asset) return false;
    const headers: Record<string, string> = { 'content-type': asset.type, 'cache-control': IMMUTABLE, etag: asset.etag, vary: 'Accept-Encoding', 'x-content-type-options': 'nosniff' };
    if (etagMatches(req.headers['if-none-match'], asset.etag)) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const accept = req.headers['accept-encoding'];
    const [body, encoding] = asset.br && acceptsBrotli(accept) ? [asset.br, 'br'] : asset.gzip && acceptsGzip(accept) ? [asset.gzip, 'gzip'] : [asset.plain, null];
    if (encoding) headers['content-encoding'] = encoding;
    headers['content-length'] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}
