import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db';
import { AppError } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { formatInZone } from '../time';
import { noticeMet, windowMet, defaultWindowRule, isRegular, regularCategories, DEFAULT_NOTICE_DAYS, type WindowRule } from '../sla/planned-stops';
import { windowRuleOf } from '../sla/month';
import { defaultSlaRows } from '../sla/catalogue';
import type { Config } from '../config';
import { maintenances, maintenanceServices, maintenanceCategories, services } from '../../../db/schema/index';
import { parseInput } from '../incidents/verbs';
import { announceStop, tellStopMoment, scheduleLeavesNotice, type AnnounceOptions } from './announce';
import { DateTime } from 'luxon';

export type MaintenanceRow = typeof maintenances.$inferSelect;
export interface MaintenanceDetail extends MaintenanceRow {
  services: Array<{ serviceId: number; slug: string; nameJa: string; nameEn: string | null }>;
}

/** The planned-stop rules a stop can break when it is saved (SLA.md): notice, window, and the month's count of regular stops. */
export const stopRules = ['notice', 'window', 'frequency'] as const;
export type StopRule = (typeof stopRules)[number];

const optionalText = (max: number) => z.string().trim().max(max).transform((s) => (s === '' ? null : s)).nullable();

export const stopInputSchema = z.strictObject({
  category: z.enum(maintenanceCategories),
  titleJa: z.string().trim().min(1).max(200),
  titleEn: optionalText(200),
  bodyJa: optionalText(20_000),
  bodyEn: optionalText(20_000),
  serviceIds: z.array(z.number().int().positive()).min(1).max(100),
  scheduledStart: z.number().int(),
  scheduledEnd: z.number().int(),
  clientApprovedAt: z.number().int().nullable(),
  holdOpen: z.boolean(),
}).superRefine((v, ctx) => {
  if (v.scheduledEnd <= v.scheduledStart) ctx.addIssue({ code: 'custom', path: ['scheduledEnd'], message: 'end_before_start' });
  if (new Set(v.serviceIds).size !== v.serviceIds.length) ctx.addIssue({ code: 'custom', path: ['serviceIds'], message: 'duplicate' });
});
export type StopInput = z.input<typeof stopInputSchema>;

export interface RuleOptions {
  noticeDays?: number;
  window?: WindowRule;
  zone?: string;
  /** Regular stops (定期) allowed in a month (the `regular_stops` SLA row's max, 1). */
  regularPerMonth?: number;
}

/** The rules as configured: notice days, the window, and the SLA table's limit of regular stops a month. */
export function ruleOptionsOf(config: Config): RuleOptions {
  const row = (config.sla.rows ?? defaultSlaRows).find((r) => r.measure === 'regular_stops');
  return {
    noticeDays: config.sla.notice_days, zone: config.zone, window: windowRuleOf(config),
    regularPerMonth: row && row.measure === 'regular_stops' ? row.max : Number.POSITIVE_INFINITY,
  };
}

/** Other regular stops, not cancelled, that start in the same month (in the zone) as `scheduledStart`. */
export function regularStopsInMonth(db: Db, scheduledStart: number, zone: string, exceptId: number | null): MaintenanceRow[] {
  const month = DateTime.fromMillis(scheduledStart, { zone }).startOf('month');
  return db.select().from(maintenances).where(and(
    inArray(maintenances.category, [...regularCategories]), sql`${maintenances.status} != 'cancelled'`,
    sql`${maintenances.scheduledStart} >= ${month.toMillis()}`, sql`${maintenances.scheduledStart} < ${month.plus({ months: 1 }).toMillis()}`,
    exceptId === null ? sql`1 = 1` : sql`${maintenances.id} != ${exceptId}`,
  )).orderBy(asc(maintenances.scheduledStart)).all();
}

/**
 * Which planned-stop rules a stop breaks, counting the stops already saved: the notice
 * (measured from `announcedAt`, the time its notice is or would be sent), the window, and
 * the month's count of regular stops. An approval by the client lifts the notice rule's
 * effect on availability but the late notice is still reported.
 */
