import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db';
import { AppError, type FieldIssue } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { services, monitors, monitorPauses } from '../../../db/schema/index';
import { monitorTypes } from '../probe/monitor-types';
import { checkTypes, validateMonitorTarget } from '../probe/registry';
import type { CheckOutcome } from '../probe/check-type';
import { parseInput } from '../incidents/verbs';
import { maskMonitor, clientTarget } from './secrets';
import type { Config } from '../config';
import { closeEndedMonths } from '../sla/closing';
import { recordSettings } from './history';

export type ServiceRecord = typeof services.$inferSelect;
export type MonitorRecord = typeof monitors.$inferSelect;

const slug = z.string().trim().regex(/^[a-z0-9][a-z0-9-]*$/, 'slug').max(64);

export const serviceInputSchema = z.strictObject({
  slug,
  nameJa: z.string().trim().min(1).max(200),
  nameEn: z.string().trim().max(200).transform((s) => (s === '' ? null : s)).nullable(),
  slaTargetPct: z.number().gt(0).max(100),
  sortOrder: z.number().int().min(-100_000).max(100_000),
});
export type ServiceInput = z.input<typeof serviceInputSchema>;

export const monitorInputSchema = z.strictObject({
  slug,
  serviceId: z.number().int().positive(),
  type: z.enum(monitorTypes),
  target: z.string().trim().min(1).max(2000),
  intervalS: z.number().int().min(5).max(86_400),
  timeoutS: z.number().int().min(1).max(300),
  confirm: z.number().int().min(1).max(100),
  countsForAvailability: z.boolean(),
  options: z.record(z.string(), z.unknown()),
});
export type MonitorInput = z.input<typeof monitorInputSchema>;

export function listServicesWithMonitors(db: Db): Array<ServiceRecord & { monitors: MonitorRecord[] }> {
  const all = db.select().from(monitors).orderBy(asc(monitors.slug)).all();
  return db.select().from(services).orderBy(asc(services.sortOrder), asc(services.id)).all()
    .map((s) => ({ ...s, monitors: all.filter((m) => m.serviceId === s.id) }));
}

export function getService(db: Db, id: number): ServiceRecord | null {
  return db.select().from(services).where(eq(services.id, id)).get() ?? null;
}

export function getMonitor(db: Db, id: number): MonitorRecord | null {
  return db.select().from(monitors).where(eq(monitors.id, id)).get() ?? null;
}

function slugTaken(db: Db, table: 'services' | 'monitors', value: string, exceptId: number | null): boolean {
  const row = db.$client.prepare(`SELECT id FROM ${table} WHERE slug = ?`).get(value) as { id: number } | undefined;
  return row !== undefined && row.id !== exceptId;
}

/**
 * Creates or edits a service. Given the configuration, every month that has ended is closed
 * first with the settings in force until now, so a new target never reaches back into them.
 */
export function saveService(db: Db, actor: Actor, id: number | null, input: ServiceInput, now = Date.now(), config?: Config): ServiceRecord {
  const v = parseInput(serviceInputSchema, input);
  if (config) closeEndedMonths(db, config, now);
  return db.$client.transaction(() => {
    if (slugTaken(db, 'services', v.slug, id)) throw new AppError('CONFLICT', `a service with the slug ${v.slug} exists`, [{ path: 'slug', message: 'taken' }]);
    if (id === null) {
      const row = db.insert(services).values(v).returning().get();
      recordAudit(db, actor, 'service.create', 'service', row.id, null, row, now);
      return row;
    }
    const before = getService(db, id);
    if (!before) throw new AppError('NOT_FOUND', `no service ${id}`);
    const row = db.update(services).set(v).where(eq(services.id, id)).returning().get();
    recordAudit(db, actor, 'service.update', 'service', id, before, row, now);
    return row;
  }).immediate();
}

/** Validates a monitor's target and options against its check type; each problem names its field. */
export function monitorProblems(type: string, target: string, options: Record<string, unknown>): FieldIssue[] {
  return validateMonitorTarget(type, target, options).map((p) => ({ path: p.field, message: p.message }));
}

