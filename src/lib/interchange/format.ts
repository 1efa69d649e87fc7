import { z } from 'zod';
import { parseInstant } from '../time';
import { checkStatuses } from '../checks/status';
import { impacts, incidentKinds, incidentSeverities, updateStatuses } from '../../../db/schema/incidents';
import { maintenanceCategories, maintenanceStatuses } from '../../../db/schema/maintenances';
import { monitorTypes } from '../probe/monitor-types';
import { clientTarget, dropMaskedSecrets } from '../monitors/secrets';

/**
 * The interchange file of CONTRACTS.md: one JSON object, instants in ISO 8601 with an
 * offset, unknown keys an error. Optional fields may be left out.
 */
const instant = z.string().refine((s) => parseInstant(s) !== null, 'must be an ISO 8601 instant with an offset, such as 2026-10-01T00:00:00+09:00');
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and hyphens');
const key = z.string().min(1).max(200);
const text = z.string().min(1);
const localized = z.strictObject({ ja: text, en: text.optional() });

export const serviceSchema = z.strictObject({
  slug,
  name: localized,
  sla_target_pct: z.number().gt(0).max(100),
  sort_order: z.number().int().optional(),
});

export const monitorSchema = z.strictObject({
  slug,
  service: slug,
  type: z.enum(monitorTypes),
  target: text,
  interval_s: z.number().int().min(5).max(86_400),
  timeout_s: z.number().int().min(1).max(300).optional(),
  confirm: z.number().int().min(1).max(100),
  counts_for_availability: z.boolean(),
  paused: z.boolean().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  /** Probe locations that check it (`local` is the built-in probe); absent: `local` alone. */
  locations: z.array(slug).min(1).optional(),
  /** Locations that must agree before it is down; absent: a majority of those voting. */
  quorum: z.number().int().min(1).max(100).optional(),
  /**
   * Its locations and quorum when they changed (SLA.md, locations have a life), in order and
   * back to back: the first holds since the monitor's beginning unless it has `from`, the
   * last until now. Instead of `locations` and `quorum`.
   */
  location_history: z.array(z.strictObject({
    locations: z.array(slug).min(1),
    quorum: z.number().int().min(1).max(100).optional(),
    from: instant.optional(),
    to: instant.optional(),
  })).min(1).optional(),
  /** When it counted toward availability, if that changed: as `location_history`; the last is `counts_for_availability`. */
  counts_history: z.array(z.strictObject({
    counts_for_availability: z.boolean(),
    from: instant.optional(),
    to: instant.optional(),
  })).min(1).optional(),
  /**
   * Its confirmation count, interval, timeout and service when they changed (SLA.md, Figures
   * over time), as `location_history`; the last is the monitor's own `confirm`, `interval_s`,
   * `timeout_s` and `service`.
   */
  settings_history: z.array(z.strictObject({
    confirm: z.number().int().min(1).max(100),
    interval_s: z.number().int().min(5).max(86_400),
    timeout_s: z.number().int().min(1).max(300),
    service: slug,
    /** Its type and its target as reports show it (secrets masked); absent: the monitor's own. */
    type: z.enum(monitorTypes).optional(),
    target: text.optional(),
    from: instant.optional(),
    to: instant.optional(),
  })).min(1).optional(),
  /** Its life (SLA.md, Coverage): a removed monitor stays in the file with its history. */
  added_at: instant.optional(),
  removed_at: instant.optional(),
  pauses: z.array(z.strictObject({ start: instant, end: instant.optional() })).optional(),
}).superRefine((m, ctx) => {
  const at = (s: string | undefined) => (s === undefined ? null : parseInstant(s));
  if (m.location_history && (m.locations !== undefined || m.quorum !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['location_history'], message: 'give either locations and quorum, or location_history' });
  }
  (m.location_history ?? []).forEach((e, i) => {
    if (e.quorum !== undefined && e.quorum > e.locations.length) ctx.addIssue({ code: 'custom', path: ['location_history', i, 'quorum'], message: 'must not exceed the number of locations' });
    if (new Set(e.locations).size !== e.locations.length) ctx.addIssue({ code: 'custom', path: ['location_history', i, 'locations'], message: 'a location is listed twice' });
  });
  for (const [field, list] of [['location_history', m.location_history], ['counts_history', m.counts_history], ['settings_history', m.settings_history]] as const) {
    (list ?? []).forEach((e, i, all) => {
      const from = at(e.from);
      const to = at(e.to);
      const last = i === all.length - 1;
      if (i > 0 && from === null) ctx.addIssue({ code: 'custom', path: [field, i, 'from'], message: 'needed after the first entry' });
      if (!last && to === null) ctx.addIssue({ code: 'custom', path: [field, i, 'to'], message: 'needed before the last entry' });
      if (last && to !== null) ctx.addIssue({ code: 'custom', path: [field, i, 'to'], message: 'the last entry holds until now: leave it out' });
      if (from !== null && to !== null && to <= from) ctx.addIssue({ code: 'custom', path: [field, i, 'to'], message: 'must be after from' });
      if (i > 0 && from !== null && at(all[i - 1]!.to) !== null && from !== at(all[i - 1]!.to)) ctx.addIssue({ code: 'custom', path: [field, i, 'from'], message: 'must be the previous entry\'s to' });
    });
  }
  const lastCounts = m.counts_history?.[m.counts_history.length - 1];
  if (lastCounts && lastCounts.counts_for_availability !== m.counts_for_availability) {
    ctx.addIssue({ code: 'custom', path: ['counts_history', m.counts_history!.length - 1, 'counts_for_availability'], message: 'the last entry must be counts_for_availability' });
  }
  const lastSettings = m.settings_history?.[m.settings_history.length - 1];
  if (lastSettings && (lastSettings.confirm !== m.confirm || lastSettings.interval_s !== m.interval_s || lastSettings.timeout_s !== (m.timeout_s ?? 10) || lastSettings.service !== m.service
    || (lastSettings.type ?? m.type) !== m.type || (lastSettings.target ?? clientTarget(m.type, m.target)) !== clientTarget(m.type, m.target))) {
    ctx.addIssue({ code: 'custom', path: ['settings_history', m.settings_history!.length - 1], message: 'the last entry must be the monitor\'s confirm, interval_s, timeout_s, service, type and target' });
  }
  const added = at(m.added_at);
  const removed = at(m.removed_at);
  if (added !== null && removed !== null && removed <= added) ctx.addIssue({ code: 'custom', path: ['removed_at'], message: 'must be after added_at' });
  let previousEnd = -Infinity;
  (m.pauses ?? []).forEach((p, i) => {
    const start = at(p.start)!;
    const end = at(p.end);
    if (end !== null && end <= start) ctx.addIssue({ code: 'custom', path: ['pauses', i, 'end'], message: 'must be after start' });
    if (start < previousEnd) ctx.addIssue({ code: 'custom', path: ['pauses', i, 'start'], message: 'pauses must be in order and must not overlap' });
    if (end === null && i !== (m.pauses ?? []).length - 1) ctx.addIssue({ code: 'custom', path: ['pauses', i, 'end'], message: 'only the last pause may be open' });
    previousEnd = end ?? Infinity;
  });
}).transform((m) => {
  // A file exported without secrets holds masks where they were: never taken for a value.
  const kept = dropMaskedSecrets(m.type, m.target, m.options ?? {});
  return { ...m, target: kept.target, ...(m.options ? { options: kept.options } : {}) };
});

