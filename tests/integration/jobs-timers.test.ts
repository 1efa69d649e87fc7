import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

// A worker-like process: node-cron for a calendar job that hogs the event loop (a busy
// machine), a plain-timer loop beside it, and a library printing its own coloured warning.
const child = `
import { startJobs } from ${JSON.stringify(resolve('src/lib/jobs/index.ts'))};
import { captureConsole, log } from ${JSON.stringify(resolve('src/lib/log.ts'))};
captureConsole();
let loops = 0;
const jobs = startJobs({ config: { zone: 'Asia/Tokyo' }, now: Date.now }, [
  { name: 'busy', schedule: '* * * * * *', run: () => { const end = Date.now() + 2500; while (Date.now() < end) { /* busy */ } } },
  { name: 'loop', schedule: { every: 200 }, run: () => { loops++; } },
]);
console.warn('\\x1b[33m[WARN]\\x1b[0m a library speaking for itself');
setTimeout(async () => { await jobs.stop(); log.info('test.loops', { loops }); process.exit(0); }, 7000);
`;

describe('the worker’s scheduled jobs', () => {
  it('write only JSON lines on stderr (node-cron’s missed-run warnings and console output included), and loops on plain timers go on beside a calendar job', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'info' }, timeout: 60_000 });
    expect(run.status).toBe(0);
    const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.join('\n')).not.toContain('\x1b[');
    expect(events.find((e) => e.event === 'console.warn')?.message).toBe('[WARN] a library speaking for itself');
    expect(events.some((e) => e.event === 'cron.warn' && /missed execution/.test(String(e.message)))).toBe(true);
    expect(Number(events.find((e) => e.event === 'test.loops')?.loops)).toBeGreaterThanOrEqual(3);
  });
});
