import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** What the receiver answered. */
  status: number;
}

/**
 * A real HTTP receiver on 127.0.0.1 for webhook deliveries. `answer` decides each request's
 * status (200 by default); `down()` stops listening (connections refused) and `up()` listens
 * again on the same port.
 */
export async function startReceiver(answer: (req: { path: string; headers: IncomingMessage['headers']; body: string }) => number | { status: number; headers?: Record<string, string>; delayMs?: number } = () => 200) {
  const received: ReceivedRequest[] = [];
  let decide = answer;
  let server: Server;
  let port = 0;
  const listen = () => new Promise<void>((ok) => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        const a = decide(r);
        const { status, headers, delayMs } = typeof a === 'number' ? { status: a, headers: undefined, delayMs: 0 } : a;
        received.push({ ...r, status });
        setTimeout(() => { if (!res.destroyed) { res.writeHead(status, headers); res.end(status < 300 ? 'ok' : 'unavailable'); } }, delayMs ?? 0);
      });
    });
    server.listen(port, '127.0.0.1', () => { port = (server.address() as AddressInfo).port; ok(); });
  });
  await listen();
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    /** Requests answered with a 2xx. */
    delivered: () => received.filter((r) => r.status >= 200 && r.status < 300),
    setAnswer: (a: typeof answer) => { decide = a; },
    down: () => new Promise<void>((ok) => { server.close(() => ok()); server.closeAllConnections(); }),
    up: listen,
    close: () => new Promise<void>((ok) => { server.close(() => ok()); server.closeAllConnections(); }),
  };
}