export function brokenRules(db: Db, v: { id?: number; category: string; announcedAt: number; scheduledStart: number; scheduledEnd: number }, opts: RuleOptions = {}): StopRule[] {
  const out: StopRule[] = [];
  const zone = opts.zone ?? defaultWindowRule.zone;
  if (!noticeMet(v, opts.noticeDays ?? DEFAULT_NOTICE_DAYS)) out.push('notice');
  if (!windowMet(v, opts.window ?? { ...defaultWindowRule, zone })) out.push('window');
  if (isRegular(v.category) && regularStopsInMonth(db, v.scheduledStart, zone, v.id ?? null).length >= (opts.regularPerMonth ?? 1)) out.push('frequency');
  return out;
}

/** The rules a saved stop breaks as things stand now (an unannounced stop is judged as if announced now). */
export function currentWarnings(db: Db, stop: MaintenanceRow, opts: RuleOptions, now: number): StopRule[] {
  if (stop.status === 'cancelled') return [];
  return brokenRules(db, { ...stop, announcedAt: stop.announcedAt ?? Math.max(now, stop.createdAt) }, opts);
}

export function getStop(db: Db, id: number): MaintenanceDetail | null {
  const row = db.select().from(maintenances).where(eq(maintenances.id, id)).get();
  if (!row) return null;
  const svc = db.select({ serviceId: services.id, slug: services.slug, nameJa: services.nameJa, nameEn: services.nameEn })
    .from(maintenanceServices).innerJoin(services, eq(services.id, maintenanceServices.serviceId))
    .where(eq(maintenanceServices.maintenanceId, id)).orderBy(asc(services.sortOrder), asc(services.id)).all();
  return { ...row, services: svc };
}

function requireStop(db: Db, id: number): MaintenanceDetail {
  const s = getStop(db, id);
  if (!s) throw new AppError('NOT_FOUND', `no planned stop ${id}`);
  return s;
}

/** Upcoming and in progress first (soonest first), then the rest, newest first. */
export function listStops(db: Db, limit = 200): MaintenanceRow[] {
  return db.select().from(maintenances)
    .orderBy(sql`${maintenances.status} NOT IN ('scheduled', 'in_progress')`, sql`CASE WHEN ${maintenances.status} IN ('scheduled', 'in_progress') THEN ${maintenances.scheduledStart} ELSE -${maintenances.scheduledStart} END`)
    .limit(limit).all();
}

/** The next stop not yet finished or cancelled. */
export function nextStop(db: Db): MaintenanceRow | null {
  return db.select().from(maintenances).where(inArray(maintenances.status, ['scheduled', 'in_progress']))
    .orderBy(asc(maintenances.scheduledStart)).limit(1).get() ?? null;
}

const snapshot = (d: MaintenanceDetail) => ({ ...d, services: d.services.map((s) => s.slug) });

/** How saving reaches people: `mail` says where mail goes; `announce` sends the stop's announcement with the save. Without `mail` nothing is mailed. */
export interface SaveOptions extends RuleOptions {
  mail?: AnnounceOptions;
  announce?: boolean;
}

export type SaveResult =
  | { saved: true; stop: MaintenanceDetail; warnings: StopRule[] }
  | { saved: false; warnings: StopRule[] };

function checkServiceIds(db: Db, ids: number[]): void {
  const known = db.select({ id: services.id }).from(services).where(inArray(services.id, ids)).all().length;
  if (known !== ids.length) throw new AppError('VALIDATION', 'serviceIds: unknown service', [{ path: 'serviceIds', message: 'unknown_service' }]);
}

/**
 * Schedules a stop. When it breaks the notice or window rule it is saved only with
 * `confirmed` set; the broken rules and the confirmation are recorded on the stop and in
 * the audit log.
 */
