import { statement, type Db } from '../db';
import type { Interval } from '../intervals';
import { clientTarget } from './secrets';

/**
 * The life of a monitor's settings (SLA.md, Figures over time; locations have a life): which
 * locations were assigned to it, its quorum, whether it counted toward availability, its
 * confirmation count, interval, timeout and service, as they were at each instant. Written
 * when an admin or an import changes them; read by the SLA rules, so a closed month is
 * always judged by what was in force then.
 */

export const LOCAL = 'local';

/** Stands for "no end yet". */
const OPEN_END = Number.MAX_SAFE_INTEGER;

export interface EraLocation {
  id: number;
  slug: string;
}

/** A stretch of time in which the monitor's locations and quorum did not change. */
export interface LocationEra extends Interval {
  locations: EraLocation[];
  /** Null: a majority of the locations voting (SLA.md rule 1). */
  quorum: number | null;
}

export interface MonitorSettings {
  quorum: number | null;
  countsForAvailability: boolean;
  /** Consecutive failed checks that confirm an outage (SLA.md rule 1). */
  confirm: number;
  /** Seconds between checks: a gap allowance is twice it (SLA.md rule 6). */
  intervalS: number;
  timeoutS: number;
  serviceId: number;
  /** Its check type and its target as reports show it (secrets masked), for the month's monitor table. */
  type: string;
  shownTarget: string;
}

/** The settings in force over one stretch of time. */
export type SettingSpan = Interval & MonitorSettings;

interface SettingRow { from: number; quorum: number | null; counts: number; confirm: number; intervalS: number; timeoutS: number; serviceId: number; type: string; target: string; shownTarget: string | null }

const SETTING_COLUMNS = 'quorum, counts_for_availability AS counts, confirm, interval_s AS intervalS, timeout_s AS timeoutS, service_id AS serviceId, type, target, NULL AS shownTarget';

function settingRows(db: Db, monitorId: number): SettingRow[] {
  // A column left null (no writer leaves one since the migration filled them) reads as the monitor's own.
  return statement(db, `SELECT h."from", h.quorum, h.counts_for_availability AS counts, coalesce(h.confirm, m.confirm) AS confirm,
      coalesce(h.interval_s, m.interval_s) AS intervalS, coalesce(h.timeout_s, m.timeout_s) AS timeoutS, coalesce(h.service_id, m.service_id) AS serviceId,
      coalesce(h.type, m.type) AS type, m.target, h.shown_target AS shownTarget
    FROM monitor_setting_history h JOIN monitors m ON m.id = h.monitor_id WHERE h.monitor_id = ? ORDER BY h."from"`).all(monitorId) as SettingRow[];
}

function settingsOf(r: Omit<SettingRow, 'from'>): MonitorSettings {
  return {
    quorum: r.quorum, countsForAvailability: r.counts === 1, confirm: r.confirm, intervalS: r.intervalS, timeoutS: r.timeoutS, serviceId: r.serviceId,
    type: r.type, shownTarget: r.shownTarget ?? clientTarget(r.type, r.target),
  };
}

function currentSettings(db: Db, monitorId: number): MonitorSettings | null {
  const row = statement(db, `SELECT ${SETTING_COLUMNS} FROM monitors WHERE id = ?`).get(monitorId) as Omit<SettingRow, 'from'> | undefined;
  return row ? settingsOf(row) : null;
}

/** Whether anything was ever checked for the monitor: before that, a change reaches back to its beginning. */
function everChecked(db: Db, monitorId: number): boolean {
  return statement(db, `SELECT EXISTS (SELECT 1 FROM check_runs WHERE monitor_id = ?)
    OR EXISTS (SELECT 1 FROM location_check_runs WHERE location_id IN (SELECT id FROM probe_locations) AND monitor_id = ?)`).pluck().get(monitorId, monitorId) === 1;
}

/**
 * Each stretch of the monitor's settings: `[from, next from)`. The first reaches back to 0
 * (the values before any change was recorded); with no record, the monitor's own columns.
 */
export function settingSpans(db: Db, monitorId: number): SettingSpan[] {
  const rows = settingRows(db, monitorId);
  if (rows.length === 0) {
    const now = currentSettings(db, monitorId);
    return now ? [{ start: 0, end: OPEN_END, ...now }] : [];
  }
  return rows.map((r, i) => ({ start: i === 0 ? 0 : r.from, end: rows[i + 1]?.from ?? OPEN_END, ...settingsOf(r) }));
}

