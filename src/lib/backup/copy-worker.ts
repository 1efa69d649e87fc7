import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

/**
 * The copy and its integrity check run in a worker thread with their own connections, so
 * that the process's event loop (the probe's timers and latency measurements, in the
 * worker process) is never blocked by them, however large the database.
 *
 * The copy uses SQLite's online backup API (better-sqlite3's `backup()`): in steps while
 * nobody writes; when a write by another connection restarts it, the rest is copied in one
 * step, which in WAL mode is a consistent snapshot that does not block writers, so it always
 * ends. The copy is then switched to a rollback journal (one self-contained file) and checked.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
(async () => {
  const source = new Database(workerData.source, { fileMustExist: true });
  let restarts = 0;
  let last = Infinity;
  try {
    source.pragma('busy_timeout = 10000');
    await source.backup(workerData.target, {
      progress: ({ totalPages, remainingPages }) => {
        if (remainingPages > last) restarts++;
        last = remainingPages;
        return restarts > 0 ? totalPages + 1024 : workerData.pagesPerStep;
      },
    });
  } finally {
    source.close();
  }
  const copy = new Database(workerData.target, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const integrity = copy.pragma('integrity_check(20)').map((r) => r.integrity_check).join('; ');
    parentPort.postMessage({ restarts, integrity });
  } finally {
    copy.close();
  }
})().catch((err) => parentPort.postMessage({ error: String(err && err.message || err) }));
`;

export interface CopyResult {
  /** Times a write by another connection restarted the copy. */
  restarts: number;
  /** What `PRAGMA integrity_check` said about the copy. */
  integrity: string;
}

export function copyAndCheck(source: string, target: string, pagesPerStep = 1024): Promise<CopyResult> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Promise((done, fail) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { source, target, driver, pagesPerStep } });
    let settled = false;
    worker.once('message', (m: { restarts: number; integrity: string } | { error: string }) => {
      settled = true;
      if ('error' in m) fail(new Error(m.error));
      else done(m);
    });
    worker.once('error', (err) => {
      settled = true;
      fail(err);
    });
    worker.once('exit', (code) => {
      if (!settled) fail(new Error(`the backup thread stopped (exit code ${code})`));
    });
  });
}
