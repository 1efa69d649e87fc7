import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What the benchmarks read of a running process from /proc, and the crowd they put on a page. */

const root = resolve(import.meta.dirname, '../..');

/** The value at quantile `q` (0–1) of `xs`, NaN when empty. */
export function pct(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]! : NaN;
}

/** CPU seconds (user + system) a process has used: its cost whatever the machine's load. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * A memory figure of /proc/PID/status in MB: VmRSS (resident), or RssAnon, the process's own
 * memory without the file pages of node's binary and libraries, which every node process shares.
 */
export function memoryMb(pid: number, field: 'VmRSS' | 'RssAnon' = 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The process's child processes (the site's worker). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export interface CrowdResult { rps: number; p99: number; p50: number; errors: number; non2xx: number; bytes: number }

/** `connections` clients asking for `url` for `seconds` (autocannon, in a process of its own), compressed as browsers ask. */
export function crowd(url: string, seconds: number, connections: number, acceptEncoding = 'gzip, deflate, br'): Promise<CrowdResult> {
  const child = spawn(process.execPath, [join(root, 'node_modules/autocannon/autocannon.js'), '-c', String(connections), '-d', String(seconds), '-H', `accept-encoding: ${acceptEncoding}`, '-j', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  return new Promise((done, fail) => child.on('exit', () => {
    try {
      const r = JSON.parse(out) as { requests: { average: number }; throughput: { average: number }; latency: { p99: number; p50: number }; errors: number; non2xx: number };
      done({ rps: r.requests.average, p99: r.latency.p99, p50: r.latency.p50, errors: r.errors, non2xx: r.non2xx, bytes: r.throughput.average / r.requests.average });
    } catch (err) {
      fail(err);
    }
  }));
}