export function scheduleStop(db: Db, actor: Actor, input: StopInput, confirmed: boolean, now = Date.now(), opts: SaveOptions = {}): SaveResult {
  const v = parseInput(stopInputSchema, input);
  return db.$client.transaction((): SaveResult => {
    const warnings = brokenRules(db, { ...v, announcedAt: now }, opts);
    if (warnings.length && !confirmed) return { saved: false, warnings };
    checkServiceIds(db, v.serviceIds);
    const { serviceIds, ...fields } = v;
    const row = db.insert(maintenances).values({
      ...fields, key: `new-${now}-${Math.random().toString(36).slice(2)}`, status: 'scheduled', ruleWarnings: warnings,
      warningsConfirmedAt: warnings.length ? now : null, warningsConfirmedBy: warnings.length ? actor.id : null, createdAt: now, updatedAt: now,
    }).returning({ id: maintenances.id }).get();
    db.update(maintenances).set({ key: `${formatInZone(v.scheduledStart, opts.zone ?? 'Asia/Tokyo', 'yyyyLLdd')}-m${row.id}` }).where(eq(maintenances.id, row.id)).run();
    db.insert(maintenanceServices).values(serviceIds.map((serviceId) => ({ maintenanceId: row.id, serviceId }))).run();
    recordAudit(db, actor, warnings.length ? 'maintenance.schedule_confirmed_despite_rules' : 'maintenance.schedule', 'maintenance', row.id, null, snapshot(requireStop(db, row.id)), now);
    if (opts.mail && opts.announce) announceStop(db, actor, requireStop(db, row.id), opts.mail, now);
    return { saved: true, stop: requireStop(db, row.id), warnings };
  }).immediate();
}

/** Edits a stop that has not finished; the rules are checked again as for a new one. */
export function editStop(db: Db, actor: Actor, id: number, input: StopInput, confirmed: boolean, now = Date.now(), opts: SaveOptions = {}): SaveResult {
  const v = parseInput(stopInputSchema, input);
  return db.$client.transaction((): SaveResult => {
    const before = requireStop(db, id);
    if (before.status === 'completed' || before.status === 'cancelled') throw new AppError('CONFLICT', `planned stop ${id} is ${before.status}`, [{ path: 'status', message: 'finished' }]);
    // A change of time outside the announced window needs a new notice, sent with this save.
    const moved = before.scheduledStart !== v.scheduledStart || before.scheduledEnd !== v.scheduledEnd;
    const announcedAt = before.announcedAt === null || (moved && scheduleLeavesNotice(before, v)) ? now : before.announcedAt;
    const warnings = brokenRules(db, { ...v, id, announcedAt }, opts);
    if (warnings.length && !confirmed) return { saved: false, warnings };
    checkServiceIds(db, v.serviceIds);
    const { serviceIds, ...fields } = v;
    db.update(maintenances).set({
      ...fields, ruleWarnings: warnings, warningsConfirmedAt: warnings.length ? now : null, warningsConfirmedBy: warnings.length ? actor.id : null, updatedAt: now,
    }).where(eq(maintenances.id, id)).run();
    db.delete(maintenanceServices).where(eq(maintenanceServices.maintenanceId, id)).run();
    db.insert(maintenanceServices).values(serviceIds.map((serviceId) => ({ maintenanceId: id, serviceId }))).run();
    recordAudit(db, actor, warnings.length ? 'maintenance.update_confirmed_despite_rules' : 'maintenance.update', 'maintenance', id, snapshot(before), snapshot(requireStop(db, id)), now);
    if (opts.mail) {
      if (moved) tellStopMoment(db, requireStop(db, id), 'changed', opts.mail, now, before);
      if (opts.announce) announceStop(db, actor, requireStop(db, id), opts.mail, now);
    }
    return { saved: true, stop: requireStop(db, id), warnings };
  }).immediate();
}

type Transition = 'start' | 'finish' | 'cancel';

const MOMENT = { start: 'started', finish: 'finished', cancel: 'cancelled' } as const;

