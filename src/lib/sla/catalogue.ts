import { z } from 'zod';
import { timerKeys } from './timers';

/**
 * The SLA table is configuration (SLA.md "SLA rows"): each row has a key, Japanese and
 * English names, a target, and either a measurement from the system's records or a value
 * an admin enters for the month. `sla.rows` in the settings file replaces this catalogue.
 */
const localized = z.strictObject({ ja: z.string().min(1), en: z.string().min(1) });
const rowKey = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be lower-case letters, digits, "_", "." and "-"').max(100);

const measures = [
  /** One row per service (key `<key>.<service slug>`), target from the service's sla_target_pct. */
  z.strictObject({ measure: z.literal('availability') }),
  /** Planned service time (calendar time less planned stops and force majeure): informational. */
  z.strictObject({ measure: z.literal('service_hours') }),
  /** Every planned stop starting in the month announced `sla.notice_days` ahead, or approved by the client. */
  z.strictObject({ measure: z.literal('notice') }),
  /** Every planned stop starting in the month scheduled inside the maintenance window. */
  z.strictObject({ measure: z.literal('window') }),
  /** Regular planned stops (inspection, preventive) starting in the month: at most `max`. */
  z.strictObject({ measure: z.literal('regular_stops'), max: z.number().int().min(0).default(1) }),
  /** An incident timer of SLA.md met for every incident of the month of that kind. */
  z.strictObject({ measure: z.literal('timer'), timer: z.enum(timerKeys), incidents: z.enum(['failure', 'security', 'all']).default('all') }),
  /** A successful backup every day of the month and at least `generations` kept. */
  z.strictObject({ measure: z.literal('backup'), generations: z.number().int().min(1).default(5) }),
  /** Monitored share of the service time (SLA.md "Coverage") at least `min_pct` for every service. */
  z.strictObject({ measure: z.literal('coverage'), min_pct: z.number().min(0).max(100).default(99.9) }),
  /** Incidents started in the month: `major` (severity major or critical) or `security`: at most `max`. */
  z.strictObject({ measure: z.literal('count'), incidents: z.enum(['major', 'security']), max: z.number().int().min(0).default(0) }),
  /** The month's report issued by day `day` of the next month. */
  z.strictObject({ measure: z.literal('report_deadline'), day: z.number().int().min(1).max(28).default(10) }),
  /**
   * A value an admin enters for the month (sla_manual_values). With `op` `>=` or `<=` and a
   * `threshold` the value must be a number and is judged; with `yes` a yes/no answer is; without `op` it is not judged.
   */
  /** The support desk (src/lib/support), measured from its records: acknowledgement, status reports, processing of applications. */
  z.strictObject({ measure: z.literal('support_ack') }),
  z.strictObject({ measure: z.literal('support_status_report') }),
  z.strictObject({ measure: z.literal('support_processing') }),
  /** Support time logged by admins in the month: at least `hours`. */
  z.strictObject({ measure: z.literal('support_hours'), hours: z.number().positive().default(5) }),
  /** Satisfaction survey answers returned in the month: average at least `min_score`. */
  z.strictObject({ measure: z.literal('support_survey'), min_score: z.number().min(0).max(100).default(65) }),
  z.strictObject({ measure: z.literal('manual'), unit: z.string().optional(), op: z.enum(['>=', '<=', 'yes']).optional(), threshold: z.number().optional() }),
] as const;

// A strict object cannot be intersected without each side refusing the other's keys, so rows are validated in two passes.
const rowBase = z.object({ key: rowKey, name: localized, target: localized.optional(), note: localized.optional() });
const rowMeasure = z.discriminatedUnion('measure', measures);
const knownKeys = new Set(['key', 'name', 'target', 'note', 'measure', 'max', 'timer', 'incidents', 'generations', 'min_pct', 'day', 'unit', 'op', 'threshold', 'hours', 'min_score']);

export const slaRowsSchema = z.array(z.record(z.string(), z.unknown())).superRefine((rows, ctx) => {
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    for (const k of Object.keys(row)) if (!knownKeys.has(k)) ctx.addIssue({ code: 'custom', path: [i, k], message: `unknown key "${k}"` });
    const { key, name, target, note, ...measure } = row;
    const base = rowBase.safeParse({ key, name, target, note });
    if (!base.success) for (const issue of base.error.issues) ctx.addIssue({ code: 'custom', path: [i, ...issue.path], message: issue.message });
    const m = rowMeasure.safeParse(measure);
    if (!m.success) for (const issue of m.error.issues) ctx.addIssue({ code: 'custom', path: [i, ...issue.path], message: issue.message });
    if (typeof key === 'string') {
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `duplicate row key "${key}"` });
      seen.add(key);
    }
    if (m.success && m.data.measure === 'manual' && (m.data.op === '>=' || m.data.op === '<=') && m.data.threshold === undefined) {
      ctx.addIssue({ code: 'custom', path: [i, 'threshold'], message: `op "${m.data.op}" needs a threshold` });
    }
  });
}).transform((rows) => rows.map((row) => {
  const { key, name, target, note, ...measure } = row;
  return { ...rowBase.parse({ key, name, target, note }), ...rowMeasure.parse(measure) } as SlaRowDef;
}));

