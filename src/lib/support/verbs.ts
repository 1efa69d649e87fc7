import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DateTime } from 'luxon';
import type { Db } from '../db';
import type { Config } from '../config';
import type { Actor } from '../audit';
import { recordAudit } from '../audit';
import { AppError, jsonPath, fieldIssue } from '../errors';
import { enqueueMail, withdrawMail } from '../mail/outbox';
import type { Lang } from '../i18n';
import {
  supportChannels, supportCategories, supportStatuses, transitions, isClosed, acknowledgedAtReception,
  surveyQuestions, surveyScore, surveyChoices, DISMISSED, type SupportStatus, type SupportChannel, type SurveyChoice,
} from './model';
import { acknowledgementMail, statusMail, surveyMail } from './mails';

/**
 * The desk's verbs: raise an item (public form, a signed-in client, an admin for a call),
 * change its status (the requester is told every time), agree the approach, log minutes,
 * and the one-time satisfaction survey. Each verb validates its input, runs in one
 * transaction (the item, its timeline, its mail and its audit entry together or not at
 * all) and takes `now`.
 */
export interface DeskOptions {
  baseUrl: string;
  siteName: { ja: string; en: string };
  zone: string;
  support: Config['support'];
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => fieldIssue(i, jsonPath(i.path)));
    throw new AppError('VALIDATION', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  return r.data;
}

const trimmed = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) => trimmed(max).transform((v) => (v === '' ? null : v)).nullable().optional().transform((v) => v ?? null);
const email = z.string().trim().toLowerCase().pipe(z.email().max(254));

function serviceIdOf(db: Db, slug: string | null): number | null {
  if (slug === null) return null;
  const id = db.$client.prepare('SELECT id FROM services WHERE slug = ?').pluck().get(slug) as number | undefined;
  if (id === undefined) throw new AppError('VALIDATION', `service: no service "${slug}"`, [{ path: '$.service', message: 'unknown_service' }]);
  return id;
}

/** The public form's fields (CONTRACTS.md: email, name, service, category, body). */
export function formItemSchema(bodyMax: number) {
  return z.strictObject({
    email,
    name: optionalText(100),
    service: z.string().trim().min(1).max(100),
    category: z.enum(supportCategories),
    body: trimmed(bodyMax).min(1),
  });
}
export type FormItemInput = z.input<ReturnType<typeof formItemSchema>>;

/** An item an admin enters: a phone call, a visit, or a mail that arrived. */
export function adminItemSchema(bodyMax: number) {
  return z.strictObject({
    channel: z.enum(supportChannels),
    category: z.enum(supportCategories),
    service: optionalText(100),
    email: z.union([z.literal('').transform(() => null), email]).nullable().optional().transform((v) => v ?? null),
    name: optionalText(100),
    body: trimmed(bodyMax).min(1),
    receivedAt: z.number().int().positive(),
  }).superRefine((v, ctx) => {
    if ((v.channel === 'mail' || v.channel === 'form') && v.email === null) ctx.addIssue({ code: 'custom', path: ['email'], message: 'required' });
  });
}
export type AdminItemInput = z.input<ReturnType<typeof adminItemSchema>>;

interface NewItem {
  channel: SupportChannel;
  category: (typeof supportCategories)[number];
  raisedBy: 'learner' | 'client' | 'admin';
  serviceId: number | null;
  email: string | null;
  name: string | null;
  userId: number | null;
  lang: Lang;
  body: string;
  receivedAt: number;
}

