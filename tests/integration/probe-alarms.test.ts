import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tempDb } from '../helpers/temp';
import { waitFor } from '../helpers/site';
import type { Db } from '../../src/lib/db';
import { Probe } from '../../src/lib/probe/probe';
import { CheckStore, type CheckResult } from '../../src/lib/checks/store';
import { AlarmEngine, listOpenAlarms, acknowledgeAlarm, notificationsOfIncident, firstNotifiedAt } from '../../src/lib/alarms/index';
import { sendPendingMail, mailTransport } from '../../src/lib/mail/outbox';
import { startSmtp, decodeMail } from './probe-servers';

function addMonitor(db: Db, o: { slug: string; type?: string; target: string; intervalS?: number; confirm?: number; counts?: boolean; service?: string; options?: object }): number {
  const c = db.$client;
  const service = o.service ?? 'elearning';
  c.prepare("INSERT OR IGNORE INTO services (slug, name_ja, name_en) VALUES (?, 'eラーニングシステム', 'E-learning system')").run(service);
  const sid = (c.prepare('SELECT id FROM services WHERE slug = ?').get(service) as { id: number }).id;
  return Number(c.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options)
    VALUES (?, ?, ?, ?, ?, 2, ?, ?, ?)`).run(o.slug, sid, o.type ?? 'http', o.target, o.intervalS ?? 60, o.confirm ?? 2, o.counts === false ? 0 : 1, JSON.stringify(o.options ?? {})).lastInsertRowid);
}

const settings = { operators: ['ops@example.jp', 'lead@example.jp'], recoveryConfirm: 2, mailWarningCleared: true, zone: 'Asia/Tokyo', siteUrl: 'https://status.example.jp' };

describe('alarms from the running probe, mailed through SMTP', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let server: Server;
  let failing = false;
  let port = 0;
  beforeAll(async () => {
    smtp = await startSmtp();
    server = createServer((_req, res) => {
      res.statusCode = failing ? 500 : 200;
      res.end(failing ? 'error' : 'ok');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await smtp.close();
    await new Promise((ok) => server.close(ok));
  });

  it('confirms an outage, mails the operators once, opens a draft incident, then announces the recovery', async () => {
    const t = tempDb();
    const db = t.db;
    const id = addMonitor(db, { slug: 'elearning-web', target: `http://127.0.0.1:${port}/`, intervalS: 1, confirm: 2 });
    const probe = new Probe(db, { flushEveryMs: 100, alarms: settings });
    const transport = mailTransport({ SMTP_URL: `${smtp.url}?from=status@example.jp` })!;
    const before = smtp.received.length;
    expect(await probe.start()).toBe(true);
    try {
      await waitFor(() => (db.$client.prepare('SELECT COUNT(*) AS n FROM checks WHERE monitor_id = ? AND status = 0').get(id) as { n: number }).n >= 1, 10_000, 100);
      failing = true;
      const alarm = await waitFor(() => listOpenAlarms(db)[0], 10_000, 100);
      expect(alarm).toMatchObject({ kind: 'outage', monitorSlug: 'elearning-web', serviceSlug: 'elearning', message: 'HTTP 500, expected 200-399', severity: 'critical' });
      const downs = db.$client.prepare('SELECT at FROM checks WHERE monitor_id = ? AND status = 2 ORDER BY at').all(id) as { at: number }[];
      expect(alarm.startedAt).toBe(downs[0]!.at);
      expect(alarm.detectedAt).toBe(downs[1]!.at);

      const incident = db.$client.prepare(`SELECT i.*, s.impact FROM incidents i JOIN incident_services s ON s.incident_id = i.id WHERE i.id = ?`).get(alarm.incidentId) as Record<string, unknown>;
      expect(incident).toMatchObject({ draft: 1, started_at: alarm.startedAt, detected_at: alarm.detectedAt, recovered_at: null, impact: 'major_outage', kind: 'failure' });

      // Keep failing for a few more checks: still one alarm, one mail per operator.
      await waitFor(() => (db.$client.prepare('SELECT COUNT(*) AS n FROM checks WHERE monitor_id = ? AND status = 2').get(id) as { n: number }).n >= 4, 10_000, 100);
      await sendPendingMail(db, transport);
      const outageMails = smtp.received.slice(before);
      expect(outageMails.map((m) => m.to[0]).sort()).toEqual(['lead@example.jp', 'ops@example.jp']);
      const body = decodeMail(outageMails[0]!.raw);
      // The reason as a sentence (subject and text), the probe's words kept below; times in JST, not GMT+9.
      expect(body).toContain('【障害検知】eラーニングシステム elearning-web: HTTP 500 が返りました（正常は 200-399）');
      expect(body).toContain('内容 / Reason: HTTP 500 が返りました（正常は 200-399） / The server answered HTTP 500 (expected 200-399)');
      expect(body).toContain('監視の出力 / Probe output: HTTP 500, expected 200-399');
      expect(body).toMatch(/検知 \/ Detected: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST/);
      expect(body).not.toContain('GMT');
      expect(body).toContain(`https://status.example.jp/admin/incidents/${alarm.incidentId}`);
      expect(listOpenAlarms(db)).toHaveLength(1);
      const sent = notificationsOfIncident(db, alarm.incidentId!);
      expect(sent).toHaveLength(2);
      expect(sent.every((n) => n.event === 'outage' && n.sentAt !== null && n.sentAt >= alarm.detectedAt)).toBe(true);
      expect(firstNotifiedAt(db, alarm.incidentId!)).toBe(Math.min(...sent.map((n) => n.sentAt!)));

      failing = false;
      await waitFor(() => listOpenAlarms(db).length === 0, 10_000, 100);
      const closed = db.$client.prepare('SELECT recovered_at AS recoveredAt, recovery_detected_at AS confirmedAt FROM alarms WHERE id = ?').get(alarm.id) as { recoveredAt: number; confirmedAt: number };
      const ups = db.$client.prepare('SELECT at FROM checks WHERE monitor_id = ? AND status = 0 AND at > ? ORDER BY at').all(id, alarm.detectedAt) as { at: number }[];
      expect(closed.recoveredAt).toBe(ups[0]!.at);
      expect(closed.confirmedAt).toBe(ups[1]!.at);
      expect((db.$client.prepare('SELECT recovered_at AS r FROM incidents WHERE id = ?').get(alarm.incidentId) as { r: number }).r).toBe(ups[0]!.at);
      await sendPendingMail(db, transport);
      const all = smtp.received.slice(before).map((m) => decodeMail(m.raw));
      expect(all).toHaveLength(4);
      expect(all.filter((m) => m.includes('【復旧】eラーニングシステム elearning-web'))).toHaveLength(2);
    } finally {
      await probe.stop();
      t.close();
    }
  });
});

