import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/lib/db';

/** A fresh directory under the system's temp folder, removed by the returned function. */
export function tempDir(prefix = 'status-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A real SQLite file in a temp folder, migrated. */
export function tempDb(): { db: Db; path: string; dir: string; close: () => void } {
  const { dir, remove } = tempDir();
  const path = join(dir, 'status.db');
  const db = openDatabase(path);
  return { db, path, dir, close: () => { db.$client.close(); remove(); } };
}
