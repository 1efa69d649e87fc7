import { describe, expect, it } from 'vitest';
import { lastSlot, nightlyDue } from '../../src/lib/backup/schedule';
import { parseConfig } from '../../src/lib/config';
import { AppError } from '../../src/lib/errors';

const jst = (iso: string) => Date.parse(`${iso}+09:00`);

describe('nightly schedule', () => {
  it('finds the latest 02:30 JST at or before now', () => {
    expect(lastSlot('02:30', 'Asia/Tokyo', jst('2026-10-02T02:30:00'))).toBe(jst('2026-10-02T02:30:00'));
    expect(lastSlot('02:30', 'Asia/Tokyo', jst('2026-10-02T02:29:59'))).toBe(jst('2026-10-01T02:30:00'));
    expect(lastSlot('02:30', 'Asia/Tokyo', jst('2026-10-02T23:00:00'))).toBe(jst('2026-10-02T02:30:00'));
    expect(lastSlot('23:45', 'Asia/Tokyo', jst('2026-10-02T01:00:00'))).toBe(jst('2026-10-01T23:45:00'));
  });

  it('runs at its time, once a night', () => {
    expect(nightlyDue('02:30', 'Asia/Tokyo', jst('2026-10-02T02:29:00'), null)).toBe(false);
    expect(nightlyDue('02:30', 'Asia/Tokyo', jst('2026-10-02T02:30:00'), null)).toBe(true);
    expect(nightlyDue('02:30', 'Asia/Tokyo', jst('2026-10-02T02:31:00'), jst('2026-10-02T02:30:00'))).toBe(false);
    expect(nightlyDue('02:30', 'Asia/Tokyo', jst('2026-10-03T02:30:00'), jst('2026-10-02T02:30:00'))).toBe(true);
  });

  it('makes up a missed night when the worker comes back, but a new installation waits for its first night', () => {
    expect(nightlyDue('02:30', 'Asia/Tokyo', jst('2026-10-03T09:15:00'), jst('2026-10-01T02:30:00'))).toBe(true);
    expect(nightlyDue('02:30', 'Asia/Tokyo', jst('2026-10-03T09:15:00'), null)).toBe(false);
  });

  it('reads backup and retention settings with their defaults and names a bad field', () => {
    const c = parseConfig({});
    expect(c.backup).toEqual({ enabled: true, time: '02:30', generations: 5, copy_to: null });
    expect(c.retention).toEqual({ checks_days: 400, time: '03:30', compact: true });
    const custom = parseConfig({ backup: { time: '01:05', generations: 7, dir: '/srv/backups', copy_to: '/mnt/nas/status' }, retention: { checks_days: 90 } });
    expect(custom.backup.generations).toBe(7);
    expect(custom.backup.copy_to).toBe('/mnt/nas/status');
    expect(() => parseConfig({ backup: { time: '2:30' } })).toThrow(/\$\.backup\.time: must be a time HH:MM/);
    expect(() => parseConfig({ backup: { generations: 0 } })).toThrow(AppError);
    expect(() => parseConfig({ retention: { checks_days: 10 } })).toThrow(/\$\.retention\.checks_days/);
    expect(() => parseConfig({ backup: { keep: 3 } })).toThrow(/\$\.backup/);
  });
});
