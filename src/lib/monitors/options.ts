import type { z } from 'zod';

/**
 * Describes a check type's options schema (a zod object) as form fields, so the admin form
 * shows every option of every check type without a hand-written form per type. Lists of
 * plain values are typed comma-separated (`200-399, 418`); only maps (headers) stay JSON.
 */
export type OptionKind = 'string' | 'number' | 'boolean' | 'enum' | 'list' | 'json';

export interface OptionField {
  key: string;
  kind: OptionKind;
  values: string[];
  optional: boolean;
  defaultValue: unknown;
  /** For a list: whether items that are all digits are numbers (a list of numbers, or numbers or text). */
  numericItems?: boolean;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  entries?: Record<string, string>;
  shape?: Record<string, z.ZodType>;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

export function describeOptions(schema: z.ZodType): OptionField[] {
  let def = defOf(schema);
  while (def.type === 'pipe' && def.in) def = defOf(def.in);
  if (def.type !== 'object' || !def.shape) return [];
  return Object.entries(def.shape).map(([key, field]) => {
    let d = defOf(field);
    let optional = false;
    let defaultValue: unknown;
    for (;;) {
      if (d.type === 'optional' || d.type === 'nullable') optional = true;
      else if (d.type === 'default' || d.type === 'prefault') {
        optional = true;
        defaultValue = typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue;
      } else break;
      d = defOf(d.innerType!);
    }
    let kind: OptionKind = 'json';
    let values: string[] = [];
    let numericItems: boolean | undefined;
    if (d.type === 'array' && d.element) {
      const e = defOf(d.element);
      const plain = (t: string) => t === 'string' || t === 'number' || t === 'int';
      if (plain(e.type) || (e.type === 'union' && (e.options ?? []).every((o) => plain(defOf(o).type)))) {
        kind = 'list';
        numericItems = e.type !== 'string';
      }
    }
    if (d.type === 'string') kind = 'string';
    else if (d.type === 'number' || d.type === 'int') kind = 'number';
    else if (d.type === 'boolean') kind = 'boolean';
    else if (d.type === 'enum' && d.entries) {
      kind = 'enum';
      values = Object.values(d.entries).map(String);
    }
    return { key, kind, values, optional, defaultValue, ...(numericItems !== undefined ? { numericItems } : {}) };
  });
}

/**
 * Reads the option fields of a submitted form (`opt.<key>`) into an options object: empty
 * optional fields are left out (their default applies), numbers and JSON are parsed. Returns
 * the problems by field for values that cannot even be read.
 */
export function readOptionFields(fields: OptionField[], form: (name: string) => string | null): { options: Record<string, unknown>; problems: Array<{ path: string; message: string }> } {
  const options: Record<string, unknown> = {};
  const problems: Array<{ path: string; message: string }> = [];
  for (const f of fields) {
    const raw = form(`opt.${f.key}`);
    if (f.kind === 'boolean') {
      options[f.key] = raw === 'on' || raw === 'true';
      continue;
    }
    if (raw === null || raw.trim() === '') continue;
    if (f.kind === 'number') {
      const n = Number(raw);
      if (Number.isFinite(n)) options[f.key] = n;
      else problems.push({ path: `options.${f.key}`, message: 'not_a_number' });
    } else if (f.kind === 'list') {
      options[f.key] = raw.split(/[,、\n]/).map((x) => x.trim()).filter((x) => x !== '').map((x) => (f.numericItems && /^\d+$/.test(x) ? Number(x) : x));
    } else if (f.kind === 'json') {
      try {
        options[f.key] = JSON.parse(raw);
      } catch {
        problems.push({ path: `options.${f.key}`, message: 'not_json' });
      }
    } else options[f.key] = raw;
  }
  return { options, problems };
}

/** How an option's current value is shown in its input. */
export function optionInputValue(f: OptionField, value: unknown): string {
  const v = value === undefined ? f.defaultValue : value;
  if (v === undefined || v === null) return '';
  if (f.kind === 'list' && Array.isArray(v)) return v.map(String).join(', ');
  if (f.kind === 'json') return JSON.stringify(v);
  return String(v);
}