function insertItem(db: Db, item: NewItem, actor: Actor, now: number, opts: DeskOptions): number {
  const c = db.$client;
  const atReception = acknowledgedAtReception(item.channel);
  const res = c.prepare(`INSERT INTO support_items (channel, category, status, raised_by, service_id, requester_email, requester_name, requester_user_id, lang, body,
      received_at, acknowledged_at, created_at, updated_at) VALUES (?, ?, 'received', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(item.channel, item.category, item.raisedBy, item.serviceId, item.email, item.name, item.userId, item.lang, item.body,
      item.receivedAt, atReception ? item.receivedAt : null, now, now);
  const id = Number(res.lastInsertRowid);
  c.prepare(`INSERT INTO support_events (item_id, at, kind, to_status, user_id, actor) VALUES (?, ?, 'received', 'received', ?, ?)`)
    .run(id, item.receivedAt, actor.id, actor.email);
  // Mail and form: the one acknowledgement mail of the item; its send time is the acknowledgement.
  if (!atReception && item.email) {
    const statusUrl = item.raisedBy === 'client' ? `${opts.baseUrl}/reports/support/` : null;
    const outboxId = enqueueMail(db, acknowledgementMail(item.email, item.lang, opts.support.desk, id, statusUrl), now);
    c.prepare('UPDATE support_items SET ack_outbox_id = ? WHERE id = ?').run(outboxId, id);
  }
  return id;
}

/**
 * An item from the public form (a learner) or from a signed-in client (`userId`), with its
 * acknowledgement mail. The caller has applied the rate limits.
 */
export function raiseFromForm(db: Db, input: FormItemInput, who: { userId: number | null; lang: Lang }, now: number, opts: DeskOptions): number {
  const v = parse(formItemSchema(opts.support.body_max_chars), input);
  return db.$client.transaction(() => {
    const serviceId = serviceIdOf(db, v.service);
    const actor: Actor = { id: who.userId, email: who.userId === null ? 'form' : v.email };
    return insertItem(db, {
      channel: 'form', category: v.category, raisedBy: who.userId === null ? 'learner' : 'client', serviceId, email: v.email, name: v.name,
      userId: who.userId, lang: who.lang, body: v.body, receivedAt: now,
    }, actor, now, opts);
  }).immediate();
}

/**
 * An address as the per-address limit counts it: lower-case, and without a `+tag` in the
 * local part, since `target+1@…` and `target+30@…` reach the same mailbox.
 */
export function mailboxOf(address: string): string {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  if (at < 0) return a;
  const local = a.slice(0, at);
  const plus = local.indexOf('+');
  return `${plus < 0 ? local : local.slice(0, plus)}${a.slice(at)}`;
}

/** Items the form raised in the last hour for this address's mailbox (the per-address limit). */
export function recentItemsFrom(db: Db, address: string, now: number): number {
  const mailbox = mailboxOf(address);
  const recent = db.$client.prepare("SELECT requester_email FROM support_items WHERE received_at > ? AND channel = 'form' AND requester_email IS NOT NULL")
    .pluck().all(now - 3_600_000) as string[];
  return recent.filter((e) => mailboxOf(e) === mailbox).length;
}

/** An item an admin enters for a phone call, a visit or a mail; phone and in person are acknowledged at reception. */
export function raiseByAdmin(db: Db, actor: Actor, input: AdminItemInput, now: number, opts: DeskOptions): number {
  const v = parse(adminItemSchema(opts.support.body_max_chars), input);
  if (v.receivedAt > now + 60_000) throw new AppError('VALIDATION', 'receivedAt: in the future', [{ path: '$.receivedAt', message: 'in_future' }]);
  return db.$client.transaction(() => {
    const serviceId = serviceIdOf(db, v.service);
    const id = insertItem(db, {
      channel: v.channel, category: v.category, raisedBy: 'admin', serviceId, email: v.email, name: v.name, userId: null,
      lang: 'ja', body: v.body, receivedAt: v.receivedAt,
    }, actor, now, opts);
    recordAudit(db, actor, 'support.item_created', 'support_item', id, null, { channel: v.channel, category: v.category }, now);
    return id;
  }).immediate();
}

interface ItemState { id: number; status: SupportStatus; email: string | null; lang: Lang; closedAt: number | null }

function itemState(db: Db, id: number): ItemState {
  const row = db.$client.prepare('SELECT id, status, requester_email AS email, lang, closed_at AS closedAt FROM support_items WHERE id = ?').get(id) as ItemState | undefined;
  if (!row) throw new AppError('NOT_FOUND', `no support item ${id}`);
  return row;
}

export const statusChangeSchema = z.strictObject({
  to: z.enum(supportStatuses),
  note: optionalText(2000),
  /** How the requester was told when there is no address to mail: the admin called or met them. */
  reportedVia: z.enum(['phone', 'in_person']).nullable().optional().transform((v) => v ?? null),
});

/**
 * Moves an item along 受付 → 対応中 → 協議中 → 完了 / 見送り. The requester is told of every
 * change: by mail when there is an address, else the admin records the call. Closing an
 * item sends its one-time survey link. Closing it as spam or out of scope (`dismissed`)
 * tells nobody: no mail, no survey, and its mails still queued (the acknowledgement
 * included) are withdrawn and its unanswered survey links expire.
 */
export function changeStatus(db: Db, actor: Actor, itemId: number, input: z.input<typeof statusChangeSchema>, now: number, opts: DeskOptions): void {
  const v = parse(statusChangeSchema, input);
  db.$client.transaction(() => {
    const item = itemState(db, itemId);
    if (!transitions[item.status].includes(v.to)) {
      throw new AppError('CONFLICT', `status: cannot go from ${item.status} to ${v.to}`, [{ path: '$.to', message: 'invalid' }]);
    }
    const dismissing = v.to === DISMISSED;
    if (!item.email && !v.reportedVia && !dismissing) {
      throw new AppError('VALIDATION', 'reportedVia: the requester has no address; record how they were told', [{ path: '$.reportedVia', message: 'required' }]);
    }
    let outboxId: number | null = null;
    if (item.email && !dismissing) outboxId = enqueueMail(db, statusMail(item.email, item.lang, opts.siteName[item.lang], item.id, v.to, v.note), now);
    const closing = isClosed(v.to);
    db.$client.prepare('UPDATE support_items SET status = ?, closed_at = ?, updated_at = ? WHERE id = ?').run(v.to, closing ? now : null, now, item.id);
    db.$client.prepare(`INSERT INTO support_events (item_id, at, kind, from_status, to_status, text, reported_via, outbox_id, user_id, actor)
      VALUES (?, ?, 'status', ?, ?, ?, ?, ?, ?, ?)`).run(item.id, now, item.status, v.to, v.note, dismissing ? null : item.email ? 'mail' : v.reportedVia, outboxId, actor.id, actor.email);
    if (dismissing) {
      const withdrawn = withdrawMail(db, itemMailIds(db, item.id), 'the support item was closed as spam or out of scope', now);
      db.$client.prepare('UPDATE survey_invitations SET expires_at = min(expires_at, ?) WHERE item_id = ? AND used_at IS NULL').run(now, item.id);
      recordAudit(db, actor, 'support.dismiss', 'support_item', item.id, { status: item.status }, { status: v.to, note: v.note, mailsWithdrawn: withdrawn }, now);
      return;
    }
    recordAudit(db, actor, 'support.status', 'support_item', item.id, { status: item.status }, { status: v.to }, now);
    if (closing && item.email) {
      const sent = db.$client.prepare('SELECT 1 FROM survey_invitations WHERE item_id = ?').get(item.id);
      if (!sent) {
        issueSurvey(db, { itemId: item.id, campaign: null, email: item.email, lang: item.lang }, now, opts);
        db.$client.prepare(`INSERT INTO support_events (item_id, at, kind, user_id, actor) VALUES (?, ?, 'survey_sent', ?, ?)`).run(item.id, now, actor.id, actor.email);
      }
    }
  }).immediate();
}

/** Every mail the desk queued for an item: its acknowledgement, status mails and survey links. */
function itemMailIds(db: Db, itemId: number): number[] {
  return db.$client.prepare(`SELECT ack_outbox_id FROM support_items WHERE id = @id AND ack_outbox_id IS NOT NULL
    UNION SELECT outbox_id FROM support_events WHERE item_id = @id AND outbox_id IS NOT NULL
    UNION SELECT outbox_id FROM survey_invitations WHERE item_id = @id AND outbox_id IS NOT NULL`).pluck().all({ id: itemId }) as number[];
}

export const approachSchema = z.strictObject({ approach: trimmed(4000).min(1), agreedAt: z.number().int().positive() });

/** Records the approach agreed with the client (000 §11(3)). */
export function agreeApproach(db: Db, actor: Actor, itemId: number, input: z.input<typeof approachSchema>, now: number): void {
  const v = parse(approachSchema, input);
  if (v.agreedAt > now + 60_000) throw new AppError('VALIDATION', 'agreedAt: in the future', [{ path: '$.agreedAt', message: 'in_future' }]);
  db.$client.transaction(() => {
    const item = itemState(db, itemId);
    db.$client.prepare('UPDATE support_items SET approach = ?, approach_agreed_at = ?, updated_at = ? WHERE id = ?').run(v.approach, v.agreedAt, now, item.id);
    db.$client.prepare(`INSERT INTO support_events (item_id, at, kind, text, user_id, actor) VALUES (?, ?, 'approach', ?, ?, ?)`).run(item.id, v.agreedAt, v.approach, actor.id, actor.email);
    recordAudit(db, actor, 'support.approach', 'support_item', item.id, null, { agreedAt: v.agreedAt }, now);
  }).immediate();
}

export const noteSchema = z.strictObject({ text: trimmed(4000).min(1) });

/** An internal note on the timeline (admins only). */
export function addNote(db: Db, actor: Actor, itemId: number, input: z.input<typeof noteSchema>, now: number): void {
  const v = parse(noteSchema, input);
  db.$client.transaction(() => {
    const item = itemState(db, itemId);
    db.$client.prepare(`INSERT INTO support_events (item_id, at, kind, text, user_id, actor) VALUES (?, ?, 'note', ?, ?, ?)`).run(item.id, now, v.text, actor.id, actor.email);
  }).immediate();
}

export const minutesSchema = z.strictObject({
  minutes: z.number().int().min(1).max(24 * 60),
  workedAt: z.number().int().positive(),
  note: optionalText(500),
});

/** Minutes an admin spent on an item: the only source of the month's support hours. */
export function logMinutes(db: Db, actor: Actor & { id: number }, itemId: number, input: z.input<typeof minutesSchema>, now: number): number {
  const v = parse(minutesSchema, input);
  if (v.workedAt > now + 60_000) throw new AppError('VALIDATION', 'workedAt: in the future', [{ path: '$.workedAt', message: 'in_future' }]);
  return db.$client.transaction(() => {
    const item = itemState(db, itemId);
    const res = db.$client.prepare('INSERT INTO support_minutes (item_id, user_id, actor, minutes, worked_at, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(item.id, actor.id, actor.email, v.minutes, v.workedAt, v.note, now);
    recordAudit(db, actor, 'support.minutes', 'support_item', item.id, null, { minutes: v.minutes, workedAt: v.workedAt }, now);
    return Number(res.lastInsertRowid);
  }).immediate();
}

// ---- The satisfaction survey -------------------------------------------------------------

export const hashSurveyToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Sends one survey link (an item's, or a campaign's) and returns the token, which is stored only as its hash. */
export function issueSurvey(db: Db, who: { itemId: number | null; campaign: string | null; email: string; lang: Lang }, now: number, opts: DeskOptions): string {
  const token = randomBytes(24).toString('base64url');
  const expiresAt = now + opts.support.survey_valid_days * 86_400_000;
  const url = `${opts.baseUrl}${who.lang === 'en' ? '/en' : ''}/survey/${token}`;
  const expiresText = DateTime.fromMillis(expiresAt, { zone: opts.zone }).toFormat('yyyy-LL-dd HH:mm');
  const outboxId = enqueueMail(db, surveyMail(who.email, who.lang, opts.siteName[who.lang], url, expiresText, who.itemId), now);
  db.$client.prepare(`INSERT INTO survey_invitations (item_id, campaign, email, lang, token_hash, sent_at, expires_at, outbox_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(who.itemId, who.campaign, who.email, who.lang, hashSurveyToken(token), now, expiresAt, outboxId);
  return token;
}

/**
 * Who the year's survey campaign would mail now: each requester of an item closed in the last
 * year, not yet invited this year. Only requesters the desk served: an item closed as spam or
 * out of scope earns no survey.
 */
export function surveyCampaignRecipients(db: Db, now: number, zone: string): { campaign: string; rows: { email: string; lang: Lang }[] } {
  const campaign = DateTime.fromMillis(now, { zone }).toFormat('yyyy');
  const rows = db.$client.prepare(`SELECT requester_email AS email, max(lang) AS lang FROM support_items
    WHERE requester_email IS NOT NULL AND closed_at IS NOT NULL AND closed_at > ? AND status <> 'dismissed'
      AND requester_email NOT IN (SELECT email FROM survey_invitations WHERE campaign = ?)
    GROUP BY requester_email ORDER BY requester_email`).all(now - 365 * 86_400_000, campaign) as { email: string; lang: Lang }[];
  return { campaign, rows };
}

/**
 * The yearly campaign: a survey link to every requester whose item closed in the last 365
 * days (spam and out-of-scope items aside), once per address and campaign. Returns how many were sent.
 */
export function startSurveyCampaign(db: Db, actor: Actor, now: number, opts: DeskOptions): { campaign: string; sent: number } {
  return db.$client.transaction(() => {
    const { campaign, rows } = surveyCampaignRecipients(db, now, opts.zone);
    for (const r of rows) issueSurvey(db, { itemId: null, campaign, email: r.email, lang: r.lang }, now, opts);
    recordAudit(db, actor, 'support.survey_campaign', 'survey_campaign', campaign, null, { sent: rows.length }, now);
    return { campaign, sent: rows.length };
  }).immediate();
}

export type SurveyState = { state: 'open'; lang: Lang; itemId: number | null } | { state: 'used' | 'expired' | 'invalid'; lang: Lang };

export function readSurvey(db: Db, token: string, now: number): SurveyState {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return { state: 'invalid', lang: 'ja' };
  const row = db.$client.prepare('SELECT item_id AS itemId, lang, expires_at AS expiresAt, used_at AS usedAt FROM survey_invitations WHERE token_hash = ?')
    .get(hashSurveyToken(token)) as { itemId: number | null; lang: Lang; expiresAt: number; usedAt: number | null } | undefined;
  if (!row) return { state: 'invalid', lang: 'ja' };
  if (row.usedAt !== null) return { state: 'used', lang: row.lang };
  if (row.expiresAt <= now) return { state: 'expired', lang: row.lang };
  return { state: 'open', lang: row.lang, itemId: row.itemId };
}

export const surveyAnswerSchema = z.strictObject({
  q1: z.enum(surveyChoices), q2: z.enum(surveyChoices), q3: z.enum(surveyChoices), q4: z.enum(surveyChoices), q5: z.enum(surveyChoices),
  comment: optionalText(2000),
});

/** Records the answers once: the link is spent in the same statement that checks it, so a second send is refused. */
export function answerSurvey(db: Db, token: string, input: z.input<typeof surveyAnswerSchema>, now: number): SurveyState['state'] | 'answered' {
  const state = readSurvey(db, token, now);
  if (state.state !== 'open') return state.state;
  const v = parse(surveyAnswerSchema, input);
  return db.$client.transaction(() => {
    const row = db.$client.prepare('UPDATE survey_invitations SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING id')
      .get(now, hashSurveyToken(token), now) as { id: number } | undefined;
    if (!row) return 'used' as const;
    const score = (q: SurveyChoice) => surveyScore[q];
    db.$client.prepare('INSERT INTO survey_answers (invitation_id, answered_at, q1, q2, q3, q4, q5, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(row.id, now, ...surveyQuestions.map((q) => score(v[q])), v.comment);
    return 'answered' as const;
  }).immediate();
}
