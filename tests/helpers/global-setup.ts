import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Builds the site once before the tests that start it (into ASTRO_OUT_DIR, or dist/). */
export default function setup(): void {
  if (process.env.SKIP_BUILD === '1') return;
  const res = spawnSync(process.execPath, [resolve('node_modules/astro/astro.js'), 'build'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
  });
  if (res.status !== 0) throw new Error('astro build failed');
}
