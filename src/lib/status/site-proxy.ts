import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { readBodyOf } from '../auth/body-limit';

/**
 * The serving thread's way into the site. The built site (Astro) is loaded once, in the
 * render thread (./render-thread.ts), which serves it on a socket private to this process;
 * the serving thread forwards there every request that is not a public answer from the
 * cache (admin pages, reports, forms, APIs). One copy of the site in memory, not two.
 *
 * The request arrives as the front door made it (canonical path, forwarded headers believed
 * or dropped, its body read whole within its limit by ./forward-gate.ts, so a request takes
 * a socket only once it can be sent at once); the visitor's address goes along as
 * `X-Forwarded-For`, which is what the site reads as the client's address.
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Hop-by-hop headers: they describe one connection, never forwarded. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
/** A site that does not start answering in this long is answered for with a 504. */
const ANSWER_WITHIN_MS = 120_000;

export class SiteProxy {
  private socket: string | null = null;
  private waiting: Array<() => void> = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 8 });

  /** The render thread listens on `path` (null: it ended; requests wait for the next one). */
  setSocket(path: string | null): void {
    this.socket = path;
    if (path === null) {
      this.agent.destroy();
      return;
    }
    const list = this.waiting;
    this.waiting = [];
    for (const go of list) go();
  }

  close(): void {
    this.agent.destroy();
  }

  /** The handler for everything the cache does not answer. */
  handler(clientAddress: (req: IncomingMessage) => string): Handler {
    return (req, res) => {
      if (this.socket) return this.forward(req, res, clientAddress(req));
      // The site is still loading (or restarting): wait for it, a while at most.
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((g) => g !== go);
        unavailable(res);
      }, 15_000);
      const go = () => {
        clearTimeout(timer);
        this.forward(req, res, clientAddress(req));
      };
      this.waiting.push(go);
    };
  }

  private forward(req: IncomingMessage, res: ServerResponse, client: string): void {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP.has(name)) headers[name] = value;
    }
    headers['x-forwarded-for'] = client;
    const body = readBodyOf(req);
    if (body) headers['content-length'] = String(body.length);
    const upstream = request({ socketPath: this.socket!, agent: this.agent, method: req.method, path: req.url, headers }, (answer) => {
      const raw: string[] = [];
      for (let i = 0; i < answer.rawHeaders.length; i += 2) {
        if (!HOP.has(answer.rawHeaders[i]!.toLowerCase())) raw.push(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!);
      }
      res.writeHead(answer.statusCode ?? 502, raw);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.setTimeout(ANSWER_WITHIN_MS, () => upstream.destroy(new Error('timeout')));
    upstream.on('error', () => {
      if (!res.headersSent) unavailable(res);
      else res.destroy();
    });
    // The visitor went away: so does the request to the site.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  }
}

function unavailable(res: ServerResponse): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5', 'cache-control': 'no-store' });
  res.end('The site is starting; try again in a few seconds. / サイトを起動しています。しばらくしてから再度お試しください。\n');
}
