// Preloaded by growth.ts --profile (NODE_OPTIONS=--require …, since node refuses --cpu-prof
// there): each thread of each process it reaches (the site's serving and render threads, the
// worker) samples its CPU from start to exit and writes a .cpuprofile into BENCH_PROFILE_DIR
// (open it in Chrome's DevTools, or any .cpuprofile reader).
const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const { threadId } = require('node:worker_threads');
  const { Session } = require('node:inspector');
  const { mkdirSync, writeFileSync } = require('node:fs');
  const { basename, join } = require('node:path');
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  let part = 0;
  // A session on its own thread answers at once, so this runs before the process ends.
  const save = (again) => session.post('Profiler.stop', (err, result) => {
    if (err) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${basename(process.argv[1] ?? 'node', '.mjs')}-${process.pid}-${threadId}-${++part}.cpuprofile`), JSON.stringify(result.profile));
    if (again) session.post('Profiler.start');
  });
  // A thread ended by its process never sees its own exit: each writes what it has every 30 s too.
  setInterval(() => save(true), 30_000).unref();
  process.on('exit', () => save(false));
}
