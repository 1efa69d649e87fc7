import { z } from 'zod';
import type { Db } from '../db';
import type { Config } from '../config';
import { AppError, jsonPath, fieldIssue } from '../errors';
import { parseMonth } from '../time';
import { defaultSlaRows } from './catalogue';

/** SLA rows whose value an admin enters for a month (sla_manual_values). */
export interface ManualValue {
  month: string;
  rowKey: string;
  value: string;
  note: string | null;
  enteredBy: string;
  enteredAt: number;
}

const manualInput = z.strictObject({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must look like YYYY-MM'),
  row_key: z.string().min(1),
  value: z.string().trim().min(1, 'must not be empty').max(500),
  note: z.string().trim().max(2000).nullable().optional(),
  entered_by: z.string().min(1),
});
export type ManualValueInput = z.input<typeof manualInput>;

/** The rows of the configured catalogue that take an admin's value. */
export function manualRows(config: Config) {
  return (config.sla.rows ?? defaultSlaRows).filter((r) => r.measure === 'manual');
}

/**
 * Records (or replaces) the admin's value of a manual SLA row for a month. The row must be a
 * `manual` row of the catalogue; a row judged with `>=`/`<=` needs a number, one judged `yes` a yes/no.
 */
export function setManualValue(db: Db, config: Config, input: ManualValueInput, now = Date.now()): ManualValue {
  const parsed = manualInput.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => fieldIssue(i, jsonPath(i.path)));
    throw new AppError('VALIDATION', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  const v = parsed.data;
  parseMonth(v.month);
  const row = manualRows(config).find((r) => r.key === v.row_key);
  if (!row) throw new AppError('VALIDATION', `row_key: "${v.row_key}" is not an SLA row entered by hand`, [{ path: '$.row_key', message: 'not a manual SLA row' }]);
  if (row.measure === 'manual' && (row.op === '>=' || row.op === '<=') && parseNumber(v.value) === null) {
    throw new AppError('VALIDATION', `value: must be a number for "${v.row_key}"`, [{ path: '$.value', message: 'must be a number' }]);
  }
  if (row.measure === 'manual' && row.op === 'yes' && parseYes(v.value) === null) {
    throw new AppError('VALIDATION', `value: must be yes or no (はい／いいえ) for "${v.row_key}"`, [{ path: '$.value', message: 'must be yes or no' }]);
  }
  const value: ManualValue = { month: v.month, rowKey: v.row_key, value: v.value, note: v.note ?? null, enteredBy: v.entered_by, enteredAt: now };
  db.$client.prepare(`INSERT INTO sla_manual_values (month, row_key, value, note, entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (month, row_key) DO UPDATE SET value = excluded.value, note = excluded.note, entered_by = excluded.entered_by, entered_at = excluded.entered_at`)
    .run(value.month, value.rowKey, value.value, value.note, value.enteredBy, value.enteredAt);
  return value;
}

export function manualValues(db: Db, month: string): ManualValue[] {
  return db.$client.prepare(`SELECT month, row_key AS rowKey, value, note, entered_by AS enteredBy, entered_at AS enteredAt
    FROM sla_manual_values WHERE month = ? ORDER BY row_key`).all(month) as ManualValue[];
}

export function parseNumber(value: string): number | null {
  const n = Number(value.trim().replace(/[,，]/g, ''));
  return value.trim() !== '' && Number.isFinite(n) ? n : null;
}

export function parseYes(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (['yes', 'y', 'true', 'はい', '可', '達成', '○', '◯'].includes(v)) return true;
  if (['no', 'n', 'false', 'いいえ', '否', '未達成', '×'].includes(v)) return false;
  return null;
}
