import { describe, it, expect } from 'vitest';
import { tempDb } from '../helpers/temp';
import { checkTypes, validateMonitorTarget } from '../../src/lib/probe/registry';
import { recordPush } from '../../src/lib/probe/checks/push';

describe('push check', () => {
  it('is up while the secret URL is called in time, down when it is late or the job reports failure', async () => {
    const t = tempDb();
    const c = t.db.$client;
    c.prepare("INSERT INTO services (slug, name_ja) VALUES ('s', 'サービス')").run();
    const token = 'backup-9f2c1e7a5b3d4c6e';
    const id = Number(c.prepare("INSERT INTO monitors (slug, service_id, type, target, interval_s, options) VALUES ('nightly-backup', 1, 'push', ?, 60, ?)").run(token, JSON.stringify({ every_s: 30 })).lastInsertRowid);
    const ct = checkTypes.push!;
    const check = () => ct.run({ target: token, options: ct.options.parse({ every_s: 30 }), timeoutMs: 1000, monitor: { id, intervalS: 60, db: t.db } }, new AbortController().signal);

    expect(await check()).toMatchObject({ status: 'down', reason: 'the push URL has never been called' });
    expect(recordPush(t.db, 'wrong-token-000000000', Date.now())).toBe(false);
    expect(recordPush(t.db, token, Date.now())).toBe(true);
    expect(await check()).toMatchObject({ status: 'up' });
    recordPush(t.db, token, Date.now() - 95_000);
    expect(await check()).toMatchObject({ status: 'down', reason: 'no push for 95 s, expected every 30 s' });
    recordPush(t.db, token, Date.now(), 'down', 'disk full');
    expect(await check()).toMatchObject({ status: 'down', reason: 'the job reported a failure: disk full' });
    expect(c.prepare('SELECT count FROM push_beats WHERE monitor_id = ?').get(id)).toEqual({ count: 3 });
    // A paused monitor takes no pushes.
    c.prepare('UPDATE monitors SET paused = 1').run();
    expect(recordPush(t.db, token, Date.now())).toBe(false);
    t.close();
  });

  it('refuses a guessable token or a bad interval, naming the field', () => {
    expect(validateMonitorTarget('push', 'short', {})).toEqual([{ field: 'target', message: 'must be a secret token of 16 to 128 letters, digits, - or _' }]);
    expect(validateMonitorTarget('push', 'a'.repeat(20), { every_s: 1 })[0]!.field).toBe('options.every_s');
  });
});
