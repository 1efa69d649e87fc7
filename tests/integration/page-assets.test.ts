import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'node:http';
import { startFixtureSite } from './page-fixture';

/** A request without fetch's automatic decompression: the bytes and headers as sent. */
function raw(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((done, fail) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', fail).end();
  });
}

describe('the public page\'s assets: small, precompressed, cached for good by the site itself', () => {
  let site: Awaited<ReturnType<typeof startFixtureSite>>;
  beforeAll(async () => {
    site = await startFixtureSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('serves the hashed scripts in brotli or gzip as the visitor takes them, immutable, and the charts only as a separate file', async () => {
    const html = await (await fetch(`${site.url}/`)).text();
    const scripts = [...html.matchAll(/<script[^>]+src="(\/_astro\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    let compressed = 0;
    for (const path of scripts) {
      const plain = await raw(`${site.url}${path}`);
      expect(plain.status).toBe(200);
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(plain.headers['content-type']).toContain('javascript');
      expect(plain.headers['content-encoding']).toBeUndefined();
      const br = await raw(`${site.url}${path}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers.vary).toMatch(/accept-encoding/i);
      expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
      const gz = await raw(`${site.url}${path}`, { 'accept-encoding': 'gzip' });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
      const again = await raw(`${site.url}${path}`, { 'if-none-match': String(plain.headers.etag) });
      expect(again.status).toBe(304);
      // The page's own script is tiny: chart.js comes later, in its own file, when a chart is seen.
      expect(plain.body.toString()).not.toContain('Chart.js');
      const charts = /["'](?:\.\/|\/_astro\/)(status-page\.charts\.[\w-]+\.js)["']/.exec(plain.body.toString());
      expect(charts, 'the page script names the chart file it loads').not.toBeNull();
      const chart = await raw(`${site.url}/_astro/${charts![1]}`, { 'accept-encoding': 'br' });
      expect(chart.headers['content-encoding']).toBe('br');
      compressed += br.body.length + chart.body.length;
    }
    // Everything the page may load, compressed, stays under 60 KB.
    expect(compressed).toBeLessThanOrEqual(60 * 1024);
  });
});
