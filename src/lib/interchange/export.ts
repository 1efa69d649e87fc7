import { openSync, writeSync, closeSync, fchmodSync } from 'node:fs';
import type { Db } from '../db';
import { toIso } from '../time';
import { statusName } from '../checks/status';
import { locationEras, settingSpans } from '../monitors/history';
import { maskTarget, maskOptions } from '../monitors/secrets';

/**
 * Writes the whole configuration and history as an interchange file. The order of keys
 * and rows is fixed, so exporting, importing into an empty database and exporting again
 * gives the same bytes. Checks are streamed, one a line, so a year of them fits any memory.
 * Monitors' secrets (passwords and secret query values in targets, header values, push
 * tokens) are written only `withSecrets`; otherwise each is the mask, which import never
 * takes for a value (src/lib/monitors/secrets.ts).
 */
export interface ExportOptions { withSecrets: boolean }

type Row = Record<string, unknown>;

const iso = (v: number | null) => (v === null ? undefined : toIso(v));
const bool = (v: number | null) => (v === null ? undefined : v === 1);
const localized = (ja: string | null, en: string | null) => (ja === null ? undefined : en === null ? { ja } : { ja, en });

/** Drops undefined fields so optional values are left out, not written as null. */
function compact<T extends Row>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

export function exportInterchange(db: Db, write: (chunk: string) => void, options: ExportOptions = { withSecrets: false }): void {
  const c = db.$client;
  const services = c.prepare('SELECT id, slug, name_ja, name_en, sla_target_pct, sort_order FROM services ORDER BY sort_order, id').all() as Row[];
  const serviceSlug = new Map(services.map((s) => [s.id as number, s.slug as string]));
  const monitors = c.prepare('SELECT * FROM monitors ORDER BY id').all() as Row[];
  const monitorSlug = new Map(monitors.map((m) => [m.id as number, m.slug as string]));
  const locationsOf = c.prepare('SELECT l.slug FROM monitor_locations x JOIN probe_locations l ON l.id = x.location_id WHERE x.monitor_id = ? ORDER BY l.slug').pluck();
  /**
   * A monitor's locations and quorum, left out for one checked from `local` alone; their
   * history when they changed, and when it counted toward availability or its other settings if they changed.
   */
  const monitorLocations = (id: number, quorum: number | null): Row => {
    const eras = locationEras(db, id);
    const counts = settingSpans(db, id).reduce<Array<{ start: number; end: number; counts: boolean }>>((out, s) => {
      const last = out[out.length - 1];
      if (last && last.counts === s.countsForAvailability) last.end = s.end;
      else out.push({ start: s.start, end: s.end, counts: s.countsForAvailability });
      return out;
    }, []);
    const spanOf = (e: { start: number; end: number }, i: number, all: readonly unknown[]) => ({ from: e.start > 0 ? iso(e.start) : undefined, to: i < all.length - 1 ? iso(e.end) : undefined });
    const histories: Row = counts.length > 1 ? { counts_history: counts.map((e, i, all) => compact({ counts_for_availability: e.counts, ...spanOf(e, i, all) })) } : {};
    // The confirmation count, interval, timeout, service, type and shown target, each stretch in which none changed.
    const others = settingSpans(db, id).reduce<Array<{ start: number; end: number; values: Row }>>((out, s) => {
      const values = { confirm: s.confirm, interval_s: s.intervalS, timeout_s: s.timeoutS, service: serviceSlug.get(s.serviceId), type: s.type, target: s.shownTarget };
      const last = out[out.length - 1];
      if (last && JSON.stringify(last.values) === JSON.stringify(values)) last.end = s.end;
      else out.push({ start: s.start, end: s.end, values });
      return out;
    }, []);
    if (others.length > 1) histories.settings_history = others.map((e, i, all) => compact({ ...e.values, ...spanOf(e, i, all) }));
    if (eras.length > 1) {
      return { location_history: eras.map((e, i, all) => compact({ locations: e.locations.map((l) => l.slug), quorum: e.quorum ?? undefined, ...spanOf(e, i, all) })), ...histories };
    }
    const locations = locationsOf.all(id) as string[];
    return { ...(locations.length ? { locations } : {}), ...(quorum !== null ? { quorum } : {}), ...histories };
  };
  const pausesOf = c.prepare('SELECT start, "end" FROM monitor_pauses WHERE monitor_id = ? ORDER BY start');
  // The monitor's life, each part only when recorded (so older files read back the same).
  const lifeOf = (m: Row) => {
    const pauses = (pausesOf.all(m.id) as Row[]).map((p) => compact({ start: iso(p.start as number), end: iso(p.end as number | null) }));
    return compact({ added_at: iso(m.added_at as number | null), removed_at: iso(m.removed_at as number | null), pauses: pauses.length ? pauses : undefined });
  };

  const out = {
    services: services.map((s) => ({ slug: s.slug, name: localized(s.name_ja as string, s.name_en as string | null), sla_target_pct: s.sla_target_pct, sort_order: s.sort_order })),
    monitors: monitors.map((m) => compact({
      slug: m.slug, service: serviceSlug.get(m.service_id as number), type: m.type,
      target: options.withSecrets ? m.target : maskTarget(m.type as string, m.target as string), interval_s: m.interval_s, timeout_s: m.timeout_s,
      confirm: m.confirm, counts_for_availability: m.counts_for_availability === 1, paused: m.paused === 1,
      options: options.withSecrets ? JSON.parse(m.options as string) : maskOptions(JSON.parse(m.options as string) as Record<string, unknown>),
      ...monitorLocations(m.id as number, m.quorum as number | null),
      ...lifeOf(m),
    })),
    incidents: (c.prepare('SELECT * FROM incidents ORDER BY started_at, key').all() as Row[]).map((i) => compact({
      key: i.key, kind: i.kind, severity: i.severity, title: localized(i.title_ja as string, i.title_en as string | null),
      services: (c.prepare('SELECT service_id, impact FROM incident_services WHERE incident_id = ? ORDER BY service_id').all(i.id) as Row[])
        .map((s) => ({ service: serviceSlug.get(s.service_id as number), impact: s.impact })),
      started_at: iso(i.started_at as number), detected_at: iso(i.detected_at as number | null), aware_at: iso(i.aware_at as number | null),
      recovered_at: iso(i.recovered_at as number | null), client_notified_at: iso(i.client_notified_at as number | null),
      eta_notified_at: iso(i.eta_notified_at as number | null), recovery_notified_at: iso(i.recovery_notified_at as number | null),
      response_started_at: iso(i.response_started_at as number | null), written_report_at: iso(i.written_report_at as number | null),
      force_majeure: i.force_majeure === 1, force_majeure_reason: i.force_majeure_reason ?? undefined,
      cause: i.cause ?? undefined, fix: i.fix ?? undefined, prevention: i.prevention ?? undefined, cause_known: bool(i.cause_known as number | null),
      cause_category: i.cause_category ?? undefined,
      draft: i.draft === 1 ? true : undefined,
      updates: (c.prepare('SELECT * FROM incident_updates WHERE incident_id = ? ORDER BY at, id').all(i.id) as Row[])
        .map((u) => compact({ at: iso(u.at as number), status: u.status, body: localized(u.body_ja as string, u.body_en as string | null), published: u.published === 1 ? undefined : false })),
    })),
    maintenances: (c.prepare('SELECT * FROM maintenances ORDER BY scheduled_start, key').all() as Row[]).map((m) => compact({
      key: m.key, category: m.category, title: localized(m.title_ja as string, m.title_en as string | null), body: localized(m.body_ja as string | null, m.body_en as string | null),
      services: (c.prepare('SELECT service_id FROM maintenance_services WHERE maintenance_id = ? ORDER BY service_id').all(m.id) as Row[]).map((s) => serviceSlug.get(s.service_id as number)),
      announced_at: iso(m.announced_at as number | null), scheduled_start: iso(m.scheduled_start as number), scheduled_end: iso(m.scheduled_end as number),
      actual_start: iso(m.actual_start as number | null), actual_end: iso(m.actual_end as number | null), client_approved_at: iso(m.client_approved_at as number | null),
      status: m.status,
    })),
    false_positives: (c.prepare('SELECT * FROM false_positives ORDER BY monitor_id, start').all() as Row[])
      .map((f) => ({ monitor: monitorSlug.get(f.monitor_id as number), start: iso(f.start as number), reason: f.reason })),
  };

  const indent = (json: string) => json.replace(/\n/g, '\n  ');
  write('{\n  "version": 1,\n');
  write(`  "services": ${indent(JSON.stringify(out.services, null, 2))},\n`);
  write(`  "monitors": ${indent(JSON.stringify(out.monitors, null, 2))},\n`);
  write('  "checks": [');
  let first = true;
  const rows = c.prepare('SELECT monitor_id, at, status, latency_ms, error FROM checks ORDER BY monitor_id, at').raw().iterate() as IterableIterator<[number, number, number, number | null, string | null]>;
  let buffer = '';
  for (const [monitorId, at, status, latency, error] of rows) {
    const check: Row = { monitor: monitorSlug.get(monitorId), at: toIso(at), status: statusName(status) };
    if (latency !== null) check.latency_ms = latency;
    if (error !== null) check.error = error;
    buffer += `${first ? '\n' : ',\n'}    ${JSON.stringify(check)}`;
    first = false;
    if (buffer.length > 1 << 16) {
      write(buffer);
      buffer = '';
    }
  }
  // Checks from probe agents follow, each naming its location.
  const agentRows = c.prepare(`SELECT l.slug, x.monitor_id, x.at, x.status, x.latency_ms, x.error FROM location_checks x
    JOIN probe_locations l ON l.id = x.location_id ORDER BY l.slug, x.monitor_id, x.at`).raw().iterate() as IterableIterator<[string, number, number, number, number | null, string | null]>;
  for (const [location, monitorId, at, status, latency, error] of agentRows) {
    const check: Row = { monitor: monitorSlug.get(monitorId), at: toIso(at), status: statusName(status) };
    if (latency !== null) check.latency_ms = latency;
    if (error !== null) check.error = error;
    check.location = location;
    buffer += `${first ? '\n' : ',\n'}    ${JSON.stringify(check)}`;
    first = false;
    if (buffer.length > 1 << 16) {
      write(buffer);
      buffer = '';
    }
  }
  write(`${buffer}${first ? '' : '\n  '}],\n`);
  const controls = (c.prepare('SELECT l.slug, x.at, x.ok FROM location_controls x JOIN probe_locations l ON l.id = x.location_id ORDER BY l.slug, x.at').raw().all() as [string, number, number][])
    .map(([location, at, ok]) => JSON.stringify({ location, at: toIso(at), ok: ok === 1 }));
  if (controls.length) write(`  "controls": [\n    ${controls.join(',\n    ')}\n  ],\n`);
  write(`  "incidents": ${indent(JSON.stringify(out.incidents, null, 2))},\n`);
  write(`  "maintenances": ${indent(JSON.stringify(out.maintenances, null, 2))},\n`);
  write(`  "false_positives": ${indent(JSON.stringify(out.false_positives, null, 2))}\n}\n`);
}

/** The file is readable by its owner alone (0600), whether or not it holds secrets: it holds the whole history. */
export function exportToFile(db: Db, path: string, options: ExportOptions = { withSecrets: false }): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    // An existing file keeps its mode through open: set it before anything is written.
    fchmodSync(fd, 0o600);
    exportInterchange(db, (chunk) => writeSync(fd, chunk), options);
  } finally {
    closeSync(fd);
  }
}
