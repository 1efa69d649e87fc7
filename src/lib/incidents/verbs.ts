import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '../db';
import { AppError, fieldIssue } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { formatInZone } from '../time';
import { publicTitle, quickTitles, type QuickImpact } from './titles';
import { incidents, incidentServices, incidentUpdates, services, monitors, falsePositives } from '../../../db/schema/index';
import {
  createIncidentSchema, incidentFieldsSchema, updateInputSchema, incidentTimeFields,
  type CreateIncidentInput, type IncidentFields, type UpdateInput, type IncidentTimeField,
} from './input';

export type IncidentRow = typeof incidents.$inferSelect;
export type UpdateRow = typeof incidentUpdates.$inferSelect;

export interface IncidentDetail extends IncidentRow {
  services: Array<{ serviceId: number; slug: string; nameJa: string; nameEn: string | null; impact: string }>;
  updates: UpdateRow[];
}

/** Validates with a schema; the issues name each field (`titleJa`, `services[0].impact`). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => fieldIssue(i, i.path.map(String).join('.')));
    throw new AppError('VALIDATION', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  return parsed.data;
}

const FUTURE_SLACK_MS = 5 * 60_000;

export function getIncident(db: Db, id: number): IncidentDetail | null {
  const row = db.select().from(incidents).where(eq(incidents.id, id)).get();
  if (!row) return null;
  const svc = db.select({ serviceId: incidentServices.serviceId, slug: services.slug, nameJa: services.nameJa, nameEn: services.nameEn, impact: incidentServices.impact })
    .from(incidentServices).innerJoin(services, eq(services.id, incidentServices.serviceId)).where(eq(incidentServices.incidentId, id)).orderBy(asc(services.sortOrder), asc(services.id)).all();
  const updates = db.select().from(incidentUpdates).where(eq(incidentUpdates.incidentId, id)).orderBy(desc(incidentUpdates.at), desc(incidentUpdates.id)).all();
  return { ...row, services: svc, updates };
}

function requireIncident(db: Db, id: number): IncidentDetail {
  const found = getIncident(db, id);
  if (!found) throw new AppError('NOT_FOUND', `no incident ${id}`);
  return found;
}

/** Open (not recovered) confirmed incidents first, then recent ones; drafts apart. */
export function listIncidents(db: Db, opts: { limit?: number } = {}): IncidentRow[] {
  return db.select().from(incidents).where(eq(incidents.draft, false))
    .orderBy(sql`${incidents.recoveredAt} IS NOT NULL`, desc(incidents.startedAt)).limit(opts.limit ?? 200).all();
}

/** Drafts the probe opened that nobody has confirmed, merged or dismissed yet. */
export function listOpenDrafts(db: Db): IncidentRow[] {
  return db.select().from(incidents).where(and(eq(incidents.draft, true), isNull(incidents.dismissedAt), isNull(incidents.mergedIntoId)))
    .orderBy(desc(incidents.startedAt)).all();
}

function checkServices(db: Db, list: IncidentFields['services']): void {
  if (list.length === 0) return;
  const known = new Set(db.select({ id: services.id }).from(services).where(inArray(services.id, list.map((s) => s.serviceId))).all().map((s) => s.id));
  list.forEach((s, i) => {
    if (!known.has(s.serviceId)) throw new AppError('VALIDATION', `services[${i}]: no service ${s.serviceId}`, [{ path: 'services', message: 'unknown_service' }]);
  });
}

function writeServices(db: Db, id: number, list: IncidentFields['services']): void {
  db.delete(incidentServices).where(eq(incidentServices.incidentId, id)).run();
  if (list.length) db.insert(incidentServices).values(list.map((s) => ({ incidentId: id, serviceId: s.serviceId, impact: s.impact }))).run();
}

const snapshot = (d: IncidentDetail) => {
  const { updates, ...rest } = d;
  return { ...rest, services: d.services.map((s) => ({ service: s.slug, impact: s.impact })), updates: updates.length };
};

