// Preloaded by growth.ts --profile (NODE_OPTIONS=--require …, since node refuses --cpu-prof
// there): the main thread of each process it reaches (the site, the worker) samples its CPU
// from start to exit and writes a .cpuprofile into BENCH_PROFILE_DIR (open it in Chrome's
// DevTools, or any .cpuprofile reader).
const dir = process.env.BENCH_PROFILE_DIR;
if (dir && require('node:worker_threads').isMainThread) {
  const { Session } = require('node:inspector');
  const { mkdirSync, writeFileSync } = require('node:fs');
  const { basename, join } = require('node:path');
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    // A session on its own thread answers at once, so this runs before the process ends.
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${basename(process.argv[1] ?? 'node', '.mjs')}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
