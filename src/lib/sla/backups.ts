import type { Db } from '../db';
import { daysBetween, type Period } from '../time';

/**
 * The backup row (000: daily, at night, 5 generations kept), read from the `backups` table
 * that the backup job writes. Without that table the row is reported as not measured.
 */
export interface BackupDay {
  /** `YYYY-MM-DD` in the zone. */
  day: string;
  /** Start of the day's last successful backup, or of its last attempt when none succeeded; null with no attempt. */
  at: number | null;
  ok: boolean | null;
  generations: number | null;
  /** The copy passed its integrity check (復元確認). */
  verified: boolean | null;
  sizeBytes: number | null;
  error: string | null;
}

export interface BackupFigures {
  measured: boolean;
  /** The month's days that have begun, one row each. */
  days: BackupDay[];
  okDays: number;
  /** Generations kept after the month's last successful backup. */
  latestGenerations: number | null;
}

interface Column { name: string }

export function readBackups(db: Db, period: Period, now: number, zone: string): BackupFigures {
  const c = db.$client;
  const exists = c.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'backups'").get();
  if (!exists) return { measured: false, days: [], okDays: 0, latestGenerations: null };
  const cols = new Set((c.prepare('PRAGMA table_info(backups)').all() as Column[]).map((col) => col.name));
  const pick = (...names: string[]) => names.find((n) => cols.has(n));
  const generations = pick('generations_kept', 'generations');
  const size = pick('size_bytes', 'size');
  const integrity = pick('integrity_result');
  const error = pick('error');
  if (!cols.has('started_at') || !cols.has('ok')) return { measured: false, days: [], okDays: 0, latestGenerations: null };
  const rows = c.prepare(`SELECT started_at AS at, ok, ${generations ?? 'NULL'} AS generations, ${size ?? 'NULL'} AS sizeBytes,
      ${integrity ?? 'NULL'} AS integrity, ${error ?? 'NULL'} AS error
    FROM backups WHERE started_at >= ? AND started_at < ? ORDER BY started_at`).all(period.start, period.end) as
    { at: number; ok: number; generations: number | null; sizeBytes: number | null; integrity: string | null; error: string | null }[];
  const days = daysBetween(period.start, Math.min(period.end, Math.max(now, period.start)), zone).map((day): BackupDay => {
    const attempts = rows.filter((r) => r.at >= day.start && r.at < day.end);
    const good = attempts.filter((r) => r.ok === 1);
    const chosen = good[good.length - 1] ?? attempts[attempts.length - 1];
    if (!chosen) return { day: day.label, at: null, ok: null, generations: null, verified: null, sizeBytes: null, error: null };
    return {
      day: day.label, at: chosen.at, ok: chosen.ok === 1, generations: chosen.generations,
      verified: chosen.integrity === null ? null : chosen.integrity === 'ok', sizeBytes: chosen.sizeBytes, error: chosen.error,
    };
  });
  const lastGood = [...rows].reverse().find((r) => r.ok === 1);
  return { measured: true, days, okDays: days.filter((d) => d.ok === true).length, latestGenerations: lastGood?.generations ?? null };
}
