import { z } from 'zod';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CheckType, CheckOutcome, CheckWarning } from '../check-type';
import { elapsedMs, isHttpUrl } from '../check-type';
import { describeNetworkError } from '../net-errors';

const pct = z.number().min(1).max(100);

const resourcesOptions = z.strictObject({
  cpu_warn_pct: pct.default(85),
  cpu_critical_pct: pct.default(95),
  memory_warn_pct: pct.default(90),
  memory_critical_pct: pct.default(95),
  disk_warn_pct: pct.default(85),
  disk_critical_pct: pct.default(95),
  /** Bytes a second, in plus out on one interface, above which traffic is unusual. */
  network_warn_bytes_s: z.number().positive().optional(),
  network_critical_bytes_s: z.number().positive().optional(),
  /** Mount points to watch; all real file systems when absent. */
  mountpoints: z.array(z.string().startsWith('/')).min(1).optional(),
  /** Interfaces to watch; all but loopback and virtual ones when absent. */
  devices: z.array(z.string().min(1)).min(1).optional(),
  headers: z.record(z.string(), z.string()).default({}),
}).superRefine((o, ctx) => {
  for (const k of ['cpu', 'memory', 'disk'] as const) {
    if (o[`${k}_critical_pct`] < o[`${k}_warn_pct`]) ctx.addIssue({ code: 'custom', message: `must not be less than ${k}_warn_pct`, path: [`${k}_critical_pct`] });
  }
  if (o.network_warn_bytes_s !== undefined && o.network_critical_bytes_s !== undefined && o.network_critical_bytes_s < o.network_warn_bytes_s) {
    ctx.addIssue({ code: 'custom', message: 'must not be less than network_warn_bytes_s', path: ['network_critical_bytes_s'] });
  }
});
export type ResourcesOptions = z.infer<typeof resourcesOptions>;

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the Prometheus text exposition format (what node_exporter serves) into samples by
 * metric name. Throws on a line that is not the format, so garbage is reported as such.
 */
export function parsePrometheusText(text: string): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  const lineRe = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?\s*$/;
  const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?\s*/gy;
  let n = 0;
  for (const raw of text.split('\n')) {
    n++;
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = lineRe.exec(line);
    if (!m) throw new Error(`line ${n} is not Prometheus text format`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      labelRe.lastIndex = 0;
      let lm: RegExpExecArray | null;
      let end = 0;
      while ((lm = labelRe.exec(m[3])) !== null) {
        labels[lm[1]!] = lm[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
        end = labelRe.lastIndex;
      }
      if (end !== m[3].length) throw new Error(`line ${n} has malformed labels`);
    }
    const valueText = m[4]!;
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`line ${n} has a value that is not a number`);
    const list = out.get(m[1]!) ?? [];
    list.push({ labels, value });
    out.set(m[1]!, list);
  }
  return out;
}

interface Reading {
  at: number;
  cpuIdle: number;
  cpuTotal: number;
  net: Map<string, number>;
}

const IGNORED_FS = /^(tmpfs|devtmpfs|overlay|squashfs|proc|sysfs|cgroup2?|nsfs|autofs|ramfs|fuse\..*|tracefs|debugfs|securityfs|pstore|bpf|configfs|mqueue|hugetlbfs|rpc_pipefs|iso9660)$/;
const IGNORED_DEV = /^(lo|docker\d*|veth.*|br-.*|virbr.*|cni.*|flannel.*|cali.*|tun\d*|tap\d*)$/;

function reading(metrics: Map<string, Sample[]>, at: number, devices?: string[]): Reading {
  let cpuIdle = 0;
  let cpuTotal = 0;
  for (const s of metrics.get('node_cpu_seconds_total') ?? []) {
    cpuTotal += s.value;
    if (s.labels.mode === 'idle' || s.labels.mode === 'iowait') cpuIdle += s.value;
  }
  const net = new Map<string, number>();
  for (const name of ['node_network_receive_bytes_total', 'node_network_transmit_bytes_total']) {
    for (const s of metrics.get(name) ?? []) {
      const dev = s.labels.device ?? '';
      if (devices ? !devices.includes(dev) : IGNORED_DEV.test(dev)) continue;
      net.set(dev, (net.get(dev) ?? 0) + s.value);
    }
  }
  return { at, cpuIdle, cpuTotal, net };
}

/** The previous reading of each monitor (CPU and traffic are rates between two readings). */
const previous = new Map<string, Reading>();
const STALE_MS = 15 * 60_000;

