import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { tempDb } from '../helpers/temp';
import { startReceiver } from '../helpers/webhook-receiver';
import type { Db } from '../../src/lib/db';
import { systemActor } from '../../src/lib/audit';
import { parseConfig } from '../../src/lib/config';
import { AlarmEngine } from '../../src/lib/alarms/index';
import { CheckStore, type CheckResult } from '../../src/lib/checks/store';
import { addDestination, deleteDestination, destinationSchema, queueTestMessage, type DestinationInput } from '../../src/lib/destinations/destinations';
import { sendPendingDeliveries } from '../../src/lib/destinations/deliver';
import { newSigningSecret } from '../../src/lib/destinations/sign';
import { notifySubscribersOfIncidentUpdate, notifySubscribersOfMaintenance } from '../../src/lib/subscriptions/notify';
import { checkHealth } from '../../src/lib/health';

const actor = systemActor('test');
const config = parseConfig({});
const SITE = 'https://status.example.jp';
const at = (n: number) => 1_800_000_000_000 + n * 60_000;

function service(db: Db, slug: string, ja: string, en: string): number {
  db.$client.prepare('INSERT INTO services (slug, name_ja, name_en) VALUES (?, ?, ?)').run(slug, ja, en);
  return (db.$client.prepare('SELECT id FROM services WHERE slug = ?').get(slug) as { id: number }).id;
}

