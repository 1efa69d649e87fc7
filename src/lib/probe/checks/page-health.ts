import { z } from 'zod';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CheckType, CheckOutcome } from '../check-type';
import { elapsedMs, isHttpUrl } from '../check-type';
import { describeNetworkError } from '../net-errors';
import { pemCa } from './tls';
import type { LookupFunction } from 'node:net';
import { headersFor, redirectLookup, PrivateRedirectError } from '../redirects';

const pageHealthOptions = z.strictObject({
  /** 1: the page's own links and images; 2: also those of the same-site pages it links to. */
  depth: z.number().int().min(1).max(3).default(1),
  /** At most this many links are checked a run (the first found). */
  max_links: z.number().int().min(1).max(1000).default(200),
  /** Links checked at once. */
  concurrency: z.number().int().min(1).max(16).default(4),
  /** Also check links to other sites (off: only same-site links and images). */
  external: z.boolean().default(false),
  ignore_tls_errors: z.boolean().default(false),
  ca: pemCa.optional(),
  /** Sent to the page's own origin only, never to other sites' links or redirects. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Follow a redirect to another host on a private, loopback or link-local address. */
  redirect_to_private: z.boolean().default(false),
});
export type PageHealthOptions = z.infer<typeof pageHealthOptions>;

const MAX_PAGE = 5 * 1024 * 1024;

interface Answer {
  status: number;
  location?: string;
  contentType: string;
  body: string;
}

function get(url: URL, method: 'GET' | 'HEAD', options: PageHealthOptions & { targetOrigin: string }, signal: AbortSignal, readBody: boolean, lookup: LookupFunction | null): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, {
      method, signal, agent: false,
      headers: { 'user-agent': 'status-sla-probe/1 (page health)', accept: '*/*', ...headersFor(url, options.targetOrigin, options.headers) },
      ...(lookup ? { lookup } : {}),
      rejectUnauthorized: !options.ignore_tls_errors, ca: options.ca,
    }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const contentType = String(res.headers['content-type'] ?? '');
      res.on('data', (c: Buffer) => {
        if (!readBody) return;
        size += c.length;
        if (size <= MAX_PAGE) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, contentType, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
      if (!readBody) res.resume();
    });
    req.on('error', reject);
    req.end();
  });
}

/** Follows redirects (at most 5) and returns the final answer and address. */
async function follow(url: URL, method: 'GET' | 'HEAD', options: PageHealthOptions & { targetOrigin: string }, signal: AbortSignal, readBody: boolean): Promise<{ answer: Answer; url: URL }> {
  const from = url;
  let lookup: LookupFunction | null = null;
  for (let hop = 0; ; hop++) {
    const answer = await get(url, method, options, signal, readBody, lookup);
    if (answer.status >= 300 && answer.status < 400 && answer.location) {
      if (hop >= 5) return { answer: { ...answer, status: 310 }, url };
      const next = new URL(answer.location, url);
      lookup = redirectLookup(next, from, options.redirect_to_private);
      url = next;
      continue;
    }
    return { answer, url };
  }
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", '#x27': "'" };
function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#39|#x27);/gi, (_, e: string) => entities[e.toLowerCase()] ?? _);
}

/**
 * The addresses a page refers to: links, images (src and srcset), stylesheets, icons and
 * scripts, resolved against the page (or its <base href>), without fragments.
 */
