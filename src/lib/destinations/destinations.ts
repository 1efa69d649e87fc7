import { z } from 'zod';
import type { Db } from '../db';
import { inTransaction } from '../db';
import { AppError } from '../errors';
import { recordAudit, type Actor } from '../audit';
import type { Lang } from '../i18n';
import { destinationKinds } from '../../../db/schema/destinations';
import { withdraw } from '../outbox/claim';
import { newSigningSecret, newWebhookId } from './sign';
import { bodyFor, type Notice } from './messages';
import { log } from '../log';

/**
 * Destinations: where notifications go besides mail (a signed generic webhook, Slack, Teams).
 * Admins make, edit, pause and delete them on /admin/destinations; each change is in the
 * audit log without its URL or secret, which are write-only once saved.
 */
export { destinationKinds };
export type DestinationKind = (typeof destinationKinds)[number];
export const destinationTopics = ['alarms', 'incidents', 'maintenances'] as const;
export type DestinationTopic = (typeof destinationTopics)[number];

export interface Destination {
  id: number;
  name: string;
  kind: DestinationKind;
  alarms: boolean;
  incidents: boolean;
  maintenances: boolean;
  allServices: boolean;
  serviceIds: number[];
  lang: Lang;
  pausedAt: number | null;
  createdAt: number;
  /** The URL as admins see it once saved: its scheme and host, the rest masked. */
  maskedUrl: string;
  /** Messages given up, with the last one's reason (shown beside the destination). */
  failed: number;
  lastFailure: string | null;
  pending: number;
  lastSentAt: number | null;
}

/** Blank (on an edit: keep the saved one) or an http(s) URL. */
const httpUrl = z.string().trim().max(2000).refine((v) => {
  if (v === '') return true;
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    return false;
  }
}, 'url');

const checkbox = z.union([z.boolean(), z.literal('on'), z.literal('')]).transform((v) => v === true || v === 'on').default(false);

/** The form: a blank URL on an edit keeps the saved one. */
export const destinationSchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  kind: z.enum(destinationKinds),
  url: httpUrl.default(''),
  lang: z.enum(['ja', 'en']).default('ja'),
  alarms: checkbox,
  incidents: checkbox,
  maintenances: checkbox,
  allServices: checkbox,
  serviceIds: z.array(z.coerce.number().int().positive()).default([]),
}).superRefine((v, ctx) => {
  if (!v.alarms && !v.incidents && !v.maintenances) ctx.addIssue({ code: 'custom', path: ['topics'], message: 'chooseOne' });
  if (!v.allServices && v.serviceIds.length === 0) ctx.addIssue({ code: 'custom', path: ['serviceIds'], message: 'chooseOne' });
});
export type DestinationInput = z.infer<typeof destinationSchema>;

/** `https://hooks.slack.com/…`: enough to tell destinations apart, never the credential. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '…';
  }
}

interface Row { id: number; name: string; kind: DestinationKind; url: string; alarms: number; incidents: number; maintenances: number; allServices: number; lang: Lang; pausedAt: number | null; createdAt: number }
const COLUMNS = 'id, name, kind, url, alarms, incidents, maintenances, all_services AS allServices, lang, paused_at AS pausedAt, created_at AS createdAt';

function servicesOf(db: Db, id: number): number[] {
  return db.$client.prepare('SELECT service_id FROM destination_services WHERE destination_id = ? ORDER BY service_id').pluck().all(id) as number[];
}

function toDestination(db: Db, r: Row): Destination {
  const stats = db.$client.prepare(`SELECT COALESCE(SUM(failed_at IS NOT NULL), 0) AS failed, COALESCE(SUM(next_attempt_at IS NOT NULL), 0) AS pending, max(sent_at) AS lastSentAt,
      (SELECT last_error FROM destination_outbox WHERE destination_id = @id AND failed_at IS NOT NULL ORDER BY failed_at DESC, id DESC LIMIT 1) AS lastFailure
    FROM destination_outbox WHERE destination_id = @id`).get({ id: r.id }) as { failed: number; pending: number; lastSentAt: number | null; lastFailure: string | null };
  return {
    id: r.id, name: r.name, kind: r.kind, lang: r.lang, pausedAt: r.pausedAt, createdAt: r.createdAt,
    alarms: r.alarms === 1, incidents: r.incidents === 1, maintenances: r.maintenances === 1, allServices: r.allServices === 1,
    serviceIds: servicesOf(db, r.id), maskedUrl: maskUrl(r.url), ...stats,
  };
}

export function listDestinations(db: Db): Destination[] {
  return (db.$client.prepare(`SELECT ${COLUMNS} FROM destinations ORDER BY id`).all() as Row[]).map((r) => toDestination(db, r));
}

export function destinationById(db: Db, id: number): Destination | null {
  const r = db.$client.prepare(`SELECT ${COLUMNS} FROM destinations WHERE id = ?`).get(id) as Row | undefined;
  return r ? toDestination(db, r) : null;
}

/** What the audit log keeps of a destination: never its URL or secret. */
function auditView(d: Destination): Record<string, unknown> {
  return { name: d.name, kind: d.kind, url: d.maskedUrl, lang: d.lang, alarms: d.alarms, incidents: d.incidents, maintenances: d.maintenances, all_services: d.allServices, service_ids: d.serviceIds, paused: d.pausedAt !== null };
}