/** The settings in force at `at` (spans as settingSpans gives them, never empty). */
export function settingAt(spans: readonly SettingSpan[], at: number): MonitorSettings {
  return spans.find((s) => s.start <= at && at < s.end) ?? spans[spans.length - 1]!;
}

/** A monitor's settings over time, as the SLA rules read them (read once, asked many times). */
export interface MonitorSettingsOverTime {
  spans: SettingSpan[];
  /** The confirmation count in force at `at`. */
  confirm: (at: number) => number;
  /** The interval in force at `at`, in milliseconds. */
  intervalMs: (at: number) => number;
  /** The times it counted toward availability for the service, while it belonged to it. */
  countingFor: (serviceId: number) => Interval[];
}

export function settingsOverTime(db: Db, monitorId: number): MonitorSettingsOverTime {
  const spans = settingSpans(db, monitorId);
  return {
    spans,
    confirm: (at) => settingAt(spans, at).confirm,
    intervalMs: (at) => settingAt(spans, at).intervalS * 1000,
    countingFor: (serviceId) => spans.filter((s) => s.countsForAvailability && s.serviceId === serviceId).map(({ start, end }) => ({ start, end })),
  };
}

/** The monitor's interval in force at `at`, in seconds: the gap allowance of a check made then. */
export function intervalAt(db: Db, monitorId: number, at: number): number {
  return statement(db, `SELECT coalesce((SELECT h.interval_s FROM monitor_setting_history h WHERE h.monitor_id = m.id AND h."from" <= ? ORDER BY h."from" DESC LIMIT 1),
      m.interval_s) FROM monitors m WHERE m.id = ?`).pluck().get(at, monitorId) as number;
}

const SAME: Array<keyof MonitorSettings> = ['quorum', 'countsForAvailability', 'confirm', 'intervalS', 'timeoutS', 'serviceId', 'type', 'shownTarget'];

/**
 * Records the settings in force from `at` (`changes` over the present ones, which the
 * monitor's columns hold, and which it then updates; its type and target are the caller's to
 * write). A monitor never checked yet has no figures to keep: its settings simply change
 * from its beginning. Call inside the caller's transaction.
 */