function scrape(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { signal, agent: false, headers: { accept: 'text/plain', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 20 * 1024 * 1024) req.destroy(new Error('the metrics are larger than 20 MB'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function level(value: number, warn: number | undefined, critical: number | undefined): 'warning' | 'critical' | null {
  if (critical !== undefined && value >= critical) return 'critical';
  if (warn !== undefined && value >= warn) return 'warning';
  return null;
}

const round = (n: number) => Math.round(n * 10) / 10;
function bytesRate(n: number): string {
  if (n >= 1e9) return `${round(n / 1e9)} GB/s`;
  if (n >= 1e6) return `${round(n / 1e6)} MB/s`;
  if (n >= 1e3) return `${round(n / 1e3)} kB/s`;
  return `${Math.round(n)} B/s`;
}

/**
 * Server resources from a Prometheus node_exporter endpoint (`http://host:9100/metrics`):
 * CPU, memory, disk and network traffic against thresholds. Crossing one raises a warning
 * (never downtime); an endpoint that cannot be read or is not node_exporter is `down`.
 */
export const resourcesCheck: CheckType<ResourcesOptions> = {
  type: 'resources',
  options: resourcesOptions as unknown as z.ZodType<ResourcesOptions>,
  validateTarget(target) {
    return isHttpUrl(target) ? null : 'must be the node_exporter URL, such as http://host:9100/metrics';
  },
  async run({ target, options, timeoutMs, monitor }, signal): Promise<CheckOutcome> {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    const url = new URL(target);
    const key = `${monitor?.id ?? 0} ${target}`;
    const started = process.hrtime.bigint();
    const read = async (): Promise<{ metrics: Map<string, Sample[]>; at: number } | CheckOutcome> => {
      let res: { status: number; body: string };
      try {
        res = await scrape(url, options.headers, deadline);
      } catch (err) {
        return { status: 'down', latencyMs: null, reason: deadline.aborted ? `timed out after ${timeoutMs} ms` : describeNetworkError(err) };
      }
      if (res.status !== 200) return { status: 'down', latencyMs: null, reason: `the metrics endpoint answered HTTP ${res.status}` };
      try {
        const metrics = parsePrometheusText(res.body);
        if (!metrics.has('node_cpu_seconds_total') || !metrics.has('node_memory_MemTotal_bytes')) {
          return { status: 'down', latencyMs: null, reason: 'not node_exporter metrics (node_cpu_seconds_total or node_memory_MemTotal_bytes missing)' };
        }
        return { metrics, at: Date.now() };
      } catch (err) {
        return { status: 'down', latencyMs: null, reason: `not node_exporter metrics: ${(err as Error).message}` };
      }
    };
    let now = await read();
    if ('status' in now) return now;
    const latencyMs = elapsedMs(started);
    let prev = previous.get(key);
    let cur = reading(now.metrics, now.at, options.devices);
    if (!prev || cur.at - prev.at > STALE_MS || cur.cpuTotal < prev.cpuTotal) {
      // No earlier reading (a fresh start, or the exporter restarted): take a second one shortly.
      prev = cur;
      await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(100, timeoutMs / 4))));
      now = await read();
      if ('status' in now) return now;
      cur = reading(now.metrics, now.at, options.devices);
    }
    previous.set(key, cur);

    const warnings: CheckWarning[] = [];
    const note = (code: string, value: number, warn: number | undefined, critical: number | undefined, text: string) => {
      const l = level(value, warn, critical);
      if (l) warnings.push({ code, severity: l, message: `${text}, over ${l === 'critical' ? critical : warn}${code.startsWith('network') ? ' B/s' : ' %'}` });
    };

    const cpuDelta = cur.cpuTotal - prev.cpuTotal;
    if (cpuDelta > 0) {
      const busy = 100 * (1 - (cur.cpuIdle - prev.cpuIdle) / cpuDelta);
      note('cpu', busy, options.cpu_warn_pct, options.cpu_critical_pct, `CPU ${round(busy)} %`);
    }
    const total = now.metrics.get('node_memory_MemTotal_bytes')?.[0]?.value ?? 0;
    const available = now.metrics.get('node_memory_MemAvailable_bytes')?.[0]?.value
      ?? ['MemFree', 'Buffers', 'Cached'].reduce((s, k) => s + (now as { metrics: Map<string, Sample[]> }).metrics.get(`node_memory_${k}_bytes`)?.[0]?.value!, 0);
    if (total > 0 && Number.isFinite(available)) {
      const used = 100 * (1 - available / total);
      note('memory', used, options.memory_warn_pct, options.memory_critical_pct, `memory ${round(used)} % used`);
    }
    const sizes = now.metrics.get('node_filesystem_size_bytes') ?? [];
    const avail = now.metrics.get('node_filesystem_avail_bytes') ?? [];
    for (const s of sizes) {
      const mp = s.labels.mountpoint ?? '';
      if (options.mountpoints ? !options.mountpoints.includes(mp) : IGNORED_FS.test(s.labels.fstype ?? '')) continue;
      if (s.value <= 0) continue;
      const a = avail.find((x) => x.labels.mountpoint === mp && x.labels.device === s.labels.device);
      if (!a) continue;
      const used = 100 * (1 - a.value / s.value);
      note(`disk:${mp}`, used, options.disk_warn_pct, options.disk_critical_pct, `disk ${mp} ${round(used)} % full`);
    }
    if (options.mountpoints) {
      for (const mp of options.mountpoints) if (!sizes.some((s) => s.labels.mountpoint === mp)) return { status: 'down', latencyMs, reason: `no file system mounted at ${mp}` };
    }
    const seconds = (cur.at - prev.at) / 1000;
    if (seconds > 0) {
      for (const [dev, bytes] of cur.net) {
        const before = prev.net.get(dev);
        if (before === undefined || bytes < before) continue;
        const rate = (bytes - before) / seconds;
        note(`network:${dev}`, rate, options.network_warn_bytes_s, options.network_critical_bytes_s, `traffic on ${dev} ${bytesRate(rate)}`);
      }
    }
    if (warnings.length > 0) return { status: 'up', latencyMs, reason: warnings.map((w) => w.message).join('; '), warnings };
    return { status: 'up', latencyMs, reason: null };
  },
};