function checkServices(db: Db, ids: number[]): void {
  const known = new Set(db.$client.prepare('SELECT id FROM services').pluck().all() as number[]);
  if (ids.some((id) => !known.has(id))) throw new AppError('VALIDATION', 'unknown service', [{ path: '$.serviceIds', message: 'unknown_service' }]);
}

function saveServices(db: Db, id: number, input: DestinationInput): void {
  db.$client.prepare('DELETE FROM destination_services WHERE destination_id = ?').run(id);
  if (input.allServices) return;
  const add = db.$client.prepare('INSERT OR IGNORE INTO destination_services (destination_id, service_id) VALUES (?, ?)');
  for (const s of input.serviceIds) add.run(id, s);
}

/**
 * Makes a destination. Returns it with the generic webhook's signing secret, which is shown
 * this once and never again.
 */
export function addDestination(db: Db, actor: Actor, input: DestinationInput, now = Date.now()): { destination: Destination; secret: string | null } {
  if (!input.url) throw new AppError('VALIDATION', 'url is required', [{ path: '$.url', message: 'required' }]);
  return inTransaction(db, () => {
    checkServices(db, input.serviceIds);
    const secret = input.kind === 'webhook' ? newSigningSecret() : null;
    const id = Number(db.$client.prepare(`INSERT INTO destinations (name, kind, url, secret, alarms, incidents, maintenances, all_services, lang, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(input.name, input.kind, input.url, secret, +input.alarms, +input.incidents, +input.maintenances, +input.allServices, input.lang, now, now).lastInsertRowid);
    saveServices(db, id, input);
    const destination = destinationById(db, id)!;
    recordAudit(db, actor, 'destination.add', 'destination', id, null, auditView(destination), now);
    return { destination, secret };
  });
}

/** Changes a destination; a blank URL keeps the saved one. Its kind cannot change (a new kind is a new destination). */
export function updateDestination(db: Db, actor: Actor, id: number, input: DestinationInput, now = Date.now()): Destination {
  return inTransaction(db, () => {
    const before = destinationById(db, id);
    if (!before) throw new AppError('NOT_FOUND', `no destination ${id}`);
    if (input.kind !== before.kind) throw new AppError('VALIDATION', 'kind cannot change', [{ path: '$.kind', message: 'invalid' }]);
    checkServices(db, input.serviceIds);
    db.$client.prepare(`UPDATE destinations SET name = ?, url = coalesce(?, url), alarms = ?, incidents = ?, maintenances = ?, all_services = ?, lang = ?, updated_at = ? WHERE id = ?`)
      .run(input.name, input.url || null, +input.alarms, +input.incidents, +input.maintenances, +input.allServices, input.lang, now, id);
    saveServices(db, id, input);
    const after = destinationById(db, id)!;
    recordAudit(db, actor, 'destination.update', 'destination', id, auditView(before), { ...auditView(after), url_changed: Boolean(input.url) }, now);
    return after;
  });
}

/** Pauses or resumes: a paused destination is sent nothing new, and what it had queued waits until it resumes. */
export function pauseDestination(db: Db, actor: Actor, id: number, paused: boolean, now = Date.now()): void {
  inTransaction(db, () => {
    const changed = db.$client.prepare(`UPDATE destinations SET paused_at = ?, updated_at = ? WHERE id = ? AND (paused_at IS NULL) = ?`).run(paused ? now : null, now, id, paused ? 1 : 0).changes;
    if (changed === 0) throw new AppError('NOT_FOUND', `no destination ${id} to ${paused ? 'pause' : 'resume'}`);
    recordAudit(db, actor, paused ? 'destination.pause' : 'destination.resume', 'destination', id, null, { paused }, now);
  });
}

/**
 * Deletes a destination with its URL and secret. Its delivered and given-up messages stay as
 * history (under its name); those still waiting are withdrawn, never sent. A message being
 * sent at this moment finishes its try.
 */
export function deleteDestination(db: Db, actor: Actor, id: number, now = Date.now()): { withdrawn: number } {
  return inTransaction(db, () => {
    const before = destinationById(db, id);
    if (!before) throw new AppError('NOT_FOUND', `no destination ${id}`);
    const withdrawn = withdraw(db.$client, 'destination_outbox', { sql: 'destination_id = ?', params: [id] }, 'the destination was deleted', now);
    db.$client.prepare('DELETE FROM destinations WHERE id = ?').run(id);
    recordAudit(db, actor, 'destination.delete', 'destination', id, auditView(before), { withdrawn }, now);
    return { withdrawn };
  });
}

/** A destination's URL and secret, for the sender alone. */
export function deliveryTarget(db: Db, id: number): { kind: DestinationKind; url: string; secret: string | null } | null {
  return (db.$client.prepare('SELECT kind, url, secret FROM destinations WHERE id = ?').get(id) as { kind: DestinationKind; url: string; secret: string | null } | undefined) ?? null;
}

/**
 * Queues a notice to every active destination that takes `topic` for one of `serviceIds`,
 * in its language, once per destination and `eventKey`. Call it inside the transaction that
 * decides to send (as mail is queued), so the message exists exactly when what it tells does.
 * `notice` builds the words in a language. Returns how many messages were queued.
 */
export function enqueueNotice(db: Db, topic: DestinationTopic | 'test', eventKey: string, serviceIds: number[], notice: (lang: Lang) => Notice, now: number, only: number | null = null): number {
  const marks = serviceIds.map(() => '?').join(',') || 'NULL';
  const targets = topic === 'test'
    ? db.$client.prepare('SELECT id, name, kind, lang FROM destinations WHERE id = ?').all(only)
    : db.$client.prepare(`SELECT d.id, d.name, d.kind, d.lang FROM destinations d WHERE d.paused_at IS NULL AND d.${topic} = 1
        AND (d.all_services = 1 OR EXISTS (SELECT 1 FROM destination_services x WHERE x.destination_id = d.id AND x.service_id IN (${marks})))
        ORDER BY d.id`).all(...serviceIds);
  const insert = db.$client.prepare(`INSERT OR IGNORE INTO destination_outbox (destination_id, destination_name, topic, event_key, webhook_id, body, created_at, next_attempt_at, attempts)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`);
  const byLang = new Map<Lang, Notice>();
  let queued = 0;
  for (const d of targets as Array<{ id: number; name: string; kind: DestinationKind; lang: Lang }>) {
    if (!byLang.has(d.lang)) byLang.set(d.lang, notice(d.lang));
    const id = newWebhookId();
    queued += insert.run(d.id, d.name, topic, eventKey, id, bodyFor(d.kind, byLang.get(d.lang)!, id), now, now).changes;
  }
  if (queued > 0) log.info('destinations.queued', { topic, event: eventKey, count: queued });
  return queued;
}

/** The "send a test message" button: one message now, in the destination's language. */
export function queueTestMessage(db: Db, actor: Actor, id: number, siteName: Record<Lang, string>, siteUrl: string, now = Date.now()): void {
  inTransaction(db, () => {
    const d = destinationById(db, id);
    if (!d) throw new AppError('NOT_FOUND', `no destination ${id}`);
    enqueueNotice(db, 'test', `test:${now}:${newWebhookId()}`, [], (lang) => ({
      type: 'test', occurredAt: now, services: [], lang, url: `${siteUrl}/admin/destinations`,
      title: lang === 'en' ? `[${siteName.en}] Test message` : `[${siteName.ja}] テスト送信`,
      text: lang === 'en' ? `This is a test message to the destination "${d.name}". Notifications will arrive here.` : `送信先「${d.name}」へのテスト送信です。通知はここに届きます。`,
    }), now, id);
    recordAudit(db, actor, 'destination.test', 'destination', id, null, { queued_at: now }, now);
  });
}
