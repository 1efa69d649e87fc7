import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDb } from '../helpers/temp';
import { runScript, startSite, waitFor, type RunningSite } from '../helpers/site';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { addSource } from '../../src/lib/alerts/sources';
import { systemActor } from '../../src/lib/audit';
import { monthOf } from '../../src/lib/time';

/** A port free now on 127.0.0.1. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The scraped target: a page of metrics while it runs. */
async function startTarget(port: number): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('elearning_sessions 12\n');
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return server;
}

function run(cmd: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

describe('alerts from a real Prometheus and Alertmanager make an external monitor go down and recover', () => {
  const t = tempDb();
  let site: RunningSite;
  let target: Server | null = null;
  let targetPort = 0;
  const procs: ChildProcess[] = [];
  let monitorId = 0;

  beforeAll(async () => {
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'elearning', name: { ja: '学習システム' }, sla_target_pct: 99.5 }],
      monitors: [{ slug: 'elearning-prom', service: 'elearning', type: 'external', target: 'service="elearning", severity="critical"', interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true, options: { source: 'prom' } }],
    }));
    monitorId = (t.db.$client.prepare("SELECT id FROM monitors WHERE slug = 'elearning-prom'").get() as { id: number }).id;
    const { token } = addSource(t.db, systemActor('test'), { slug: 'prom', kind: 'alertmanager', silenceAfterMin: 2 });
    const config = join(t.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ alarms: { operators: ['ops@example.jp'], recovery_confirm: 2 } }));
    site = await startSite({ DATABASE_PATH: t.path, CONFIG_PATH: config });

    targetPort = await freePort();
    target = await startTarget(targetPort);
    const [promPort, amPort] = [await freePort(), await freePort()];
    const dir = join(t.dir, 'prom');
    mkdirSync(dir);
    writeFileSync(join(dir, 'alertmanager.yml'), `
route:
  receiver: site
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 20s
receivers:
  - name: site
    webhook_configs:
      - url: ${site.url}/api/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: ${token}
`);
    writeFileSync(join(dir, 'rules.yml'), `
groups:
  - name: site
    interval: 1s
    rules:
      - alert: Watchdog
        expr: vector(1)
      - alert: ElearningDown
        expr: up{job="elearning"} == 0
        for: 20s
        labels: { severity: critical, service: elearning }
`);
    writeFileSync(join(dir, 'prometheus.yml'), `
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - static_configs: [{ targets: ['127.0.0.1:${amPort}'] }]
scrape_configs:
  - job_name: elearning
    scrape_timeout: 500ms
    static_configs: [{ targets: ['127.0.0.1:${targetPort}'] }]
`);
    const am = run('/usr/bin/prometheus-alertmanager', [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am')}`,
      `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=']);
    const prom = run('/usr/bin/prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`, '--rules.alert.resend-delay=1s']);
    procs.push(am.child, prom.child);
    // The Watchdog reaches the site: the source is heard from, and the monitor is up.
    await waitFor(() => t.db.$client.prepare("SELECT last_heard_at FROM alert_sources WHERE slug = 'prom'").pluck().get(), 40_000, 250)
      .catch((err) => { throw new Error(`${String(err)}\nalertmanager:\n${am.output().slice(-2000)}\nprometheus:\n${prom.output().slice(-2000)}`); });
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) p.kill('SIGTERM');
    target?.close();
    await site?.stop();
    t.close();
  });

  const checks = (since: number) => t.db.$client.prepare('SELECT at, status, error FROM checks WHERE monitor_id = ? AND at >= ? ORDER BY at')
    .all(monitorId, since) as { at: number; status: number; error: string | null }[];

  it('goes down with an alarm and a draft incident when the target stops, recovers when it returns, and the month counts the outage', async () => {
    await waitFor(() => checks(0).some((c) => c.status === 0), 20_000, 250);
    const stoppedAt = Date.now();
    await new Promise((r) => target!.close(r));
    target!.closeAllConnections();

    // up == 0 for 20 s fires; Alertmanager posts; two down checks confirm the outage.
    const alarm = await waitFor(() => t.db.$client.prepare("SELECT id, incident_id AS incidentId, started_at AS startedAt FROM alarms WHERE monitor_id = ? AND kind = 'outage'")
      .get(monitorId) as { id: number; incidentId: number | null; startedAt: number } | undefined, 60_000, 250);
    expect(alarm.startedAt - stoppedAt).toBeGreaterThanOrEqual(19_000);
    const down = checks(stoppedAt).filter((c) => c.status === 2);
    expect(down[0]!.error).toBe('alert firing at prom: ElearningDown');
    expect(alarm.incidentId).not.toBeNull();
    expect(t.db.$client.prepare('SELECT draft FROM incidents WHERE id = ?').pluck().get(alarm.incidentId)).toBe(1);
    expect(t.db.$client.prepare("SELECT count(*) FROM mail_outbox WHERE kind = 'alarm' AND subject LIKE '%障害検知%'").pluck().get()).toBe(1);
    const firing = t.db.$client.prepare("SELECT state, labels FROM external_alerts WHERE labels LIKE '%ElearningDown%'").get() as { state: string; labels: string };
    expect(firing.state).toBe('firing');

    // The target returns: the alert resolves and the monitor recovers.
    target = await startTarget(targetPort);
    const recovered = await waitFor(() => t.db.$client.prepare('SELECT recovered_at AS at FROM alarms WHERE id = ? AND recovery_detected_at IS NOT NULL').get(alarm.id) as { at: number } | undefined, 60_000, 250);
    expect(t.db.$client.prepare("SELECT state FROM external_alerts WHERE labels LIKE '%ElearningDown%'").pluck().get()).toBe('resolved');
    const all = checks(stoppedAt);
    const firstDown = all.find((c) => c.status === 2)!;
    const firstUp = all.find((c) => c.at > firstDown.at && c.status === 0)!;
    expect(recovered.at).toBe(firstUp.at);

    // The month's figures: one outage from the first down check to the first up check.
    const sla = await runScript('scripts/sla.ts', ['--month', monthOf(Date.now(), 'Asia/Tokyo'), '--json'], { DATABASE_PATH: t.path });
    expect(sla.status, sla.stderr).toBe(0);
    const service = (JSON.parse(sla.stdout) as { services: { slug: string; downtime_s: number; outages: { start: string; end: string; duration_s: number }[] }[] }).services.find((s) => s.slug === 'elearning')!;
    expect(service.outages).toHaveLength(1);
    expect(Math.abs(Date.parse(service.outages[0]!.start) - firstDown.at)).toBeLessThan(1000);
    expect(Math.abs(Date.parse(service.outages[0]!.end) - firstUp.at)).toBeLessThan(1000);
    expect(Math.abs(service.downtime_s - (firstUp.at - firstDown.at) / 1000)).toBeLessThanOrEqual(1);
  }, 150_000);
});