export function recordSettings(db: Db, monitorId: number, changes: Partial<MonitorSettings>, at: number): void {
  const now = currentSettings(db, monitorId);
  if (!now) return;
  const next: MonitorSettings = { ...now, ...changes };
  if (SAME.every((k) => now[k] === next[k])) return;
  const insert = statement(db, `INSERT OR REPLACE INTO monitor_setting_history (monitor_id, "from", quorum, counts_for_availability, confirm, interval_s, timeout_s, service_id, type, shown_target)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const write = (from: number, v: MonitorSettings) => insert.run(monitorId, from, v.quorum, v.countsForAvailability ? 1 : 0, v.confirm, v.intervalS, v.timeoutS, v.serviceId, v.type, v.shownTarget);
  if (everChecked(db, monitorId)) {
    // Rows kept before the shown target was: it was the present one until now.
    statement(db, 'UPDATE monitor_setting_history SET shown_target = ? WHERE monitor_id = ? AND shown_target IS NULL').run(now.shownTarget, monitorId);
    // The values until now, kept from the beginning, once the first change is recorded.
    if (settingRows(db, monitorId).length === 0) write(0, now);
    write(at, next);
  } else {
    statement(db, 'DELETE FROM monitor_setting_history WHERE monitor_id = ?').run(monitorId);
  }
  statement(db, `UPDATE monitors SET quorum = ?, counts_for_availability = ?, confirm = ?, interval_s = ?, timeout_s = ?, service_id = ? WHERE id = ?`)
    .run(next.quorum, next.countsForAvailability ? 1 : 0, next.confirm, next.intervalS, next.timeoutS, next.serviceId, monitorId);
}

interface SpanRow extends EraLocation { start: number; end: number | null }

function locationSpanRows(db: Db, monitorId: number): SpanRow[] {
  return statement(db, `SELECT s.location_id AS id, l.slug, s.start, s."end" FROM monitor_location_spans s
    JOIN probe_locations l ON l.id = s.location_id WHERE s.monitor_id = ? ORDER BY s.start, l.slug`).all(monitorId) as SpanRow[];
}

/**
 * Records the locations assigned from `at` on (an empty list: the local probe alone). Also
 * keeps `monitor_locations`, the present assignment. Call inside the caller's transaction.
 */
export function recordLocations(db: Db, monitorId: number, locations: readonly EraLocation[], at: number): void {
  const local = statement(db, 'SELECT id, slug FROM probe_locations WHERE slug = ?').get(LOCAL) as EraLocation;
  const wanted = new Set(locations.map((l) => l.id));
  const localAlone = wanted.size === 0 || (wanted.size === 1 && wanted.has(local.id));
  const insert = statement(db, 'INSERT OR REPLACE INTO monitor_location_spans (monitor_id, location_id, start, "end") VALUES (?, ?, ?, NULL)');
  statement(db, 'DELETE FROM monitor_locations WHERE monitor_id = ?').run(monitorId);
  for (const id of wanted) statement(db, 'INSERT INTO monitor_locations (monitor_id, location_id) VALUES (?, ?)').run(monitorId, id);

  if (!everChecked(db, monitorId)) {
    // Nothing was judged yet: the assignment holds from the monitor's beginning (no record: `local` alone).
    statement(db, 'DELETE FROM monitor_location_spans WHERE monitor_id = ?').run(monitorId);
    if (!localAlone) for (const id of wanted) insert.run(monitorId, id, 0);
    return;
  }
  const spans = locationSpanRows(db, monitorId);
  if (spans.length === 0) {
    if (localAlone) return;
    // Until now it was checked from `local` alone.
    insert.run(monitorId, local.id, 0);
    spans.push({ ...local, start: 0, end: null });
  }
  if (wanted.size === 0) wanted.add(local.id);
  for (const s of spans) {
    if (s.end === null && !wanted.has(s.id)) statement(db, 'UPDATE monitor_location_spans SET "end" = ? WHERE monitor_id = ? AND location_id = ? AND start = ?').run(Math.max(at, s.start), monitorId, s.id, s.start);
  }
  const open = new Set(spans.filter((s) => s.end === null).map((s) => s.id));
  for (const id of wanted) {
    if (open.has(id)) continue;
    // Removed and assigned again in the same instant: the one span goes on.
    const reopened = statement(db, 'UPDATE monitor_location_spans SET "end" = NULL WHERE monitor_id = ? AND location_id = ? AND "end" = ?').run(monitorId, id, at).changes;
    if (reopened === 0) insert.run(monitorId, id, at);
  }
}

/**
 * The monitor's locations and quorum at each instant from 0 on, or [] for a monitor checked
 * from the local probe alone all its life. A stretch no assignment covers is `local` alone.
 */
export function locationEras(db: Db, monitorId: number): LocationEra[] {
  const spans = locationSpanRows(db, monitorId);
  if (spans.length === 0) return [];
  const settings = settingSpans(db, monitorId);
  const local = statement(db, 'SELECT id, slug FROM probe_locations WHERE slug = ?').get(LOCAL) as EraLocation;
  const cuts = new Set<number>([0, OPEN_END]);
  for (const s of spans) {
    cuts.add(s.start);
    if (s.end !== null) cuts.add(s.end);
  }
  for (const s of settings) cuts.add(s.start);
  const points = [...cuts].sort((a, b) => a - b);
  const eras: LocationEra[] = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const start = points[k]!;
    const end = points[k + 1]!;
    const here = spans.filter((s) => s.start <= start && (s.end === null || s.end > start)).map((s) => ({ id: s.id, slug: s.slug }));
    const locations = here.length ? here.sort((a, b) => a.slug.localeCompare(b.slug)) : [local];
    const quorum = settings.find((s) => s.start <= start && s.end > start)?.quorum ?? null;
    const last = eras[eras.length - 1];
    if (last && last.quorum === quorum && sameLocations(last.locations, locations)) last.end = end;
    else eras.push({ start, end, locations, quorum });
  }
  return eras;
}

function sameLocations(a: readonly EraLocation[], b: readonly EraLocation[]): boolean {
  return a.length === b.length && a.every((l, i) => l.id === b[i]!.id);
}

/** The stretches in which `locationId` was assigned to the monitor (everything, for `local` of a monitor with no record). */
export function assignedSpans(db: Db, monitorId: number, locationId: number): Interval[] {
  return locationSpanRows(db, monitorId).filter((s) => s.id === locationId).map((s) => ({ start: s.start, end: s.end ?? OPEN_END }));
}