export type SlaMeasure = z.infer<typeof rowMeasure>;
export type SlaRowDef = z.infer<typeof rowBase> & SlaMeasure;

const L = (ja: string, en: string) => ({ ja, en });

/** PRODUCT.md's service levels (000 §5(1), with the stricter 004 rows). */
export const defaultSlaRows: SlaRowDef[] = [
  { key: 'service_hours', name: L('サービス提供時間', 'Service hours'), target: L('24時間365日（計画停止・不可抗力を除く）', '24 h × 365 d, except planned stops and force majeure'), measure: 'service_hours' },
  { key: 'availability', name: L('稼働率', 'Availability'), measure: 'availability' },
  { key: 'planned_stop.notice', name: L('計画停止予定通知', 'Planned-stop notice'), measure: 'notice' },
  { key: 'planned_stop.window', name: L('計画停止時間帯', 'Maintenance window'), measure: 'window' },
  { key: 'planned_stop.count', name: L('定期計画停止回数', 'Regular planned stops'), measure: 'regular_stops', max: 1 },
  { key: 'failure.client_notified', name: L('障害発生通知', 'Failure: client notified'), measure: 'timer', timer: 'client_notified', incidents: 'failure' },
  { key: 'failure.eta_notified', name: L('復旧見込通知', 'Failure: expected recovery notified'), measure: 'timer', timer: 'eta_notified', incidents: 'failure' },
  { key: 'failure.recovery_notified', name: L('復旧通知', 'Failure: recovery notified'), measure: 'timer', timer: 'recovery_notified', incidents: 'failure' },
  { key: 'backup', name: L('バックアップ', 'Backup'), measure: 'backup', generations: 5 },
  { key: 'recovery_to_latest', name: L('最新バックアップ時点への復旧', 'Recovery to the latest backup'), target: L('可能であること', 'possible'), measure: 'manual', op: 'yes' },
  { key: 'monitoring', name: L('機械監視', 'Machine monitoring'), measure: 'coverage', min_pct: 99.9 },
  { key: 'security.client_notified', name: L('不正アクセス通知', 'Unauthorized access: client notified'), measure: 'timer', timer: 'client_notified', incidents: 'security' },
  { key: 'security.response', name: L('不正アクセス対応着手', 'Unauthorized access: response started'), measure: 'timer', timer: 'security_response', incidents: 'security' },
  { key: 'failure.first_report', name: L('障害第一報', 'Failure: first report'), measure: 'timer', timer: 'first_report', incidents: 'all' },
  { key: 'failure.recovery', name: L('障害復旧', 'Failure: recovery'), measure: 'timer', timer: 'recovery', incidents: 'all' },
  { key: 'failure.progress_report', name: L('途中経過報告', 'Failure: progress reports'), measure: 'timer', timer: 'progress_report', incidents: 'all' },
  { key: 'failure.written_report', name: L('障害報告書', 'Failure: written report'), measure: 'timer', timer: 'written_report', incidents: 'all' },
  { key: 'monthly_report', name: L('月次報告', 'Monthly report'), measure: 'report_deadline', day: 10 },
  { key: 'count.major', name: L('重大障害件数', 'Major failures'), measure: 'count', incidents: 'major', max: 0 },
  { key: 'count.security', name: L('セキュリティ障害件数', 'Security failures'), measure: 'count', incidents: 'security', max: 0 },
  // The support desk's rows are measured from its records (src/lib/support), not entered.
  { key: 'maintenance_support', name: L('保守対応時間', 'Maintenance support'), measure: 'support_hours', hours: 5 },
  { key: 'support.acknowledged', name: L('問合せ受付第一報', 'Inquiry acknowledged'), measure: 'support_ack' },
  { key: 'support.status_report', name: L('対応状況報告', 'Status reported to the requester'), measure: 'support_status_report' },
  { key: 'support.processing', name: L('申請処理及び連絡', 'Application processed'), measure: 'support_processing' },
  { key: 'support.survey', name: L('満足度調査', 'Satisfaction survey'), measure: 'support_survey', min_score: 65 },
];