export function extractLinks(html: string, pageUrl: URL): { links: URL[]; pages: URL[] } {
  // Comments, scripts' bodies and styles hold no links a visitor follows.
  const text = html.replace(/<!--[\s\S]*?-->/g, '').replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/gi, '$1</script>').replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, '');
  let base = pageUrl;
  const baseTag = /<base\b[^>]*\bhref\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(text);
  if (baseTag) {
    try { base = new URL(decodeEntities(baseTag[2] ?? baseTag[3] ?? baseTag[4] ?? ''), pageUrl); } catch { /* keep the page's address */ }
  }
  const links = new Map<string, URL>();
  const pages = new Map<string, URL>();
  const add = (raw: string, isPage: boolean) => {
    const value = decodeEntities(raw.trim());
    if (!value || value.startsWith('#') || /^(mailto|tel|javascript|data|about|blob|sms|ftp):/i.test(value)) return;
    let u: URL;
    try { u = new URL(value, base); } catch {
      links.set(`invalid:${value}`, new URL(`invalid:${encodeURIComponent(value)}`));
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return;
    u.hash = '';
    links.set(u.href, u);
    if (isPage) pages.set(u.href, u);
  };
  const tagRe = /<(a|area|img|link|script|source|iframe)\b([^>]*)>/gi;
  for (let m = tagRe.exec(text); m; m = tagRe.exec(text)) {
    const tag = m[1]!.toLowerCase();
    const attrs = m[2]!;
    const attr = (name: string) => {
      const a = new RegExp(`(?:^|\\s)${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs);
      return a ? (a[2] ?? a[3] ?? a[4] ?? '') : null;
    };
    if (tag === 'a' || tag === 'area') {
      const href = attr('href');
      if (href !== null && !/\bdownload\b/i.test(attrs)) add(href, true);
    } else if (tag === 'link') {
      const rel = (attr('rel') ?? '').toLowerCase();
      const href = attr('href');
      if (href !== null && /\b(stylesheet|icon|apple-touch-icon|manifest|preload)\b/.test(rel)) add(href, false);
    } else {
      const src = attr('src');
      if (src !== null) add(src, tag === 'iframe');
      const srcset = attr('srcset');
      if (srcset) for (const part of srcset.split(',')) add(part.trim().split(/\s+/)[0] ?? '', false);
    }
  }
  return { links: [...links.values()], pages: [...pages.values()] };
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/**
 * Page health: fetches the page, then checks its same-site links and images (and, with
 * depth > 1, those of the same-site pages it links to). The page itself failing is `down`;
 * broken links are `degraded` with a warning listing them.
 */
export const pageHealthCheck: CheckType<PageHealthOptions> = {
  type: 'page-health',
  options: pageHealthOptions as unknown as z.ZodType<PageHealthOptions>,
  validateTarget(target) {
    return isHttpUrl(target) ? null : 'must be an http:// or https:// URL';
  },
  async run({ target, options, timeoutMs }, signal): Promise<CheckOutcome> {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const started = process.hrtime.bigint();
    const start = new URL(target);
    const opts = { ...options, targetOrigin: start.origin };
    let first: { answer: Answer; url: URL };
    try {
      first = await follow(start, 'GET', opts, deadline, true);
    } catch (err) {
      return { status: 'down', latencyMs: null, reason: deadline.aborted ? `timed out after ${timeoutMs} ms` : err instanceof PrivateRedirectError ? err.message : describeNetworkError(err) };
    }
    const latencyMs = elapsedMs(started);
    if (first.answer.status >= 400 || first.answer.status < 200) return { status: 'down', latencyMs, reason: `the page answered HTTP ${first.answer.status}` };
    if (!/html/i.test(first.answer.contentType) && !/<html|<a\s/i.test(first.answer.body.slice(0, 4096))) {
      return { status: 'down', latencyMs, reason: `the page is not HTML (${first.answer.contentType || 'no content type'})` };
    }
    const origin = first.url.origin;
    const checked = new Map<string, string | null>(); // address -> problem, or null when fine
    const visited = new Set<string>([first.url.href, start.href]);
    checked.set(first.url.href, null);
    let toVisit: Array<{ url: URL; html: string }> = [{ url: first.url, html: first.answer.body }];
    let truncated = false;
    for (let level = 1; level <= options.depth && toVisit.length > 0 && !deadline.aborted; level++) {
      const nextPages: URL[] = [];
      const batch: URL[] = [];
      for (const page of toVisit) {
        const { links, pages } = extractLinks(page.html, page.url);
        for (const link of links) {
          if (link.protocol === 'invalid:') { checked.set(link.href, 'not a valid address'); continue; }
          const sameSite = link.origin === origin;
          if (!sameSite && !options.external) continue;
          if (checked.has(link.href) || batch.some((b) => b.href === link.href)) continue;
          if (checked.size + batch.length >= options.max_links) { truncated = true; break; }
          batch.push(link);
        }
        if (level < options.depth) for (const p of pages) if (p.origin === origin && !visited.has(p.href)) { visited.add(p.href); nextPages.push(p); }
      }
      const htmlOf = new Map<string, string>();
      await pool(batch, options.concurrency, async (link) => {
        if (deadline.aborted) return;
        try {
          const wantPage = nextPages.some((p) => p.href === link.href);
          let res = await follow(link, wantPage ? 'GET' : 'HEAD', opts, deadline, wantPage);
          if (!wantPage && (res.answer.status === 405 || res.answer.status === 501 || res.answer.status === 403)) res = await follow(link, 'GET', opts, deadline, false);
          const s = res.answer.status;
          checked.set(link.href, s >= 400 || s < 200 ? (s === 310 ? 'too many redirects' : `HTTP ${s}`) : null);
          if (wantPage && s < 300 && /html/i.test(res.answer.contentType)) htmlOf.set(link.href, res.answer.body);
        } catch (err) {
          if (!deadline.aborted) checked.set(link.href, describeNetworkError(err));
        }
      });
      toVisit = nextPages.filter((p) => htmlOf.has(p.href)).map((p) => ({ url: p, html: htmlOf.get(p.href)! }));
    }
    if (deadline.aborted && !signal.aborted) {
      return { status: 'degraded', latencyMs, reason: `checking links took longer than ${timeoutMs} ms (${checked.size} checked)` };
    }
    const broken = [...checked].filter(([, problem]) => problem !== null);
    if (broken.length === 0) {
      return { status: 'up', latencyMs, reason: truncated ? `checked the first ${options.max_links} links` : null };
    }
    const show = (href: string) => (href.startsWith(origin) ? href.slice(origin.length) || '/' : href.startsWith('invalid:') ? decodeURIComponent(href.slice(8)) : href);
    const list = broken.slice(0, 5).map(([href, problem]) => `${show(href)} (${problem})`).join(', ');
    const message = `${broken.length} broken link${broken.length === 1 ? '' : 's'}: ${list}${broken.length > 5 ? ', …' : ''}`;
    return { status: 'degraded', latencyMs, reason: message, warnings: [{ code: 'broken_links', severity: 'warning', message }] };
  },
};
