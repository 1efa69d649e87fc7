import { describe, it, expect } from 'vitest';
import { describeOptions, readOptionFields, optionInputValue } from '../../src/lib/monitors/options';
import { checkTypes } from '../../src/lib/probe/registry';
import { adminWords } from '../../src/lib/i18n-admin';

/** Lists of plain values are typed comma-separated, not as JSON; maps stay JSON. */
describe('monitor option fields', () => {
  const fields = describeOptions(checkTypes.http!.options);
  const byKey = (k: string) => fields.find((f) => f.key === k)!;

  it('offers expected statuses as a comma-separated list, numbers and ranges alike', () => {
    const f = byKey('expected_status');
    expect(f.kind).toBe('list');
    expect(optionInputValue(f, undefined)).toBe('200-399');
    const read = readOptionFields(fields, (n) => (n === 'opt.expected_status' ? '200-299, 418、 ' : null));
    expect(read.problems).toEqual([]);
    expect(read.options.expected_status).toEqual(['200-299', 418]);
    expect(checkTypes.http!.options.safeParse(read.options).success).toBe(true);
  });

  it('keeps headers as JSON', () => {
    expect(byKey('headers').kind).toBe('json');
  });

  it('labels every option of every check type in both languages (no key shown as a label)', () => {
    const missing: string[] = [];
    for (const [type, check] of Object.entries(checkTypes)) {
      for (const f of describeOptions(check!.options)) {
        for (const lang of ['ja', 'en'] as const) if (!adminWords[lang].monitorForm.optionLabels[f.key]) missing.push(`${lang} ${type}.${f.key}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
