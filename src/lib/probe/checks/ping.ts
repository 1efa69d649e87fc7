import { z } from 'zod';
import { spawn } from 'node:child_process';
import { isIP } from 'node:net';
import type { CheckType, CheckOutcome } from '../check-type';
import { isHostName } from '../check-type';

const pingOptions = z.strictObject({
  /** Echo requests a check sends (one a second). */
  count: z.number().int().min(1).max(10).default(3),
  /** Packet loss (percent) from which the host is `degraded`; 100 % loss is always `down`. */
  degraded_loss_pct: z.number().min(1).max(100).default(34),
  degraded_ms: z.number().int().positive().optional(),
});
export type PingOptions = z.infer<typeof pingOptions>;

/** Reads `ping -n -q` output (iputils): packet loss and the average round trip. */
export function parsePingOutput(out: string): { lossPct: number; avgMs: number | null } | null {
  const loss = /([\d.]+)% packet loss/.exec(out);
  if (!loss) return null;
  const rtt = /= [\d.]+\/([\d.]+)\/[\d.]+/.exec(out);
  return { lossPct: Number(loss[1]), avgMs: rtt ? Math.round(Number(rtt[1])) : null };
}

/**
 * Alive (死活): ICMP echo with the system's `ping` (Debian's iputils-ping). It needs either
 * the capability Debian gives /usr/bin/ping (cap_net_raw) or the probe's group inside
 * `net.ipv4.ping_group_range`; the check says so when neither holds.
 */
export const pingCheck: CheckType<PingOptions> = {
  type: 'ping',
  options: pingOptions as unknown as z.ZodType<PingOptions>,
  validateTarget(target) {
    const t = target.trim();
    if (t !== target || t === '') return 'must be a host name or an IP address';
    return isIP(t) || (isHostName(t) && !t.startsWith('-')) ? null : 'must be a host name or an IP address';
  },
  run({ target, options, timeoutMs }, signal): Promise<CheckOutcome> {
    // -w: the whole run ends by the deadline, whatever answers; at least count seconds.
    const deadlineS = Math.max(1, Math.ceil(timeoutMs / 1000));
    const args = ['-n', '-q', '-c', String(options.count), '-i', '0.2', '-w', String(deadlineS), '-W', String(Math.min(deadlineS, 5))];
    if (isIP(target) === 6) args.unshift('-6');
    return new Promise((resolve) => {
      let out = '';
      let settled = false;
      const settle = (o: CheckOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(killer);
        resolve(o);
      };
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn('ping', [...args, '--', target], { stdio: ['ignore', 'pipe', 'pipe'], signal, env: { LC_ALL: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' } });
      } catch (err) {
        settle({ status: 'down', latencyMs: null, reason: `cannot run ping: ${(err as Error).message}` });
        return;
      }
      const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 2000);
      child.stdout!.on('data', (d: Buffer) => { out += d.toString('utf8'); });
      child.stderr!.on('data', (d: Buffer) => { out += d.toString('utf8'); });
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') settle({ status: 'down', latencyMs: null, reason: 'the ping command is not installed (Debian package iputils-ping)' });
        else if (err.name === 'AbortError') settle({ status: 'down', latencyMs: null, reason: 'check cancelled' });
        else settle({ status: 'down', latencyMs: null, reason: `cannot run ping: ${err.message}` });
      });
      child.on('close', (code) => {
        const parsed = parsePingOutput(out);
        if (!parsed) {
          const line = out.trim().split('\n').pop() ?? '';
          if (/Operation not permitted|permission denied/i.test(out)) {
            settle({ status: 'down', latencyMs: null, reason: 'ping is not permitted: give /usr/bin/ping cap_net_raw or set net.ipv4.ping_group_range' });
          } else if (/unknown host|Name or service not known|Temporary failure/i.test(out)) {
            settle({ status: 'down', latencyMs: null, reason: 'host not found' });
          } else {
            settle({ status: 'down', latencyMs: null, reason: line ? `ping failed: ${line.slice(0, 200)}` : `ping exited with ${code}` });
          }
          return;
        }
        const { lossPct, avgMs } = parsed;
        if (lossPct >= 100 || avgMs === null) settle({ status: 'down', latencyMs: null, reason: 'no answer to ping (100% packet loss)' });
        else if (lossPct >= options.degraded_loss_pct) settle({ status: 'degraded', latencyMs: avgMs, reason: `${lossPct}% packet loss` });
        else if (options.degraded_ms !== undefined && avgMs > options.degraded_ms) settle({ status: 'degraded', latencyMs: avgMs, reason: `slow: ${avgMs} ms, over ${options.degraded_ms} ms` });
        else settle({ status: 'up', latencyMs: avgMs, reason: lossPct > 0 ? `${lossPct}% packet loss` : null });
      });
    });
  },
};
