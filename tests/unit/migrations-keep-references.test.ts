import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { tempDir } from '../helpers/temp';

/**
 * drizzle-kit changes a column in SQLite by rebuilding its table (a copy, DROP, rename).
 * Dropping the old table must not cascade into the rows that refer to it: a planned stop's
 * services survive the migration that made `announced_at` nullable.
 */
describe('a migration that rebuilds a table keeps the rows that refer to it', () => {
  const dir = tempDir('migrations-');
  afterEach(() => {
    delete process.env.MIGRATIONS_DIR;
    dir.remove();
  });

  it('keeps maintenance_services across the rebuild of maintenances', () => {
    const journal = JSON.parse(readFileSync('db/migrations/meta/_journal.json', 'utf8')) as { entries: Array<{ idx: number; tag: string }> };
    const rebuild = journal.entries.find((e) => e.tag.endsWith('stop-announcements'))!;
    const older = join(dir.dir, 'older');
    mkdirSync(join(older, 'meta'), { recursive: true });
    const before = { ...journal, entries: journal.entries.filter((e) => e.idx < rebuild.idx) };
    for (const e of before.entries) cpSync(`db/migrations/${e.tag}.sql`, join(older, `${e.tag}.sql`));
    writeFileSync(join(older, 'meta/_journal.json'), JSON.stringify(before));

    const file = join(dir.dir, 'status.db');
    process.env.MIGRATIONS_DIR = older;
    const db = openDatabase(file);
    db.$client.prepare("INSERT INTO services (slug, name_ja) VALUES ('elearning', 'eラーニング')").run();
    db.$client.prepare("INSERT INTO maintenances (key, category, title_ja, announced_at, scheduled_start, scheduled_end, created_at, updated_at) VALUES ('k', 'inspection', '点検', 1, 2, 3, 0, 0)").run();
    db.$client.prepare('INSERT INTO maintenance_services (maintenance_id, service_id) VALUES (1, 1)').run();
    db.$client.close();

    process.env.MIGRATIONS_DIR = 'db/migrations';
    const migrated = openDatabase(file);
    expect(migrated.$client.prepare('SELECT maintenance_id, service_id FROM maintenance_services').all()).toEqual([{ maintenance_id: 1, service_id: 1 }]);
    expect(migrated.$client.prepare('SELECT announced_at FROM maintenances').pluck().get()).toBe(1);
    expect(migrated.$client.pragma('foreign_keys', { simple: true })).toBe(1);
    migrated.$client.close();
  });
});
