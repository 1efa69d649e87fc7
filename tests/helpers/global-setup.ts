import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Builds the site (into ASTRO_OUT_DIR, or dist/) and the programs (build/) once before the
 * tests that start them, as `npm run build` does.
 */
export default function setup(): void {
  // SKIP_BUILD=1 skips the site's build; the programs take a second and are always rebuilt.
  const args = process.env.SKIP_BUILD === '1' ? ['--scripts'] : [];
  const res = spawnSync(process.execPath, [resolve('scripts/build.mjs'), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
  });
  if (res.status !== 0) throw new Error('the build (scripts/build.mjs) failed');
}
