import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Peak memory of `npm run data:import` for a large interchange file (200 MB by default,
 * `SIZE_MB`): writes the file, runs the import as its own process and samples its peak
 * resident memory (VmHWM) until it ends. Prints size, checks, peak and time.
 */
const sizeMb = Number(process.env.SIZE_MB ?? 200);
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
const file = join(dir, 'big.json');

async function writeFile(): Promise<number> {
  const out = createWriteStream(file);
  const monitors = ['web-http', 'web-tcp', 'api-http', 'api-dns'];
  out.write(JSON.stringify({
    version: 1,
    services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }, { slug: 'api', name: { ja: 'API' }, sla_target_pct: 99.9 }],
    monitors: [
      { slug: 'web-http', service: 'web', type: 'http', target: 'https://example.jp/', interval_s: 60, confirm: 2, counts_for_availability: true },
      { slug: 'web-tcp', service: 'web', type: 'tcp', target: 'example.jp:443', interval_s: 60, confirm: 2, counts_for_availability: true },
      { slug: 'api-http', service: 'api', type: 'http', target: 'https://api.example.jp/', interval_s: 60, confirm: 2, counts_for_availability: true },
      { slug: 'api-dns', service: 'api', type: 'dns', target: 'example.jp', interval_s: 60, confirm: 2, counts_for_availability: true, options: { server: '127.0.0.1' } },
    ],
  }).slice(0, -1));
  out.write(',"checks":[\n');
  const start = Date.parse('2024-01-01T00:00:00Z');
  let n = 0;
  let bytes = 0;
  while (bytes < sizeMb * 1024 * 1024) {
    const m = monitors[n % monitors.length]!;
    const at = new Date(start + Math.floor(n / monitors.length) * 60_000).toISOString();
    const down = n % 997 < 3;
    const line = `${n ? ',\n' : ''}${JSON.stringify(down ? { monitor: m, at, status: 'down', latency_ms: null, error: 'connection refused' } : { monitor: m, at, status: 'up', latency_ms: 20 + (n % 180) })}`;
    bytes += line.length;
    n++;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end(']}\n');
  await once(out, 'finish');
  return n;
}

function peakKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const checks = await writeFile();
const size = statSync(file).size;
const started = performance.now();
const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/data-import.ts'), file], {
  cwd: root, env: { ...process.env, DATABASE_PATH: join(dir, 'status.db'), LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'],
});
let peak = 0;
const timer = setInterval(() => { peak = Math.max(peak, peakKb(child.pid!)); }, 50);
let output = '';
child.stdout!.on('data', (d) => (output += d));
const [code] = await once(child, 'exit') as [number | null];
clearInterval(timer);
const seconds = (performance.now() - started) / 1000;
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${output}file: ${(size / 1048576).toFixed(1)} MB, ${checks} checks\n`);
process.stdout.write(`import: exit ${code}, ${seconds.toFixed(1)} s, peak resident memory ${(peak / 1024).toFixed(0)} MB (${(peak * 1024 / size).toFixed(2)}× the file)\n`);
if (code !== 0) process.exit(1);