export interface Notify {
  /** Called after an update is published and committed (subscriber notices). */
  onPublished?: (incidentId: number, updateId: number) => void | Promise<void>;
}

/** Creates a confirmed incident with its services and, optionally, the first update. */
export function createIncident(db: Db, actor: Actor, input: CreateIncidentInput, now = Date.now(), zone = 'Asia/Tokyo'): IncidentDetail {
  const v = parseInput(createIncidentSchema, input);
  if (v.startedAt > now + FUTURE_SLACK_MS) throw new AppError('VALIDATION', 'startedAt: in the future', [{ path: 'startedAt', message: 'in_future' }]);
  // An incident recorded by hand is known from the moment it is recorded (SLA.md), so its
  // timers run at once; an admin who knew earlier gives that earlier time.
  const awareAt = v.awareAt ?? Math.max(now, v.startedAt);
  if (awareAt > now + FUTURE_SLACK_MS) throw new AppError('VALIDATION', 'awareAt: in the future', [{ path: 'awareAt', message: 'in_future' }]);
  if (awareAt < v.startedAt) throw new AppError('VALIDATION', 'awareAt: before the start', [{ path: 'awareAt', message: 'before_start' }]);
  return db.$client.transaction(() => {
    checkServices(db, v.services);
    const tmpKey = `new-${now}-${Math.random().toString(36).slice(2)}`;
    const row = db.insert(incidents).values({
      key: tmpKey, kind: v.kind, severity: v.severity, titleJa: v.titleJa, titleEn: v.titleEn, startedAt: v.startedAt, awareAt,
      cause: v.cause, fix: v.fix, prevention: v.prevention, causeKnown: v.causeKnown, causeCategory: v.causeCategory ?? null, forceMajeure: v.forceMajeure,
      forceMajeureReason: v.forceMajeure ? v.forceMajeureReason : null, draft: false, createdAt: now, updatedAt: now,
    }).returning({ id: incidents.id }).get();
    db.update(incidents).set({ key: `${formatInZone(v.startedAt, zone, 'yyyyLLdd')}-${row.id}` }).where(eq(incidents.id, row.id)).run();
    writeServices(db, row.id, v.services);
    if (v.firstUpdate) {
      db.insert(incidentUpdates).values({ incidentId: row.id, at: now, ...v.firstUpdate }).run();
    }
    const after = requireIncident(db, row.id);
    recordAudit(db, actor, 'incident.create', 'incident', row.id, null, snapshot(after), now);
    return after;
  }).immediate();
}

/** Edits what an incident says (kind, severity, titles, services, cause, fix, prevention, force majeure). */
export function editIncident(db: Db, actor: Actor, id: number, input: IncidentFields, now = Date.now()): IncidentDetail {
  const v = parseInput(incidentFieldsSchema, input);
  return db.$client.transaction(() => {
    const before = requireIncident(db, id);
    checkServices(db, v.services);
    db.update(incidents).set({
      kind: v.kind, severity: v.severity, titleJa: v.titleJa, titleEn: v.titleEn, cause: v.cause, fix: v.fix, prevention: v.prevention,
      causeKnown: v.causeKnown, ...(v.causeCategory !== undefined ? { causeCategory: v.causeCategory } : {}),
      forceMajeure: v.forceMajeure, forceMajeureReason: v.forceMajeure ? v.forceMajeureReason : null, updatedAt: now,
    }).where(eq(incidents.id, id)).run();
    writeServices(db, id, v.services);
    const after = requireIncident(db, id);
    recordAudit(db, actor, 'incident.update', 'incident', id, snapshot(before), snapshot(after), now);
    return after;
  }).immediate();
}