describe('alarm rules', () => {
  const at = (n: number) => 1_800_000_000_000 + n * 60_000;
  const check = (monitorId: number, n: number, status: CheckResult['status'], extra: Partial<CheckResult> = {}): CheckResult => ({ monitorId, at: at(n), status, latencyMs: status === 'down' ? null : 50, error: status === 'down' ? 'connection refused' : null, ...extra });

  it('does not alarm on a run shorter than confirm, and joins two monitors of a service in one draft incident', () => {
    const t = tempDb();
    const a = addMonitor(t.db, { slug: 'web', target: 'http://a/', confirm: 3 });
    const b = addMonitor(t.db, { slug: 'api', target: 'http://b/', confirm: 1, counts: false });
    const engine = new AlarmEngine(t.db, settings, () => at(100));
    const store = new CheckStore(t.db, { onCheck: (r, run) => engine.onCheck(r, run) });
    store.record([check(a, 0, 'down'), check(a, 1, 'down'), check(a, 2, 'up')]);
    expect(listOpenAlarms(t.db)).toEqual([]);
    store.record([check(b, 3, 'down')]);
    store.record([check(a, 4, 'down'), check(a, 5, 'down'), check(a, 6, 'down'), check(a, 7, 'down')]);
    const open = listOpenAlarms(t.db);
    expect(open.map((x) => [x.monitorSlug, x.startedAt, x.detectedAt])).toEqual([['web', at(4), at(6)], ['api', at(3), at(3)]].sort((x, y) => (y[2] as number) - (x[2] as number)));
    expect(new Set(open.map((x) => x.incidentId)).size).toBe(1);
    const incidentId = open[0]!.incidentId!;
    // A non-counting monitor opened it as a partial outage; the counting one raised it to major.
    expect(t.db.$client.prepare('SELECT impact, started_at AS s FROM incident_services JOIN incidents ON id = incident_id WHERE incident_id = ?').get(incidentId)).toEqual({ impact: 'major_outage', s: at(3) });
    expect((t.db.$client.prepare('SELECT COUNT(*) AS n FROM mail_outbox').get() as { n: number }).n).toBe(4);
    // One recovers (recovery_confirm 2): the incident stays open until both have.
    store.record([check(b, 8, 'up'), check(b, 9, 'up'), check(a, 9, 'up')]);
    expect(listOpenAlarms(t.db).map((x) => x.monitorSlug)).toEqual(['web']);
    expect((t.db.$client.prepare('SELECT recovered_at AS r FROM incidents WHERE id = ?').get(incidentId) as { r: number | null }).r).toBeNull();
    store.record([check(a, 10, 'down'), check(a, 11, 'up'), check(a, 12, 'degraded'), check(a, 13, 'degraded')]);
    expect(listOpenAlarms(t.db)).toEqual([]);
    expect((t.db.$client.prepare('SELECT recovered_at AS r FROM incidents WHERE id = ?').get(incidentId) as { r: number | null }).r).toBe(at(12));
    // Outage, recovery: two mails each to two operators, per alarm.
    expect((t.db.$client.prepare("SELECT COUNT(*) AS n FROM alarm_notifications WHERE event = 'recovery'").get() as { n: number }).n).toBe(4);
    t.close();
  });

  it('raises threshold warnings once, escalates, clears, never counts them as downtime; acknowledges', () => {
    const t = tempDb();
    const m = addMonitor(t.db, { slug: 'cert', type: 'tls', target: 'learn.example.jp:443' });
    const engine = new AlarmEngine(t.db, settings, () => at(100));
    const store = new CheckStore(t.db, { onCheck: (r, run) => engine.onCheck(r, run) });
    const warn = (sev: 'warning' | 'critical', days: number) => ({ warnings: [{ code: 'tls_expiry', severity: sev, message: `TLS certificate expires in ${days} days` }] });
    store.record([check(m, 0, 'up', warn('warning', 20)), check(m, 1, 'up', warn('warning', 19))]);
    let open = listOpenAlarms(t.db);
    expect(open).toMatchObject([{ kind: 'warning', code: 'tls_expiry', severity: 'warning', message: 'TLS certificate expires in 20 days' }]);
    store.record([check(m, 2, 'up', warn('critical', 6)), check(m, 3, 'up', warn('critical', 5))]);
    open = listOpenAlarms(t.db);
    expect(open).toMatchObject([{ severity: 'critical', message: 'TLS certificate expires in 6 days' }]);
    // A down check (no answer) does not clear the warning; an answered one without it does.
    store.record([check(m, 4, 'down')]);
    expect(listOpenAlarms(t.db)).toHaveLength(1);
    const ack = acknowledgeAlarm(t.db, open[0]!.id, 7, at(4));
    expect(ack).toMatchObject({ acknowledgedAt: at(4), acknowledgedBy: 7 });
    expect(acknowledgeAlarm(t.db, open[0]!.id, 8, at(5))).toMatchObject({ acknowledgedBy: 7 });
    expect(() => acknowledgeAlarm(t.db, 999, 7)).toThrow(/no alarm 999/);
    store.record([check(m, 5, 'up')]);
    expect(listOpenAlarms(t.db)).toEqual([]);
    const events = t.db.$client.prepare('SELECT event, COUNT(*) AS n FROM alarm_notifications GROUP BY event ORDER BY event').all();
    expect(events).toEqual([{ event: 'warning', n: 4 }, { event: 'warning_cleared', n: 2 }]);
    expect(t.db.$client.prepare('SELECT COUNT(*) AS n FROM incidents').get()).toEqual({ n: 0 });
    t.close();
  });

  it('picks up open alarms after a restart and sends no second mail', () => {
    const t = tempDb();
    const m = addMonitor(t.db, { slug: 'web', target: 'http://a/' });
    let engine = new AlarmEngine(t.db, settings, () => at(100));
    let store = new CheckStore(t.db, { onCheck: (r, run) => engine.onCheck(r, run) });
    store.record([check(m, 0, 'down'), check(m, 1, 'down')]);
    engine = new AlarmEngine(t.db, settings, () => at(100));
    engine.loadOpen(); // as the probe does once it holds the lease
    store = new CheckStore(t.db, { onCheck: (r, run) => engine.onCheck(r, run) });
    store.record([check(m, 2, 'down'), check(m, 3, 'down')]);
    expect((t.db.$client.prepare('SELECT COUNT(*) AS n FROM alarms').get() as { n: number }).n).toBe(1);
    expect((t.db.$client.prepare('SELECT COUNT(*) AS n FROM mail_outbox').get() as { n: number }).n).toBe(2);
    t.close();
  });
});
