import { z } from 'zod';
import { connect } from 'node:net';
import type { CheckType, CheckOutcome } from '../check-type';
import { elapsedMs, parseHostPort } from '../check-type';
import { describeNetworkError } from '../net-errors';

const tcpOptions = z.strictObject({
  /** Text the server's greeting must contain (an SMTP or FTP banner, say). */
  expect_banner: z.string().min(1).optional(),
  degraded_ms: z.number().int().positive().optional(),
});
export type TcpOptions = z.infer<typeof tcpOptions>;

/** TCP port open: connects to `host:port`; optionally waits for a greeting that contains a text. */
export const tcpCheck: CheckType<TcpOptions> = {
  type: 'tcp',
  options: tcpOptions as unknown as z.ZodType<TcpOptions>,
  validateTarget(target) {
    return parseHostPort(target) ? null : 'must be host:port, such as db.example.jp:3306';
  },
  run({ target, options, timeoutMs }, signal): Promise<CheckOutcome> {
    const { host, port } = parseHostPort(target)!;
    const started = process.hrtime.bigint();
    return new Promise((resolve) => {
      let done = false;
      let connectedMs: number | null = null;
      let banner = '';
      const socket = connect({ host, port });
      const finish = (outcome: CheckOutcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(outcome);
      };
      const onAbort = () => finish({ status: 'down', latencyMs: null, reason: 'check cancelled' });
      const timer = setTimeout(() => finish({
        status: 'down', latencyMs: null,
        reason: connectedMs === null ? `timed out after ${timeoutMs} ms` : `no greeting containing '${options.expect_banner}' within ${timeoutMs} ms${banner ? ` (got '${banner.slice(0, 60).trim()}')` : ''}`,
      }), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      const up = (latencyMs: number) => finish(options.degraded_ms !== undefined && latencyMs > options.degraded_ms
        ? { status: 'degraded', latencyMs, reason: `slow: ${latencyMs} ms, over ${options.degraded_ms} ms` }
        : { status: 'up', latencyMs, reason: null });
      socket.once('connect', () => {
        connectedMs = elapsedMs(started);
        if (!options.expect_banner) up(connectedMs);
      });
      socket.on('data', (chunk: Buffer) => {
        banner += chunk.toString('latin1');
        if (banner.length > 4096) banner = banner.slice(-4096);
        if (options.expect_banner && banner.includes(options.expect_banner)) up(elapsedMs(started));
      });
      socket.once('end', () => {
        if (options.expect_banner) finish({ status: 'down', latencyMs: null, reason: `connection closed without a greeting containing '${options.expect_banner}'` });
      });
      socket.once('error', (err) => finish({ status: 'down', latencyMs: null, reason: describeNetworkError(err) }));
    });
  },
};
