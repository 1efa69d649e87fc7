import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/lib/db';
import { tempDir } from '../helpers/temp';
import { parseConfig } from '../../src/lib/config';
import { parseInstant } from '../../src/lib/time';
import { monthFigures } from '../../src/lib/sla/month';
import { rebuildDerived } from '../../src/lib/checks/store';
import { STATUS_CODE } from '../../src/lib/checks/status';
import { getMonitor, saveMonitor, type MonitorInput } from '../../src/lib/monitors/verbs';
import { checkSeries } from '../helpers/check-series';

/**
 * The migration that gives confirm, interval, timeout and service a life seeds the history
 * from each monitor's present values since its beginning, so a database made before it keeps
 * its figures, and a change made after it reaches no month that has ended.
 */
describe('migrating a database made before the settings had a life', () => {
  const dir = tempDir('migrations-');
  afterEach(() => {
    delete process.env.MIGRATIONS_DIR;
    dir.remove();
  });

  it('fills the kept rows and seeds one for every other monitor with its present values; a later change leaves October as it was', () => {
    const journal = JSON.parse(readFileSync('db/migrations/meta/_journal.json', 'utf8')) as { entries: Array<{ idx: number; tag: string }> };
    const life = journal.entries.find((e) => e.tag.endsWith('monitor-setting-life'))!;
    const older = join(dir.dir, 'older');
    mkdirSync(join(older, 'meta'), { recursive: true });
    const before = { ...journal, entries: journal.entries.filter((e) => e.idx < life.idx) };
    for (const e of before.entries) cpSync(`db/migrations/${e.tag}.sql`, join(older, `${e.tag}.sql`));
    writeFileSync(join(older, 'meta/_journal.json'), JSON.stringify(before));

    const file = join(dir.dir, 'status.db');
    process.env.MIGRATIONS_DIR = older;
    const db = openDatabase(file);
    const c = db.$client;
    c.prepare("INSERT INTO services (slug, name_ja) VALUES ('portal', 'ポータル')").run();
    const added = parseInstant('2026-10-01T00:00:00+09:00')!;
    const insert = c.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options, added_at, quorum)
      VALUES (?, 1, 'http', 'http://127.0.0.1:9/', ?, 10, ?, 1, '{}', ?, ?)`);
    const web = Number(insert.run('portal-web', 600, 2, added, null).lastInsertRowid);
    const api = Number(insert.run('portal-api', 300, 3, added, 1).lastInsertRowid);
    // portal-api's 稼働率に算入 changed once before: its rows were kept without the new columns.
    c.prepare('INSERT INTO monitor_setting_history (monitor_id, "from", quorum, counts_for_availability) VALUES (?, 0, 1, 0), (?, ?, 1, 1)').run(api, api, added);
    // portal-web: 10 October 10:00 and 10:10 fail, 10:20 succeeds (1,200 s with confirm 2).
    const check = c.prepare('INSERT INTO checks (monitor_id, at, status, latency_ms) VALUES (?, ?, ?, 100)');
    for (const r of checkSeries(web, '2026-10-01T00:00:00+09:00', '2026-11-02T00:00:00+09:00', { downs: [['2026-10-10T10:00:00+09:00', '2026-10-10T10:20:00+09:00']] })) {
      check.run(web, r.at, STATUS_CODE[r.status]);
    }
    c.close();

    process.env.MIGRATIONS_DIR = 'db/migrations';
    const migrated = openDatabase(file);
    rebuildDerived(migrated, web);
    const rows = migrated.$client.prepare(`SELECT monitor_id AS id, "from", quorum, counts_for_availability AS counts, confirm, interval_s AS intervalS, timeout_s AS timeoutS, service_id AS serviceId, type
      FROM monitor_setting_history ORDER BY monitor_id, "from"`).all();
    expect(rows).toEqual([
      { id: web, from: 0, quorum: null, counts: 1, confirm: 2, intervalS: 600, timeoutS: 10, serviceId: 1, type: 'http' },
      { id: api, from: 0, quorum: 1, counts: 0, confirm: 3, intervalS: 300, timeoutS: 10, serviceId: 1, type: 'http' },
      { id: api, from: added, quorum: 1, counts: 1, confirm: 3, intervalS: 300, timeoutS: 10, serviceId: 1, type: 'http' },
    ]);

    // On 2 November the admin sets confirm 3: October still has its 1,200 s; (2,678,400 − 1,200) / 2,678,400 = 99.955 %.
    const m = getMonitor(migrated, web)!;
    saveMonitor(migrated, { id: 1, email: 'admin@example.jp' }, web, {
      slug: m.slug, serviceId: m.serviceId, type: m.type as MonitorInput['type'], target: m.target, intervalS: m.intervalS, timeoutS: m.timeoutS,
      confirm: 3, countsForAvailability: m.countsForAvailability, options: m.options,
    }, parseInstant('2026-11-02T00:00:00+09:00')!);
    const october = monthFigures({ db: migrated, config: parseConfig({}), now: parseInstant('2026-11-02T01:00:00+09:00')! }, '2026-10').services[0]!.month;
    expect(october.downtimeMs).toBe(1_200_000);
    expect(october.pct).toBe('99.955');
    migrated.$client.close();
  });
});