function monitor(db: Db, serviceId: number, slug: string): number {
  return Number(db.$client.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options)
    VALUES (?, ?, 'http', 'http://10.0.0.1/', 60, 2, 2, 1, '{}')`).run(slug, serviceId).lastInsertRowid);
}

const input = (o: Partial<Record<keyof DestinationInput, unknown>>): DestinationInput => destinationSchema.parse({ name: 'x', kind: 'webhook', lang: 'ja', allServices: true, ...o });
const rows = (db: Db) => db.$client.prepare('SELECT id, destination_id AS destinationId, webhook_id AS webhookId, attempts, sent_at AS sentAt, failed_at AS failedAt, next_attempt_at AS nextAt, last_error AS lastError, body FROM destination_outbox ORDER BY id').all() as Array<{ id: number; destinationId: number | null; webhookId: string; attempts: number; sentAt: number | null; failedAt: number | null; nextAt: number | null; lastError: string | null; body: string }>;

describe('destinations: signed webhook, Slack and Teams through the outbox', () => {
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => { rx = await startReceiver(); });
  afterAll(async () => { await rx.close(); });

  it('signs each message as Standard Webhooks says: the standardwebhooks library verifies it, and refuses a changed body or another secret', async () => {
    const t = tempDb();
    const { destination, secret } = addDestination(t.db, actor, input({ name: '運用チャット', url: rx.url('/signed'), alarms: true }));
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    queueTestMessage(t.db, actor, destination.id, config.site.name, SITE);
    const before = rx.received.length;
    expect(await sendPendingDeliveries(t.db)).toEqual({ sent: 1, failed: 0 });
    const got = rx.received.slice(before);
    expect(got).toHaveLength(1);
    const req = got[0]!;
    const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    const payload = new Webhook(secret!).verify(req.body, headers) as Record<string, unknown>;
    expect(payload).toMatchObject({ version: 1, type: 'test', id: headers['webhook-id'], language: 'ja', url: `${SITE}/admin/destinations` });
    expect(String(payload.text)).toContain('テスト送信');
    expect(new Date(String(payload.occurred_at)).toISOString()).toBe(payload.occurred_at);
    // An independent check can fail: a changed body, or the wrong secret.
    expect(() => new Webhook(secret!).verify(req.body.replace('テスト', 'てすと'), headers)).toThrow();
    expect(() => new Webhook(newSigningSecret()).verify(req.body, headers)).toThrow();
    // The secret is kept for signing but never in the audit log.
    expect(JSON.stringify(t.db.$client.prepare('SELECT * FROM audit_log').all())).not.toContain(secret!.slice(6, 20));
    t.close();
  });

  it('retries a 503 with the same webhook-id, gives up a 400 with its reason, honours Retry-After of a 429, and retries a timeout with the same id', async () => {
    const t = tempDb();
    const d1 = addDestination(t.db, actor, input({ name: 'a', url: rx.url('/flaky'), alarms: true })).destination;
    const d2 = addDestination(t.db, actor, input({ name: 'b', url: rx.url('/refuses'), alarms: true })).destination;
    const d3 = addDestination(t.db, actor, input({ name: 'c', url: rx.url('/busy'), alarms: true })).destination;
    const d4 = addDestination(t.db, actor, input({ name: 'd', url: rx.url('/slow'), alarms: true })).destination;
    let flaky = 0;
    let slow = 0;
    let busy = 0;
    rx.setAnswer((r) => {
      if (r.path === '/flaky') return ++flaky === 1 ? 503 : 200;
      if (r.path === '/refuses') return 400;
      if (r.path === '/busy') return ++busy === 1 ? { status: 429, headers: { 'retry-after': '120' } } : 200;
      if (r.path === '/slow') return ++slow === 1 ? { status: 200, delayMs: 1500 } : 200;
      return 200;
    });
    for (const d of [d1, d2, d3, d4]) queueTestMessage(t.db, actor, d.id, config.site.name, SITE, 0);
    const before = rx.received.length;
    expect(await sendPendingDeliveries(t.db, 0, 100, null, 700)).toEqual({ sent: 0, failed: 4 });
    const [r1, r2, r3, r4] = rows(t.db);
    expect(r1).toMatchObject({ attempts: 1, nextAt: 30_000, failedAt: null, lastError: 'HTTP 503: unavailable' });
    expect(r2).toMatchObject({ attempts: 1, nextAt: null, failedAt: 0, lastError: 'HTTP 400: unavailable' });
    expect(r3!.nextAt).toBeGreaterThanOrEqual(120_000);
    expect(r4).toMatchObject({ attempts: 1, nextAt: 30_000, lastError: 'no answer within 1 s' });
    // The given-up one is shown to admins (dashboard and /healthz), in Japanese on the page.
    expect(checkHealth(t.db, config, 1000).warnings.map((w) => w.cause)).toContain('delivery_failed');
    expect(await sendPendingDeliveries(t.db, 29_000)).toEqual({ sent: 0, failed: 0 });
    expect(await sendPendingDeliveries(t.db, 30_000)).toEqual({ sent: 2, failed: 0 });
    expect(await sendPendingDeliveries(t.db, 125_000)).toEqual({ sent: 1, failed: 0 });
    const got = rx.received.slice(before);
    const ids = (path: string) => got.filter((r) => r.path === path).map((r) => r.headers['webhook-id']);
    expect(ids('/flaky')).toEqual([r1!.webhookId, r1!.webhookId]);
    expect(ids('/slow')).toEqual([r4!.webhookId, r4!.webhookId]);
    expect(ids('/refuses')).toHaveLength(1);
    expect(ids('/busy')).toHaveLength(2);
    rx.setAnswer(() => 200);
    t.close();
  });

  it('tells operators of an outage and its recovery in each destination\'s language, Slack as text and Teams as an Adaptive Card; a public-updates destination gets nothing of the draft', async () => {
    const t = tempDb();
    const web = service(t.db, 'elearning', 'eラーニングシステム', 'E-learning system');
    const other = service(t.db, 'www', '啓発サイト', 'Awareness site');
    const m = monitor(t.db, web, 'elearning-web');
    const slack = addDestination(t.db, actor, input({ name: 'slack', kind: 'slack', url: rx.url('/slack'), alarms: true, lang: 'en' })).destination;
    const teams = addDestination(t.db, actor, input({ name: 'teams', kind: 'teams', url: rx.url('/teams'), alarms: true })).destination;
    addDestination(t.db, actor, input({ name: 'public', url: rx.url('/public'), incidents: true, maintenances: true }));
    addDestination(t.db, actor, input({ name: 'other-service', url: rx.url('/other'), alarms: true, allServices: false, serviceIds: [other] }));
    const engine = new AlarmEngine(t.db, { operators: [], recoveryConfirm: 1, mailWarningCleared: false, zone: 'Asia/Tokyo', siteUrl: SITE }, () => at(100));
    const store = new CheckStore(t.db, { onCheck: (r, run) => engine.onCheck(r, run) });
    const check = (n: number, status: CheckResult['status']): CheckResult => ({ monitorId: m, at: at(n), status, latencyMs: status === 'down' ? null : 50, error: status === 'down' ? 'HTTP 500, expected 200-399' : null });
    store.record([check(0, 'up'), check(1, 'down'), check(2, 'down')]);
    const incidentId = (t.db.$client.prepare('SELECT incident_id FROM alarms').pluck().get() as number);
    // The draft's update is not published: notifying it sends nothing to the public destination.
    const draftUpdate = Number(t.db.$client.prepare("INSERT INTO incident_updates (incident_id, at, status, body_ja, published) VALUES (?, ?, 'investigating', '下書きの本文', 1)").run(incidentId, at(3)).lastInsertRowid);
    notifySubscribersOfIncidentUpdate(t.db, incidentId, draftUpdate, { baseUrl: SITE, config, now: at(3) });
    store.record([check(4, 'up')]);
    const before = rx.received.length;
    expect(await sendPendingDeliveries(t.db, at(200))).toEqual({ sent: 4, failed: 0 });
    const got = rx.received.slice(before);
    expect(got.map((r) => r.path).sort()).toEqual(['/slack', '/slack', '/teams', '/teams']);
    const slackBodies = got.filter((r) => r.path === '/slack').map((r) => JSON.parse(r.body) as { text: string; blocks: unknown[] });
    expect(slackBodies[0]!.text).toContain('*[Outage] E-learning system: The server answered HTTP 500 (expected 200-399)*');
    expect(slackBodies[0]!.text).toContain(`<${SITE}/admin/incidents/${incidentId}|Open details>`);
    expect(slackBodies[1]!.text).toContain('[Recovered] E-learning system');
    expect(slackBodies[1]!.text).toMatch(/Down for: \d+ min/);
    expect(slackBodies.every((b) => Array.isArray(b.blocks) && b.blocks.length >= 2)).toBe(true);
    const cards = got.filter((r) => r.path === '/teams').map((r) => JSON.parse(r.body) as { type: string; attachments: Array<{ contentType: string; content: { type: string; version: string; body: Array<{ type: string; text: string }>; actions: Array<{ type: string; url: string }> } }> });
    for (const c of cards) {
      expect(c.type).toBe('message');
      expect(c.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(c.attachments[0]!.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
      expect(c.attachments[0]!.content.body.every((b) => b.type === 'TextBlock')).toBe(true);
    }
    expect(cards[0]!.attachments[0]!.content.body[0]!.text).toBe('【障害検知】eラーニングシステム: HTTP 500 が返りました（正常は 200-399）');
    expect(cards[1]!.attachments[0]!.content.body[0]!.text).toBe('【復旧】eラーニングシステム');
    expect(cards[0]!.attachments[0]!.content.actions[0]).toMatchObject({ type: 'Action.OpenUrl', url: `${SITE}/admin/incidents/${incidentId}` });
    // Chat channels are read widely: no probe output, no monitor slug.
    expect(got.map((r) => r.body).join('')).not.toMatch(/expected 200-399"|elearning-web/);
    expect(slack.id).toBeGreaterThan(0);
    expect(teams.id).toBeGreaterThan(0);
    t.close();
  });

  it('sends a published incident update and a planned-stop notice to the public destination with public words only, once', async () => {
    const t = tempDb();
    const web = service(t.db, 'elearning', 'eラーニングシステム', 'E-learning system');
    addDestination(t.db, actor, input({ name: 'public', url: rx.url('/public2'), incidents: true, maintenances: true }));
    addDestination(t.db, actor, input({ name: 'ops', url: rx.url('/ops2'), alarms: true }));
    const c = t.db.$client;
    const incidentId = Number(c.prepare(`INSERT INTO incidents (key, kind, severity, title_ja, title_en, started_at, aware_at, draft, created_at, updated_at)
      VALUES ('20270115-1', 'failure', 'major', 'ログインできない障害', 'Sign-in failure', ?, ?, 0, ?, ?)`).run(at(0), at(0), at(0), at(0)).lastInsertRowid);
    c.prepare("INSERT INTO incident_services (incident_id, service_id, impact) VALUES (?, ?, 'major_outage')").run(incidentId, web);
    const hidden = Number(c.prepare("INSERT INTO incident_updates (incident_id, at, status, body_ja, published) VALUES (?, ?, 'investigating', '社内メモ: DBが落ちた', 0)").run(incidentId, at(1)).lastInsertRowid);
    const shown = Number(c.prepare("INSERT INTO incident_updates (incident_id, at, status, body_ja, body_en, published) VALUES (?, ?, 'identified', '原因を特定しました。', 'Cause identified.', 1)").run(incidentId, at(2)).lastInsertRowid);
    notifySubscribersOfIncidentUpdate(t.db, incidentId, hidden, { baseUrl: SITE, config, now: at(3) });
    notifySubscribersOfIncidentUpdate(t.db, incidentId, shown, { baseUrl: SITE, config, now: at(3) });
    notifySubscribersOfIncidentUpdate(t.db, incidentId, shown, { baseUrl: SITE, config, now: at(4) });
    const stop = Number(c.prepare(`INSERT INTO maintenances (key, category, title_ja, title_en, scheduled_start, scheduled_end, status, created_at, updated_at)
      VALUES ('m-1', 'inspection', '定期点検', 'Inspection', ?, ?, 'scheduled', ?, ?)`).run(at(10_000), at(10_120), at(0), at(0)).lastInsertRowid);
    c.prepare('INSERT INTO maintenance_services (maintenance_id, service_id) VALUES (?, ?)').run(stop, web);
    notifySubscribersOfMaintenance(t.db, stop, 'announced', { baseUrl: SITE, config, now: at(5) });
    notifySubscribersOfMaintenance(t.db, stop, 'announced', { baseUrl: SITE, config, now: at(6) });
    const before = rx.received.length;
    expect(await sendPendingDeliveries(t.db, at(200))).toEqual({ sent: 2, failed: 0 });
    const got = rx.received.slice(before).map((r) => JSON.parse(r.body) as Record<string, string>);
    expect(got.map((p) => p.type)).toEqual(['incident.update', 'maintenance.announced']);
    expect(got[0]).toMatchObject({ language: 'ja', url: `${SITE}/incidents/20270115-1`, services: ['eラーニングシステム'] });
    expect(got[0]!.text).toContain('原因を特定しました。');
    expect(got[1]!.title).toContain('計画停止のお知らせ: 定期点検');
    expect(got[1]!.url).toBe(`${SITE}/incidents/maintenance/m-1`);
    expect(JSON.stringify(got)).not.toContain('社内メモ');
    t.close();
  });

  it('deleting a destination withdraws what waits and keeps what was delivered', async () => {
    const t = tempDb();
    const d = addDestination(t.db, actor, input({ name: 'gone', url: rx.url('/gone'), alarms: true })).destination;
    queueTestMessage(t.db, actor, d.id, config.site.name, SITE, 0);
    await sendPendingDeliveries(t.db, 0);
    queueTestMessage(t.db, actor, d.id, config.site.name, SITE, 1);
    expect(deleteDestination(t.db, actor, d.id, 2)).toEqual({ withdrawn: 1 });
    const [sent, waiting] = rows(t.db);
    expect(sent).toMatchObject({ destinationId: null, nextAt: null });
    expect(sent!.sentAt).not.toBeNull();
    expect(waiting).toMatchObject({ destinationId: null, nextAt: null, sentAt: null, lastError: 'withdrawn: the destination was deleted' });
    expect(await sendPendingDeliveries(t.db, 100_000)).toEqual({ sent: 0, failed: 0 });
    t.close();
  });
});
