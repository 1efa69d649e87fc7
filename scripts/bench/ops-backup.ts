import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { CheckStore } from '../../src/lib/checks/store';
import { runBackup } from '../../src/lib/backup/backup';
import { restoreDatabase } from '../../src/lib/backup/restore';
import { runRetention } from '../../src/lib/retention/retention';

// npx tsx scripts/bench/ops-backup.ts [checks-per-monitor]: builds a database of 20 monitors
// with raw checks, then times an online backup (with a writer busy in the same process),
// a verified restore, and a retention run that deletes a third of the checks and compacts.
const perMonitor = Number(process.argv[2] ?? 50_000);
const dir = mkdtempSync(join(tmpdir(), 'status-bench-'));
try {
  const dbPath = join(dir, 'status.db');
  const db = openDatabase(dbPath);
  const c = db.$client;
  c.prepare("INSERT INTO services (slug, name_ja) VALUES ('s', 'サービス')").run();
  for (let m = 1; m <= 20; m++) c.prepare("INSERT INTO monitors (slug, service_id, type, target, interval_s) VALUES (?, 1, 'http', 'http://127.0.0.1:9/', 60)").run(`m${m}`);
  const store = new CheckStore(db);
  const start = Date.UTC(2025, 0, 1);
  let t = performance.now();
  for (let from = 0; from < perMonitor; from += 5000) {
    const batch = [];
    for (let m = 1; m <= 20; m++) for (let i = from; i < Math.min(perMonitor, from + 5000); i++) batch.push({ monitorId: m, at: start + i * 60_000, status: i % 500 === 0 ? 'down' as const : 'up' as const, latencyMs: 100 + (i % 37), error: null });
    store.record(batch);
  }
  c.pragma('wal_checkpoint(TRUNCATE)');
  const mb = (b: number) => (b / 1048576).toFixed(1);
  console.log(`database: ${20 * perMonitor} checks, ${mb(statSync(dbPath).size)} MB (filled in ${((performance.now() - t) / 1000).toFixed(1)} s)`);

  // A writer in the same process, one batch of 20 checks every 50 ms, as a busy probe would.
  let at = start + perMonitor * 60_000;
  let longest = 0;
  let last = performance.now();
  const writer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last - 50);
    last = now;
    store.record(Array.from({ length: 20 }, (_, k) => ({ monitorId: k + 1, at, status: 'up' as const, latencyMs: 1, error: null })));
    at += 60_000;
  }, 50);
  t = performance.now();
  const rec = await runBackup(db, { dir: join(dir, 'backups'), generations: 5, trigger: 'manual' });
  const backupMs = performance.now() - t;
  clearInterval(writer);
  console.log(`backup: ${(backupMs / 1000).toFixed(2)} s for ${mb(rec.sizeBytes ?? 0)} MB (copy, integrity check, SHA-256), ok=${rec.ok}; writer's longest extra wait ${longest.toFixed(0)} ms`);

  t = performance.now();
  restoreDatabase(rec.path!, join(dir, 'restored.db'));
  console.log(`restore: ${((performance.now() - t) / 1000).toFixed(2)} s (verify, move into place, migrate)`);

  t = performance.now();
  const r = await runRetention(db, { checksDays: Math.floor((perMonitor * 60_000 * 2) / 3 / 86_400_000), compact: true, minFreeBytes: 0 }, at);
  console.log(`retention: deleted ${r.deletedChecks} checks in ${((performance.now() - t) / 1000).toFixed(2)} s, compaction ${r.compaction}, ${mb(r.bytesBefore)} MB -> ${mb(r.bytesAfter)} MB`);
  c.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
