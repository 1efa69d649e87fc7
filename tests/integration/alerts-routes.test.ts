import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { tempDb } from '../helpers/temp';
import { startSite, waitFor, type RunningSite } from '../helpers/site';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { addSource } from '../../src/lib/alerts/sources';
import { systemActor } from '../../src/lib/audit';

/** Runs deploy/zabbix/status-site.js with node, as Zabbix would with these media type parameters. */
function zabbixScript(params: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['tests/helpers/zabbix-shim.mjs', 'deploy/zabbix/status-site.js', JSON.stringify(params)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

const firing = (fingerprint: string, startsAt: string) => ({
  version: '4', status: 'firing', receiver: 'site', groupKey: '{}:{alertname="ElearningDown"}', truncatedAlerts: 0,
  groupLabels: { alertname: 'ElearningDown' }, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am.example:9093',
  alerts: [{ status: 'firing', labels: { alertname: 'ElearningDown', service: 'elearning', severity: 'critical' }, annotations: {}, startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint }],
});

describe('the alert routes of Alertmanager and Zabbix', () => {
  const t = tempDb();
  let site: RunningSite;
  let amToken = '';
  let zbxToken = '';
  const id = (slug: string) => t.db.$client.prepare('SELECT id FROM monitors WHERE slug = ?').pluck().get(slug) as number;
  beforeAll(async () => {
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'elearning', name: { ja: '学習システム' }, sla_target_pct: 99.5 }],
      monitors: [
        { slug: 'elearning-am', service: 'elearning', type: 'external', target: 'service="elearning", severity="critical"', interval_s: 5, timeout_s: 2, confirm: 1, counts_for_availability: false, options: { source: 'am' } },
        { slug: 'web01-zbx', service: 'elearning', type: 'external', target: 'host="web01", service="elearning"', interval_s: 5, timeout_s: 2, confirm: 1, counts_for_availability: false, options: { source: 'zbx' } },
      ],
    }));
    amToken = addSource(t.db, systemActor('test'), { slug: 'am', kind: 'alertmanager', silenceAfterMin: 10 }).token;
    zbxToken = addSource(t.db, systemActor('test'), { slug: 'zbx', kind: 'zabbix', silenceAfterMin: 10 }).token;
    site = await startSite({ DATABASE_PATH: t.path });
  }, 90_000);
  afterAll(async () => {
    await site?.stop();
    t.close();
  });

  const post = (kind: string, token: string | null, body: string) => fetch(`${site.url}/api/alerts/${kind}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body,
  });
  const stored = () => t.db.$client.prepare('SELECT count(*) FROM external_alerts').pluck().get() as number;
  const heard = (slug: string) => t.db.$client.prepare('SELECT last_heard_at FROM alert_sources WHERE slug = ?').pluck().get(slug);

  it('refuses a missing or wrong token and a bad payload with the reason, and changes nothing', async () => {
    const good = JSON.stringify(firing('a1b2c3d4e5f60718', new Date().toISOString()));
    expect((await post('alertmanager', null, good)).status).toBe(401);
    expect((await post('alertmanager', zbxToken, good)).status).toBe(401);
    expect((await post('alertmanager', `${amToken}x`, good)).status).toBe(401);
    expect((await post('alertmanager', amToken, '{"version":')).status).toBe(400);
    const v3 = await post('alertmanager', amToken, JSON.stringify({ ...firing('a1b2c3d4e5f60718', new Date().toISOString()), version: '3' }));
    expect(v3.status).toBe(422);
    expect((await v3.json()).error).toMatch(/^\$\.version: /);
    const bad = firing('a1b2c3d4e5f60718', 'yesterday');
    const res = await post('alertmanager', amToken, JSON.stringify(bad));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ ok: false, error: expect.stringMatching(/^\$\.alerts\[0\]\.startsAt: /) });
    expect((await post('zabbix', zbxToken, JSON.stringify({ event_id: '12', trigger_name: 'x', severity: 'High', host: 'web01', value: '2' }))).status).toBe(422);
    expect(stored()).toBe(0);
    expect(heard('am')).toBeNull();
    expect(heard('zbx')).toBeNull();
  });

  it('stores an Alertmanager alert once when the delivery is replayed, and the monitor goes down', async () => {
    const body = JSON.stringify(firing('a1b2c3d4e5f60718', new Date(Date.now() - 30_000).toISOString()));
    const first = await post('alertmanager', amToken, body);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true, stored: 1, unchanged: 0 });
    expect(await (await post('alertmanager', amToken, body)).json()).toEqual({ ok: true, stored: 0, unchanged: 1 });
    expect(stored()).toBe(1);
    const since = Date.now();
    const check = await waitFor(() => t.db.$client.prepare('SELECT status, error FROM checks WHERE monitor_id = ? AND at > ? ORDER BY at DESC').get(id('elearning-am'), since) as { status: number; error: string } | undefined, 20_000, 250);
    expect(check).toEqual({ status: 2, error: 'alert firing at am: ElearningDown' });
  });

  it('takes the Zabbix media type script\'s problem and recovery, run with node against the site', async () => {
    const params = {
      url: `${site.url}/api/alerts/zabbix`, token: zbxToken, event_id: '4711', event_value: '1', trigger_name: 'Apache is down on web01',
      severity: 'High', host: 'web01', recovery_event_id: '{EVENT.RECOVERY.ID}', event_tags: JSON.stringify([{ tag: 'service', value: 'elearning' }]),
      event_ts: String(Math.floor(Date.now() / 1000) - 5),
    };
    const problem = await zabbixScript(params);
    expect(problem, problem.stderr).toMatchObject({ status: 0, stdout: 'OK' });
    // Zabbix sends again on an escalation step: stored once.
    expect((await zabbixScript(params)).status).toBe(0);
    expect(t.db.$client.prepare("SELECT state, labels FROM external_alerts WHERE fingerprint = 'zabbix:4711'").get()).toEqual({
      state: 'firing', labels: JSON.stringify({ service: 'elearning', host: 'web01', severity: 'high', trigger: 'Apache is down on web01', alertname: 'Apache is down on web01' }),
    });
    let since = Date.now();
    const down = await waitFor(() => t.db.$client.prepare('SELECT status, error FROM checks WHERE monitor_id = ? AND at > ? ORDER BY at DESC').get(id('web01-zbx'), since) as { status: number; error: string } | undefined, 20_000, 250);
    expect(down).toEqual({ status: 2, error: 'alert firing at zbx: Apache is down on web01' });

    const recovery = await zabbixScript({ ...params, event_value: '0', recovery_event_id: '4720', event_ts: String(Math.floor(Date.now() / 1000)) });
    expect(recovery, recovery.stderr).toMatchObject({ status: 0, stdout: 'OK' });
    expect(t.db.$client.prepare("SELECT state FROM external_alerts WHERE fingerprint = 'zabbix:4711'").pluck().get()).toBe('resolved');
    since = Date.now();
    const up = await waitFor(() => t.db.$client.prepare('SELECT status FROM checks WHERE monitor_id = ? AND at > ? ORDER BY at DESC').get(id('web01-zbx'), since) as { status: number } | undefined, 20_000, 250);
    expect(up.status).toBe(0);

    // A wrong token: the script fails with the site's reason, as Zabbix shows it.
    const refused = await zabbixScript({ ...params, token: amToken });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/the status site answered 401/);
  });

  it('writes no check while a source is silent, so the time is unmonitored, never up', async () => {
    const shortenedAt = Date.now();
    t.db.$client.prepare("UPDATE alert_sources SET silence_after_s = 3 WHERE slug = 'zbx'").run();
    // Checks made before the silence time was shortened still count the source as heard from.
    const silentFrom = Math.max((heard('zbx') as number) + 3_000, shortenedAt);
    await new Promise((r) => setTimeout(r, Math.max(0, silentFrom - Date.now()) + 12_000));
    const during = t.db.$client.prepare('SELECT count(*) FROM checks WHERE monitor_id = ? AND at > ?').pluck().get(id('web01-zbx'), silentFrom + 500);
    expect(during, JSON.stringify({ silentFrom, checks: t.db.$client.prepare('SELECT at, status, error FROM checks WHERE monitor_id = ? ORDER BY at DESC LIMIT 4').all(id('web01-zbx')) })).toBe(0);
  }, 30_000);
});