export const checkSchema = z.strictObject({
  monitor: slug,
  at: instant,
  status: z.enum(checkStatuses),
  latency_ms: z.number().int().min(0).nullable().optional(),
  error: z.string().optional(),
  /** Where the check was made from; absent: `local`. */
  location: slug.optional(),
});

export const incidentSchema = z.strictObject({
  key,
  kind: z.enum(incidentKinds),
  severity: z.enum(incidentSeverities),
  title: localized,
  services: z.array(z.strictObject({ service: slug, impact: z.enum(impacts) })),
  started_at: instant,
  detected_at: instant.optional(),
  aware_at: instant.optional(),
  recovered_at: instant.optional(),
  client_notified_at: instant.optional(),
  eta_notified_at: instant.optional(),
  recovery_notified_at: instant.optional(),
  response_started_at: instant.optional(),
  written_report_at: instant.optional(),
  force_majeure: z.boolean(),
  force_majeure_reason: text.optional(),
  cause: text.optional(),
  fix: text.optional(),
  prevention: text.optional(),
  cause_known: z.boolean().optional(),
  cause_category: text.optional(),
  draft: z.boolean().optional(),
  updates: z.array(z.strictObject({
    at: instant,
    status: z.enum(updateStatuses),
    body: localized,
    published: z.boolean().optional(),
  })).optional(),
});

export const maintenanceSchema = z.strictObject({
  key,
  category: z.enum(maintenanceCategories),
  title: localized,
  body: localized.optional(),
  services: z.array(slug).min(1),
  /** When the client's notice was sent; absent for a stop not yet announced (未告知). */
  announced_at: instant.optional(),
  scheduled_start: instant,
  scheduled_end: instant,
  actual_start: instant.optional(),
  actual_end: instant.optional(),
  client_approved_at: instant.optional(),
  status: z.enum(maintenanceStatuses),
});

export const falsePositiveSchema = z.strictObject({
  monitor: slug,
  start: instant,
  reason: text,
});

/** A probe agent's control check (a failed one makes its location not vote until the next good one). */
export const controlSchema = z.strictObject({
  location: slug,
  at: instant,
  ok: z.boolean(),
});

export const interchangeSchema = z.strictObject({
  version: z.literal(1),
  services: z.array(serviceSchema),
  monitors: z.array(monitorSchema).optional(),
  checks: z.array(checkSchema).optional(),
  controls: z.array(controlSchema).optional(),
  incidents: z.array(incidentSchema).optional(),
  maintenances: z.array(maintenanceSchema).optional(),
  false_positives: z.array(falsePositiveSchema).optional(),
});

export type Interchange = z.infer<typeof interchangeSchema>;

/** Every location a monitor entry (parsed or not) was ever assigned to: absent, `local` alone. */
export function everAssigned(m: { locations?: unknown; location_history?: unknown } | null | undefined): Set<unknown> {
  const lists = [m?.locations, ...(Array.isArray(m?.location_history) ? m.location_history.map((e: { locations?: unknown } | null) => e?.locations) : [])]
    .filter((l): l is unknown[] => Array.isArray(l));
  return new Set(lists.length ? lists.flat() : ['local']);
}
export type ServiceEntry = z.infer<typeof serviceSchema>;
export type MonitorEntry = z.infer<typeof monitorSchema>;
export type IncidentEntry = z.infer<typeof incidentSchema>;
export type MaintenanceEntry = z.infer<typeof maintenanceSchema>;
