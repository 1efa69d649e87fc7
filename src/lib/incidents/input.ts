import { z } from 'zod';
import { incidentKinds, incidentSeverities, impacts, updateStatuses } from '../../../db/schema/incidents';

/** The contract's times an admin sets on an incident (column names in the database). */
export const incidentTimeFields = [
  'startedAt', 'detectedAt', 'awareAt', 'clientNotifiedAt', 'etaNotifiedAt', 'recoveredAt',
  'recoveryNotifiedAt', 'responseStartedAt', 'writtenReportAt',
] as const;
export type IncidentTimeField = (typeof incidentTimeFields)[number];

export const timeColumn: Record<IncidentTimeField, string> = {
  startedAt: 'started_at', detectedAt: 'detected_at', awareAt: 'aware_at', clientNotifiedAt: 'client_notified_at',
  etaNotifiedAt: 'eta_notified_at', recoveredAt: 'recovered_at', recoveryNotifiedAt: 'recovery_notified_at',
  responseStartedAt: 'response_started_at', writtenReportAt: 'written_report_at',
};

const text = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) => text(max).transform((s) => (s === '' ? null : s)).nullable();

export const affectedServiceSchema = z.strictObject({
  serviceId: z.number().int().positive(),
  impact: z.enum(impacts),
});

const fieldsShape = {
  kind: z.enum(incidentKinds),
  severity: z.enum(incidentSeverities),
  titleJa: text(200).min(1),
  titleEn: optionalText(200),
  services: z.array(affectedServiceSchema).max(100),
  cause: optionalText(10_000),
  fix: optionalText(10_000),
  prevention: optionalText(10_000),
  causeKnown: z.boolean().nullable(),
  /** A label of the configured cause categories (checked against them where the form is read); left out, unchanged. */
  causeCategory: optionalText(100).optional(),
  forceMajeure: z.boolean(),
  forceMajeureReason: optionalText(2000),
};

function refineFields(v: { forceMajeure: boolean; forceMajeureReason: string | null; services: Array<{ serviceId: number }> }, ctx: z.RefinementCtx): void {
  if (v.forceMajeure && !v.forceMajeureReason) ctx.addIssue({ code: 'custom', path: ['forceMajeureReason'], message: 'required_with_force_majeure' });
  const ids = v.services.map((s) => s.serviceId);
  if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', path: ['services'], message: 'duplicate' });
}

/** What an admin edits on an incident (the times have their own verb). */
export const incidentFieldsSchema = z.strictObject(fieldsShape).superRefine(refineFields);
export type IncidentFields = z.infer<typeof incidentFieldsSchema>;

export const firstUpdateSchema = z.strictObject({
  status: z.enum(updateStatuses),
  bodyJa: text(20_000).min(1),
  bodyEn: optionalText(20_000),
  published: z.boolean(),
});

export const createIncidentSchema = z.strictObject({
  ...fieldsShape,
  startedAt: z.number().int(),
  /** When the admin became aware (SLA.md): left out, it is the moment the incident is recorded. */
  awareAt: z.number().int().nullable().optional(),
  /** The first update of the timeline (optional). */
  firstUpdate: firstUpdateSchema.nullable(),
}).superRefine(refineFields);
export type CreateIncidentInput = z.input<typeof createIncidentSchema>;

export const updateInputSchema = z.strictObject({
  status: z.enum(updateStatuses),
  bodyJa: text(20_000).min(1),
  bodyEn: optionalText(20_000),
  published: z.boolean(),
  at: z.number().int().optional(),
});
export type UpdateInput = z.input<typeof updateInputSchema>;