function checkTimes(row: IncidentRow, now: number): void {
  const problems: Array<{ path: string; message: string }> = [];
  for (const f of incidentTimeFields) {
    const v = row[f];
    if (v === null) continue;
    if (v > now + FUTURE_SLACK_MS) problems.push({ path: f, message: 'in_future' });
    else if (f !== 'startedAt' && v < row.startedAt) problems.push({ path: f, message: 'before_start' });
  }
  if (row.recoveryNotifiedAt !== null && row.recoveredAt === null) problems.push({ path: 'recoveryNotifiedAt', message: 'needs_recovered' });
  if (row.writtenReportAt !== null && row.recoveredAt === null) problems.push({ path: 'writtenReportAt', message: 'needs_recovered' });
  if (problems.length) throw new AppError('VALIDATION', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
}

/** Sets (or clears, with null) one of the contract's times. */
export function setIncidentTime(db: Db, actor: Actor, id: number, field: IncidentTimeField, value: number | null, now = Date.now()): IncidentDetail {
  if (!(incidentTimeFields as readonly string[]).includes(field)) throw new AppError('VALIDATION', `field: unknown time ${field}`, [{ path: 'field', message: 'invalid' }]);
  // The written report's time is stamped by issuing it (src/lib/report/incident.ts), never typed.
  if (field === 'writtenReportAt') throw new AppError('VALIDATION', 'writtenReportAt: stamped when the written report is issued to the client', [{ path: 'writtenReportAt', message: 'stamped_by_issuing' }]);
  if (field === 'startedAt' && value === null) throw new AppError('VALIDATION', 'startedAt: required', [{ path: 'startedAt', message: 'required' }]);
  return db.$client.transaction(() => {
    const before = requireIncident(db, id);
    const next = { ...before, [field]: value };
    checkTimes(next, now);
    db.update(incidents).set({ [field]: value, updatedAt: now }).where(eq(incidents.id, id)).run();
    recordAudit(db, actor, 'incident.set_time', 'incident', id, { [field]: before[field] }, { [field]: value }, now);
    return requireIncident(db, id);
  }).immediate();
}

/** Adds an update to the timeline; returns the update's id. Published updates notify subscribers after the commit. */
export async function addIncidentUpdate(db: Db, actor: Actor, id: number, input: UpdateInput, now = Date.now(), notify: Notify = {}): Promise<number> {
  const v = parseInput(updateInputSchema, input);
  const at = v.at ?? now;
  if (at > now + FUTURE_SLACK_MS) throw new AppError('VALIDATION', 'at: in the future', [{ path: 'at', message: 'in_future' }]);
  const updateId = db.$client.transaction(() => {
    requireIncident(db, id);
    const row = db.insert(incidentUpdates).values({ incidentId: id, at, status: v.status, bodyJa: v.bodyJa, bodyEn: v.bodyEn, published: v.published }).returning({ id: incidentUpdates.id }).get();
    db.update(incidents).set({ updatedAt: now }).where(eq(incidents.id, id)).run();
    recordAudit(db, actor, 'incident.add_update', 'incident', id, null, { updateId: row.id, ...v, at }, now);
    return row.id;
  }).immediate();
  if (v.published) await notify.onPublished?.(id, updateId);
  return updateId;
}

/** Recovers an incident: sets recoveredAt (when not set) and adds a `resolved` update. */
export async function resolveIncident(db: Db, actor: Actor, id: number, input: { recoveredAt?: number; bodyJa: string; bodyEn?: string | null; published: boolean }, now = Date.now(), notify: Notify = {}): Promise<number> {
  const v = parseInput(updateInputSchema, { status: 'resolved', bodyJa: input.bodyJa, bodyEn: input.bodyEn ?? '', published: input.published });
  const updateId = db.$client.transaction(() => {
    const before = requireIncident(db, id);
    if (before.draft) throw new AppError('CONFLICT', 'a draft must be confirmed before it is resolved');
    const recoveredAt = before.recoveredAt ?? input.recoveredAt ?? now;
    checkTimes({ ...before, recoveredAt }, now);
    db.update(incidents).set({ recoveredAt, updatedAt: now }).where(eq(incidents.id, id)).run();
    const row = db.insert(incidentUpdates).values({ incidentId: id, at: now, status: 'resolved', bodyJa: v.bodyJa, bodyEn: v.bodyEn, published: v.published }).returning({ id: incidentUpdates.id }).get();
    recordAudit(db, actor, 'incident.resolve', 'incident', id, { recoveredAt: before.recoveredAt }, { recoveredAt, updateId: row.id }, now);
    return row.id;
  }).immediate();
  if (v.published) await notify.onPublished?.(id, updateId);
  return updateId;
}

const impactRank: Record<string, number> = { degraded_performance: 0, partial_outage: 1, major_outage: 2 };

/**
 * What a draft says in public once confirmed. A title the machine wrote (a template, or text
 * holding a monitor's name or the probe's reason, as drafts stored by earlier versions do)
 * becomes the template of the draft's worst impact; a title an operator wrote stays. A key
 * the probe gave becomes the usual day-id key.
 */
function publicWordsOfDraft(db: Db, d: IncidentDetail, zone: string): Partial<Pick<IncidentRow, 'titleJa' | 'titleEn' | 'key'>> {
  const out: Partial<Pick<IncidentRow, 'titleJa' | 'titleEn' | 'key'>> = {};
  if (d.key.startsWith('probe-')) out.key = `${formatInZone(d.startedAt, zone, 'yyyyLLdd')}-${d.id}`;
  const worst = [...d.services].sort((a, b) => (impactRank[b.impact] ?? 0) - (impactRank[a.impact] ?? 0))[0];
  if (!worst) return out;
  const probeWords = (db.$client.prepare('SELECT m.slug, a.message FROM alarms a JOIN monitors m ON m.id = a.monitor_id WHERE a.incident_id = ?')
    .all(d.id) as Array<{ slug: string; message: string }>).flatMap((a) => [a.slug, a.message]).filter((w) => w.length >= 3);
  const templates = d.services.flatMap((s) => (Object.keys(quickTitles) as QuickImpact[]).map((i) => publicTitle(i, s)));
  const machineWritten = (title: string | null) => title !== null && (templates.some((t) => t.ja === title || t.en === title) || probeWords.some((w) => title.includes(w)));
  if (probeWords.length === 0 && !d.key.startsWith('probe-')) return out;
  const title = publicTitle(worst.impact as QuickImpact, worst);
  if (machineWritten(d.titleJa)) out.titleJa = title.ja;
  if (machineWritten(d.titleEn) || (out.titleJa !== undefined && d.titleEn === null)) out.titleEn = title.en;
  return out;
}

/** Confirms a draft the probe opened: it becomes a real incident, shown publicly and counted. */
export function confirmDraft(db: Db, actor: Actor, id: number, now = Date.now(), zone = 'Asia/Tokyo'): IncidentDetail {
  return db.$client.transaction(() => {
    const before = requireIncident(db, id);
    if (!before.draft || before.dismissedAt || before.mergedIntoId) throw new AppError('CONFLICT', `incident ${id} is not an open draft`);
    db.update(incidents).set({ draft: false, ...publicWordsOfDraft(db, before, zone), updatedAt: now }).where(eq(incidents.id, id)).run();
    const after = requireIncident(db, id);
    recordAudit(db, actor, 'incident.confirm_draft', 'incident', id, snapshot(before), snapshot(after), now);
    return after;
  }).immediate();
}

/**
 * Merges a draft into another incident: its services (the worse impact wins) and updates
 * move there, the target keeps the earlier start, and the draft is closed as merged.
 */
export function mergeDraft(db: Db, actor: Actor, draftId: number, targetId: number, now = Date.now()): IncidentDetail {
  if (draftId === targetId) throw new AppError('VALIDATION', 'target: the same incident', [{ path: 'target', message: 'invalid' }]);
  return db.$client.transaction(() => {
    const draft = requireIncident(db, draftId);
    const target = db.select().from(incidents).where(eq(incidents.id, targetId)).get();
    if (!target) throw new AppError('VALIDATION', `target: no incident ${targetId}`, [{ path: 'target', message: 'not_found' }]);
    if (!draft.draft || draft.dismissedAt || draft.mergedIntoId) throw new AppError('CONFLICT', `incident ${draftId} is not an open draft`);
    const before = requireIncident(db, targetId);
    const rank = { degraded_performance: 0, partial_outage: 1, major_outage: 2 } as Record<string, number>;
    const merged = new Map(before.services.map((s) => [s.serviceId, s.impact]));
    for (const s of draft.services) {
      const cur = merged.get(s.serviceId);
      if (cur === undefined || (rank[s.impact] ?? 0) > (rank[cur] ?? 0)) merged.set(s.serviceId, s.impact);
    }
    writeServices(db, targetId, [...merged].map(([serviceId, impact]) => ({ serviceId, impact: impact as 'major_outage' })));
    db.update(incidentUpdates).set({ incidentId: targetId }).where(eq(incidentUpdates.incidentId, draftId)).run();
    const earlier = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
    db.update(incidents).set({
      startedAt: Math.min(target.startedAt, draft.startedAt),
      detectedAt: earlier(target.detectedAt, draft.detectedAt),
      updatedAt: now,
    }).where(eq(incidents.id, targetId)).run();
    db.update(incidents).set({ mergedIntoId: targetId, updatedAt: now }).where(eq(incidents.id, draftId)).run();
    db.$client.prepare('UPDATE alarms SET incident_id = ? WHERE incident_id = ?').run(targetId, draftId);
    const after = requireIncident(db, targetId);
    recordAudit(db, actor, 'incident.merge_draft', 'incident', targetId, { target: snapshot(before), draft: snapshot(draft) }, snapshot(after), now);
    return after;
  }).immediate();
}

/** Dismisses a draft (not a real incident), with the reason. It stays out of every figure. */
export function dismissDraft(db: Db, actor: Actor, id: number, reason: string, now = Date.now()): void {
  const why = reason.trim();
  if (!why) throw new AppError('VALIDATION', 'reason: required', [{ path: 'reason', message: 'required' }]);
  db.$client.transaction(() => {
    const before = requireIncident(db, id);
    if (!before.draft || before.dismissedAt || before.mergedIntoId) throw new AppError('CONFLICT', `incident ${id} is not an open draft`);
    db.update(incidents).set({ dismissedAt: now, dismissedReason: why.slice(0, 2000), updatedAt: now }).where(eq(incidents.id, id)).run();
    recordAudit(db, actor, 'incident.dismiss_draft', 'incident', id, snapshot(before), { dismissedAt: now, dismissedReason: why }, now);
  }).immediate();
}

/** Marks a monitor outage (identified by its first failed check) a false positive: it no longer counts as downtime. */
export function markFalsePositive(db: Db, actor: Actor, monitorId: number, start: number, reason: string, now = Date.now()): void {
  const why = reason.trim();
  if (!why) throw new AppError('VALIDATION', 'reason: required', [{ path: 'reason', message: 'required' }]);
  db.$client.transaction(() => {
    const monitor = db.select({ id: monitors.id, slug: monitors.slug }).from(monitors).where(eq(monitors.id, monitorId)).get();
    if (!monitor) throw new AppError('NOT_FOUND', `no monitor ${monitorId}`);
    const existing = db.select().from(falsePositives).where(and(eq(falsePositives.monitorId, monitorId), eq(falsePositives.start, start))).get();
    if (existing) throw new AppError('CONFLICT', 'already marked a false positive', [{ path: 'reason', message: 'already_marked' }]);
    db.insert(falsePositives).values({ monitorId, start, reason: why.slice(0, 2000), createdAt: now }).run();
    recordAudit(db, actor, 'monitor.false_positive', 'monitor', monitorId, null, { monitor: monitor.slug, start: new Date(start).toISOString(), reason: why }, now);
  }).immediate();
}