/** Starts, finishes or cancels a stop now (or at `at`, for the scheduled job); with `mail`, whoever was told of the stop hears of it. */
export function transitionStop(db: Db, actor: Actor, id: number, action: Transition, now = Date.now(), at = now, mail?: AnnounceOptions): MaintenanceDetail {
  return db.$client.transaction(() => {
    const before = requireStop(db, id);
    const set: Partial<MaintenanceRow> = { updatedAt: now };
    if (action === 'start') {
      if (before.status !== 'scheduled') throw new AppError('CONFLICT', `planned stop ${id} is ${before.status}, not scheduled`, [{ path: 'status', message: 'not_scheduled' }]);
      Object.assign(set, { status: 'in_progress', actualStart: at });
    } else if (action === 'finish') {
      if (before.status !== 'in_progress') throw new AppError('CONFLICT', `planned stop ${id} is ${before.status}, not in progress`, [{ path: 'status', message: 'not_in_progress' }]);
      Object.assign(set, { status: 'completed', actualEnd: Math.max(at, before.actualStart ?? at) });
    } else {
      if (before.status !== 'scheduled' && before.status !== 'in_progress') throw new AppError('CONFLICT', `planned stop ${id} is ${before.status}`, [{ path: 'status', message: 'finished' }]);
      Object.assign(set, { status: 'cancelled', actualEnd: before.actualStart !== null ? Math.max(at, before.actualStart) : null });
    }
    db.update(maintenances).set(set).where(eq(maintenances.id, id)).run();
    const after = requireStop(db, id);
    recordAudit(db, actor, `maintenance.${action}`, 'maintenance', id, { status: before.status, actualStart: before.actualStart, actualEnd: before.actualEnd }, { status: after.status, actualStart: after.actualStart, actualEnd: after.actualEnd }, now);
    if (mail) tellStopMoment(db, after, MOMENT[action], mail, now);
    return after;
  }).immediate();
}

/**
 * Takes back a cancellation: the stop is scheduled again, or in progress again if it had
 * begun (its end is cleared), as it was before. Audited like every change.
 */
export function restoreStop(db: Db, actor: Actor, id: number, now = Date.now()): MaintenanceDetail {
  return db.$client.transaction(() => {
    const before = requireStop(db, id);
    if (before.status !== 'cancelled') throw new AppError('CONFLICT', `planned stop ${id} is ${before.status}, not cancelled`, [{ path: 'status', message: 'not_cancelled' }]);
    const set: Partial<MaintenanceRow> = before.actualStart !== null
      ? { status: 'in_progress', actualEnd: null, updatedAt: now }
      : { status: 'scheduled', updatedAt: now };
    db.update(maintenances).set(set).where(eq(maintenances.id, id)).run();
    const after = requireStop(db, id);
    recordAudit(db, actor, 'maintenance.restore', 'maintenance', id, { status: before.status, actualEnd: before.actualEnd }, { status: after.status, actualEnd: after.actualEnd }, now);
    return after;
  }).immediate();
}

/**
 * The scheduled job's work: a stop still `scheduled` at its start begins (at its scheduled
 * start), and one `in_progress` past its end finishes (at its scheduled end), unless an
 * admin chose to finish it by hand (holdOpen). A stop that began and ended while nobody
 * ran this (a stopped worker) gets both.
 */
export function autoAdvanceStops(db: Db, actor: Actor, now = Date.now(), mail?: AnnounceOptions): { started: number[]; finished: number[] } {
  const started: number[] = [];
  const finished: number[] = [];
  const due = db.select({ id: maintenances.id, scheduledStart: maintenances.scheduledStart }).from(maintenances)
    .where(and(eq(maintenances.status, 'scheduled'), lte(maintenances.scheduledStart, now))).all();
  for (const s of due) {
    transitionStop(db, actor, s.id, 'start', now, s.scheduledStart, mail);
    started.push(s.id);
  }
  const ending = db.select({ id: maintenances.id, scheduledEnd: maintenances.scheduledEnd }).from(maintenances)
    .where(and(eq(maintenances.status, 'in_progress'), eq(maintenances.holdOpen, false), lte(maintenances.scheduledEnd, now))).all();
  for (const s of ending) {
    transitionStop(db, actor, s.id, 'finish', now, s.scheduledEnd, mail);
    finished.push(s.id);
  }
  return { started, finished };
}