export function saveMonitor(db: Db, actor: Actor, id: number | null, input: MonitorInput, now = Date.now()): MonitorRecord {
  const v = parseInput(monitorInputSchema, input);
  const problems = monitorProblems(v.type, v.target, v.options);
  if (problems.length) throw new AppError('VALIDATION', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  return db.$client.transaction(() => {
    if (!getService(db, v.serviceId)) throw new AppError('VALIDATION', 'serviceId: unknown', [{ path: 'serviceId', message: 'unknown_service' }]);
    if (slugTaken(db, 'monitors', v.slug, id)) throw new AppError('CONFLICT', `a monitor with the slug ${v.slug} exists`, [{ path: 'slug', message: 'taken' }]);
    if (id === null) {
      // Its life begins now: the time before it is not its unmonitored time (SLA.md, Coverage).
      const row = db.insert(monitors).values({ ...v, addedAt: now }).returning().get();
      // The audit log keeps what changed, never a secret's value.
      recordAudit(db, actor, 'monitor.create', 'monitor', row.id, null, maskMonitor(row), now);
      return row;
    }
    const before = getMonitor(db, id);
    if (!before) throw new AppError('NOT_FOUND', `no monitor ${id}`);
    if (before.removedAt !== null) throw new AppError('CONFLICT', `monitor ${before.slug} was removed; its history is kept as it was`);
    // The settings that shape its figures are kept with their times: a month that has ended keeps what was in force then.
    recordSettings(db, id, {
      countsForAvailability: v.countsForAvailability, confirm: v.confirm, intervalS: v.intervalS, timeoutS: v.timeoutS, serviceId: v.serviceId,
      type: v.type, shownTarget: clientTarget(v.type, v.target),
    }, now);
    const row = db.update(monitors).set(v).where(eq(monitors.id, id)).returning().get();
    recordAudit(db, actor, 'monitor.update', 'monitor', id, maskMonitor(before), maskMonitor(row), now);
    return row;
  }).immediate();
}

/**
 * Records a pause starting or ending: paused time is unmonitored time, shown as paused
 * (SLA.md, Coverage), so each pause is kept with its times.
 */
function recordPause(db: Db, monitorId: number, paused: boolean, now: number): void {
  const open = db.$client.prepare('SELECT start FROM monitor_pauses WHERE monitor_id = ? AND "end" IS NULL').get(monitorId) as { start: number } | undefined;
  if (paused && !open) db.insert(monitorPauses).values({ monitorId, start: now, end: null }).run();
  if (!paused && open) db.$client.prepare('UPDATE monitor_pauses SET "end" = ? WHERE monitor_id = ? AND start = ?').run(Math.max(now, open.start), monitorId, open.start);
}

/** Pauses or resumes one monitor. The probe picks the change up on its next reload. */
export function setMonitorPaused(db: Db, actor: Actor, id: number, paused: boolean, now = Date.now()): MonitorRecord {
  return db.$client.transaction(() => {
    const before = getMonitor(db, id);
    if (!before) throw new AppError('NOT_FOUND', `no monitor ${id}`);
    if (before.removedAt !== null) throw new AppError('CONFLICT', `monitor ${before.slug} was removed`);
    const row = db.update(monitors).set({ paused }).where(eq(monitors.id, id)).returning().get();
    recordPause(db, id, paused, now);
    recordAudit(db, actor, paused ? 'monitor.pause' : 'monitor.resume', 'monitor', id, { paused: before.paused }, { paused }, now);
    return row;
  }).immediate();
}

/** Pauses or resumes every monitor of a service (removed ones stay as they were). */
export function setServicePaused(db: Db, actor: Actor, id: number, paused: boolean, now = Date.now()): number {
  return db.$client.transaction(() => {
    const service = getService(db, id);
    if (!service) throw new AppError('NOT_FOUND', `no service ${id}`);
    const changed = db.update(monitors).set({ paused }).where(and(eq(monitors.serviceId, id), isNull(monitors.removedAt))).returning({ id: monitors.id, slug: monitors.slug }).all();
    for (const m of changed) recordPause(db, m.id, paused, now);
    recordAudit(db, actor, paused ? 'service.pause' : 'service.resume', 'service', id, null, { paused, monitors: changed.map((m) => m.slug) }, now);
    return changed.length;
  }).immediate();
}

/**
 * Removes a monitor: the probe stops checking it, and its row and history stay, so the
 * months it watched keep their figures (SLA.md, Coverage). Its life ends now.
 */
export function removeMonitor(db: Db, actor: Actor, id: number, now = Date.now()): MonitorRecord {
  return db.$client.transaction(() => {
    const before = getMonitor(db, id);
    if (!before) throw new AppError('NOT_FOUND', `no monitor ${id}`);
    if (before.removedAt !== null) throw new AppError('CONFLICT', `monitor ${before.slug} was removed already`);
    recordPause(db, id, false, now);
    const row = db.update(monitors).set({ removedAt: now, paused: true }).where(eq(monitors.id, id)).returning().get();
    recordAudit(db, actor, 'monitor.remove', 'monitor', id, { removedAt: null }, { removedAt: now }, now);
    return row;
  }).immediate();
}

export interface TestResult extends CheckOutcome {
  at: number;
}

/** Runs one check of a monitor now and returns what it found; nothing is stored. */
export async function testMonitor(db: Db, id: number, now = Date.now()): Promise<TestResult> {
  const m = getMonitor(db, id);
  if (!m) throw new AppError('NOT_FOUND', `no monitor ${id}`);
  const type = checkTypes[m.type];
  if (!type) return { at: now, status: 'down', latencyMs: null, reason: `the probe has no check type "${m.type}"` };
  const parsed = type.options.safeParse(m.options);
  if (!parsed.success) return { at: now, status: 'down', latencyMs: null, reason: `options: ${parsed.error.issues.map((i) => i.message).join('; ')}` };
  const controller = new AbortController();
  const timeoutMs = m.timeoutS * 1000;
  const timer = setTimeout(() => controller.abort(), timeoutMs + 2000);
  try {
    const outcome = await type.run({ target: m.target, options: parsed.data, timeoutMs }, controller.signal);
    return { at: now, ...outcome };
  } catch (err) {
    return { at: now, status: 'down', latencyMs: null, reason: `check failed: ${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}
