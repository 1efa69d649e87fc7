import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Fault drills longer than half a minute each run apart: npm run test:faults (.ci/run calls it).
    exclude: ['tests/faults/**', '**/node_modules/**'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    reporters: ['default', './tests/helpers/summary-reporter.ts'],
    testTimeout: 60_000,
    env: { LOG_LEVEL: 'error' },
    hookTimeout: 120_000,
    // Servers and browsers are real: keep files apart, but let two run at once on two cores.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
