import { describe, expect, it } from 'vitest';
import { monthPeriod, fiscalYearToDate, daysBetween, lastDays, parseInstant, monthOf } from '../../src/lib/time';

const iso = (ms: number) => new Date(ms).toISOString();

describe('periods in Asia/Tokyo', () => {
  it('a month runs from the 1st 00:00 JST to the next 1st 00:00 JST', () => {
    const p = monthPeriod('2026-10');
    expect(iso(p.start)).toBe('2026-09-30T15:00:00.000Z');
    expect(iso(p.end)).toBe('2026-10-31T15:00:00.000Z');
    expect((p.end - p.start) / 1000).toBe(2_678_400);
  });

  it('has 28, 29, 30 and 31-day months', () => {
    const days = (m: string) => (monthPeriod(m).end - monthPeriod(m).start) / 86_400_000;
    expect(days('2026-02')).toBe(28);
    expect(days('2028-02')).toBe(29);
    expect(days('2026-11')).toBe(30);
    expect(days('2026-12')).toBe(31);
  });

  it('December ends at January 1st JST of the next year', () => {
    expect(iso(monthPeriod('2026-12').end)).toBe('2026-12-31T15:00:00.000Z');
  });

  it('places an instant just before and after JST midnight in the right month', () => {
    expect(monthOf(Date.parse('2026-10-31T14:59:59.999Z'))).toBe('2026-10');
    expect(monthOf(Date.parse('2026-10-31T15:00:00.000Z'))).toBe('2026-11');
  });

  it('the fiscal year to date starts in April', () => {
    expect(iso(fiscalYearToDate('2026-10').start)).toBe('2026-03-31T15:00:00.000Z');
    expect(iso(fiscalYearToDate('2027-02').start)).toBe('2026-03-31T15:00:00.000Z');
    expect(iso(fiscalYearToDate('2027-02').end)).toBe('2027-02-28T15:00:00.000Z');
    expect(iso(fiscalYearToDate('2026-04').start)).toBe('2026-03-31T15:00:00.000Z');
  });

  it('refuses a malformed month', () => {
    expect(() => monthPeriod('2026-13')).toThrow(/YYYY-MM/);
    expect(() => monthPeriod('26-1')).toThrow(/YYYY-MM/);
  });

  it('cuts days at JST midnight', () => {
    const days = daysBetween(Date.parse('2026-10-01T14:00:00Z'), Date.parse('2026-10-01T16:00:00Z'));
    expect(days.map((d) => d.label)).toEqual(['2026-10-01', '2026-10-02']);
    expect(iso(days[1]!.start)).toBe('2026-10-01T15:00:00.000Z');
  });

  it('the last 90 days end with today in JST', () => {
    const days = lastDays(90, Date.parse('2026-11-25T16:00:00Z'));
    expect(days).toHaveLength(90);
    expect(days[89]!.label).toBe('2026-11-26');
  });
});

describe('parseInstant', () => {
  it('reads ISO 8601 with an offset or Z', () => {
    expect(parseInstant('2026-10-01T00:00:00+09:00')).toBe(Date.parse('2026-09-30T15:00:00Z'));
    expect(parseInstant('2026-10-01T00:00:00.250Z')).toBe(Date.parse('2026-10-01T00:00:00.250Z'));
  });

  it('refuses instants without an offset and impossible dates', () => {
    expect(parseInstant('2026-10-01T00:00:00')).toBeNull();
    expect(parseInstant('2026-02-30T00:00:00Z')).toBeNull();
    expect(parseInstant('2026-10-01T24:00:00Z')).toBeNull();
    expect(parseInstant('yesterday')).toBeNull();
  });
});
