/**
 * Figures the site process keeps in memory for `/metrics`: the render thread's cycles
 * (./../status/renderer.ts) and the serving thread's answer cache, which the serving thread
 * posts to the render thread (`served`). Kept on `globalThis` under a registered symbol,
 * because the render thread's own code and the built site it loads are bundled apart: a
 * module variable would be two variables.
 */
export interface ThreadStats {
  /** Render cycles finished, their total and last duration (ms). */
  cycles: number;
  cycleMsTotal: number;
  lastCycleMs: number | null;
  /** Answers rendered in all. */
  rendered: number;
  /** The serving thread's answer cache, as last posted: answers served at once, visitors who waited, entries held. */
  served: { hits: number; waits: number; entries: number } | null;
}

const KEY = Symbol.for('status.thread-stats');

export function threadStats(): ThreadStats {
  const g = globalThis as typeof globalThis & { [KEY]?: ThreadStats };
  return (g[KEY] ??= { cycles: 0, cycleMsTotal: 0, lastCycleMs: null, rendered: 0, served: null });
}
