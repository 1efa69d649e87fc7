import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends one HTTP/1.1 request with the path exactly as given (no client normalises `//`,
 * `\`, `%2e` or control characters on the way), and reads the whole answer.
 */
export function rawRequest(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((done, fail) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    const lines = [`${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close'];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    if (payload && !Object.keys(headers).some((k) => /^(content-length|transfer-encoding)$/i.test(k))) lines.push(`Content-Length: ${payload.length}`);
    socket.on('connect', () => {
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (payload) socket.write(payload);
    });
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', fail);
    socket.setTimeout(30_000, () => socket.destroy(new Error(`no answer to ${method} ${path}`)));
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split === -1) return fail(new Error(`no complete answer to ${method} ${JSON.stringify(path)}: ${all.toString('latin1').slice(0, 200)}`));
      const head = all.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0]!)?.[1]);
      const h: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim().toLowerCase();
        h[k] = h[k] ? `${h[k]}, ${line.slice(i + 1).trim()}` : line.slice(i + 1).trim();
      }
      let rest = all.subarray(split + 4);
      if (/chunked/i.test(h['transfer-encoding'] ?? '')) {
        const out: Buffer[] = [];
        for (;;) {
          const eol = rest.indexOf('\r\n');
          if (eol === -1) break;
          const size = parseInt(rest.subarray(0, eol).toString('latin1'), 16);
          if (!size) break;
          out.push(rest.subarray(eol + 2, eol + 2 + size));
          rest = rest.subarray(eol + 2 + size + 2);
        }
        rest = Buffer.concat(out);
      }
      done({ status, headers: h, body: rest.toString('utf8') });
    });
  });
}
