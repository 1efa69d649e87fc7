import type { Db } from '../db';
import { AppError, jsonPath, type FieldIssue } from '../errors';
import { parseInstant } from '../time';
import { STATUS_CODE } from '../checks/status';
import { rebuildDerived } from '../checks/store';
import { holdsSampleData, setSetting } from '../settings';
import { interchangeSchema, everAssigned, type Interchange } from './format';
import { validateMonitorTarget } from '../probe/registry';
import { LocationCheckStore, type LocationResult } from '../agents/store';
import { LOCAL } from '../sla/locations';

const ms = (s: string) => parseInstant(s)!;
const optMs = (s: string | undefined) => (s === undefined ? null : ms(s));

/** Parses and validates a whole interchange text; every problem is reported with its JSON path. */
export function validateInterchange(textOrValue: string | unknown): Interchange {
  let value: unknown = textOrValue;
  if (typeof textOrValue === 'string') {
    try {
      value = JSON.parse(textOrValue);
    } catch (err) {
      throw new AppError('VALIDATION', `the file is not valid JSON: ${(err as Error).message}`, [{ path: '$', message: (err as Error).message }]);
    }
  }
  const parsed = interchangeSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message }));
    throw new AppError('VALIDATION', `${issues.length} problem(s) in the file`, issues);
  }
  const data = parsed.data;
  const issues: FieldIssue[] = [];
  const dup = (list: readonly { [k: string]: unknown }[], field: string, at: string) => {
    const seen = new Set<unknown>();
    list.forEach((e, i) => {
      if (seen.has(e[field])) issues.push({ path: `$.${at}[${i}].${field}`, message: `duplicate ${field} "${String(e[field])}"` });
      seen.add(e[field]);
    });
  };
  dup(data.services, 'slug', 'services');
  dup(data.monitors ?? [], 'slug', 'monitors');
  dup(data.incidents ?? [], 'key', 'incidents');
  dup(data.maintenances ?? [], 'key', 'maintenances');
  const services = new Set(data.services.map((s) => s.slug));
  const monitors = new Set((data.monitors ?? []).map((m) => m.slug));
  const needService = (slug: string, path: string) => {
    if (!services.has(slug)) issues.push({ path, message: `no service "${slug}" in this file` });
  };
  const needMonitor = (slug: string, path: string) => {
    if (!monitors.has(slug)) issues.push({ path, message: `no monitor "${slug}" in this file` });
  };
  const ordered = (a: string | undefined, b: string | undefined, path: string, what: string) => {
    if (a !== undefined && b !== undefined && ms(b) < ms(a)) issues.push({ path, message: what });
  };
  (data.monitors ?? []).forEach((m, i) => {
    needService(m.service, `$.monitors[${i}].service`);
    (m.settings_history ?? []).forEach((e, k) => needService(e.service, `$.monitors[${i}].settings_history[${k}].service`));
    if (m.quorum !== undefined && m.quorum > (m.locations?.length ?? 1)) issues.push({ path: `$.monitors[${i}].quorum`, message: 'must not exceed the number of locations' });
    if (m.locations && new Set(m.locations).size !== m.locations.length) issues.push({ path: `$.monitors[${i}].locations`, message: 'a location is listed twice' });
    for (const problem of validateMonitorTarget(m.type, m.target, m.options ?? {})) {
      issues.push({ path: `$.monitors[${i}].${problem.field}`, message: problem.message });
    }
  });
  const checkKeys = new Set<string>();
  const locationsOf = new Map((data.monitors ?? []).map((m) => [m.slug, everAssigned(m)]));
  (data.checks ?? []).forEach((c, i) => {
    needMonitor(c.monitor, `$.checks[${i}].monitor`);
    const where = locationsOf.get(c.monitor);
    if (c.location !== undefined && where && !where.has(c.location)) issues.push({ path: `$.checks[${i}].location`, message: `"${c.location}" is not one of the monitor's locations` });
    const k = `${c.monitor}@${c.location ?? 'local'}@${ms(c.at)}`;
    if (checkKeys.has(k)) issues.push({ path: `$.checks[${i}].at`, message: `a second check of "${c.monitor}" at the same instant` });
    checkKeys.add(k);
  });
  (data.incidents ?? []).forEach((inc, i) => {
    inc.services.forEach((s, j) => needService(s.service, `$.incidents[${i}].services[${j}].service`));
    ordered(inc.started_at, inc.recovered_at, `$.incidents[${i}].recovered_at`, 'must not be before started_at');
    ordered(inc.started_at, inc.aware_at, `$.incidents[${i}].aware_at`, 'must not be before started_at');
  });
  (data.maintenances ?? []).forEach((m, i) => {
    m.services.forEach((s, j) => needService(s, `$.maintenances[${i}].services[${j}]`));
    ordered(m.scheduled_start, m.scheduled_end, `$.maintenances[${i}].scheduled_end`, 'must be after scheduled_start');
    ordered(m.actual_start, m.actual_end, `$.maintenances[${i}].actual_end`, 'must be after actual_start');
    if (m.actual_end !== undefined && m.actual_start === undefined) issues.push({ path: `$.maintenances[${i}].actual_end`, message: 'needs actual_start' });
  });
  const controlKeys = new Set<string>();
  (data.controls ?? []).forEach((s, i) => {
    if (s.location === 'local') issues.push({ path: `$.controls[${i}].location`, message: 'the local probe has no control check' });
    const k = `${s.location}@${ms(s.at)}`;
    if (controlKeys.has(k)) issues.push({ path: `$.controls[${i}].at`, message: `a second control check of "${s.location}" at the same instant` });
    controlKeys.add(k);
  });
  (data.false_positives ?? []).forEach((f, i) => needMonitor(f.monitor, `$.false_positives[${i}].monitor`));
  if (issues.length > 0) throw new AppError('VALIDATION', `${issues.length} problem(s) in the file`, issues);
  return data;
}

export interface ImportCounts {
  services: number;
  monitors: number;
  checks: number;
  incidents: number;
  maintenances: number;
}

/**
 * Loads a validated file into a database that is empty or holds only the sample, in one
 * transaction: on any failure nothing is written.
 */
export function importInterchange(db: Db, data: Interchange, now = Date.now()): ImportCounts {
  const c = db.$client;
  return c.transaction((): ImportCounts => {
    const hasServices = (c.prepare('SELECT count(*) AS n FROM services').get() as { n: number }).n > 0;
    if (hasServices && !holdsSampleData(db)) {
      throw new AppError('CONFLICT', 'the database already holds services; import needs an empty database');
    }
    if (hasServices) clearDomainData(db);
    setSetting(db, 'sample_data', null);

    const serviceId = new Map<string, number>();
    const insService = c.prepare('INSERT INTO services (slug, name_ja, name_en, sla_target_pct, sort_order) VALUES (?, ?, ?, ?, ?)');
    data.services.forEach((s, i) => {
      serviceId.set(s.slug, Number(insService.run(s.slug, s.name.ja, s.name.en ?? null, s.sla_target_pct, s.sort_order ?? i).lastInsertRowid));
    });
    const monitorId = new Map<string, number>();
    const insMonitor = c.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, timeout_s, confirm, counts_for_availability, options, paused, added_at, removed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insPause = c.prepare('INSERT INTO monitor_pauses (monitor_id, start, "end") VALUES (?, ?, ?)');
    for (const m of data.monitors ?? []) {
      // A removed monitor is never checked again: it stays paused for the probe.
      const id = Number(insMonitor.run(m.slug, serviceId.get(m.service)!, m.type, m.target, m.interval_s, m.timeout_s ?? 10, m.confirm,
        m.counts_for_availability ? 1 : 0, JSON.stringify(m.options ?? {}), m.paused || m.removed_at !== undefined ? 1 : 0,
        optMs(m.added_at), optMs(m.removed_at)).lastInsertRowid);
      for (const p of m.pauses ?? []) insPause.run(id, ms(p.start), optMs(p.end));
      monitorId.set(m.slug, id);
    }
    const locationId = importLocations(db, data, monitorId, serviceId, now);
    const insCheck = c.prepare('INSERT INTO checks (monitor_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?)');
    const fromAgents: (LocationResult & { locationId: number })[] = [];
    for (const ch of data.checks ?? []) {
      if (ch.location !== undefined && ch.location !== LOCAL) {
        fromAgents.push({ locationId: locationId.get(ch.location)!, monitorId: monitorId.get(ch.monitor)!, at: ms(ch.at), status: ch.status, latencyMs: ch.latency_ms ?? null, error: ch.error ?? null });
        continue;
      }
      insCheck.run(monitorId.get(ch.monitor)!, ms(ch.at), STATUS_CODE[ch.status], ch.latency_ms ?? null, ch.error ?? null);
    }
    for (const id of monitorId.values()) rebuildDerived(db, id);
    // The agents' checks, in time order per location and monitor, build their runs and gaps as they are written.
    fromAgents.sort((a, b) => a.locationId - b.locationId || a.monitorId - b.monitorId || a.at - b.at);
    const agentStore = new LocationCheckStore(db);
    for (const r of fromAgents) agentStore.record(r.locationId, [r]);

    const insIncident = c.prepare(`INSERT INTO incidents (key, kind, severity, title_ja, title_en, started_at, detected_at, aware_at, recovered_at,
      client_notified_at, eta_notified_at, recovery_notified_at, response_started_at, written_report_at, force_majeure, force_majeure_reason,
      cause, fix, prevention, cause_known, cause_category, draft, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insIncidentService = c.prepare('INSERT INTO incident_services (incident_id, service_id, impact) VALUES (?, ?, ?)');
    const insUpdate = c.prepare('INSERT INTO incident_updates (incident_id, at, status, body_ja, body_en, published) VALUES (?, ?, ?, ?, ?, ?)');
    for (const inc of data.incidents ?? []) {
      const id = insIncident.run(inc.key, inc.kind, inc.severity, inc.title.ja, inc.title.en ?? null, ms(inc.started_at), optMs(inc.detected_at),
        optMs(inc.aware_at), optMs(inc.recovered_at), optMs(inc.client_notified_at), optMs(inc.eta_notified_at), optMs(inc.recovery_notified_at),
        optMs(inc.response_started_at), optMs(inc.written_report_at), inc.force_majeure ? 1 : 0, inc.force_majeure_reason ?? null,
        inc.cause ?? null, inc.fix ?? null, inc.prevention ?? null, inc.cause_known === undefined ? null : inc.cause_known ? 1 : 0, inc.cause_category ?? null,
        inc.draft ? 1 : 0, now, now).lastInsertRowid;
      for (const s of inc.services) insIncidentService.run(id, serviceId.get(s.service)!, s.impact);
      for (const u of inc.updates ?? []) insUpdate.run(id, ms(u.at), u.status, u.body.ja, u.body.en ?? null, u.published === false ? 0 : 1);
    }
    const insMaintenance = c.prepare(`INSERT INTO maintenances (key, category, title_ja, title_en, body_ja, body_en, announced_at, scheduled_start, scheduled_end,
      actual_start, actual_end, client_approved_at, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insMaintenanceService = c.prepare('INSERT INTO maintenance_services (maintenance_id, service_id) VALUES (?, ?)');
    for (const m of data.maintenances ?? []) {
      const id = insMaintenance.run(m.key, m.category, m.title.ja, m.title.en ?? null, m.body?.ja ?? null, m.body?.en ?? null, optMs(m.announced_at),
        ms(m.scheduled_start), ms(m.scheduled_end), optMs(m.actual_start), optMs(m.actual_end), optMs(m.client_approved_at), m.status, now, now).lastInsertRowid;
      for (const s of m.services) insMaintenanceService.run(id, serviceId.get(s)!);
    }
    const insFalsePositive = c.prepare('INSERT INTO false_positives (monitor_id, start, reason, created_at) VALUES (?, ?, ?, ?)');
    for (const f of data.false_positives ?? []) insFalsePositive.run(monitorId.get(f.monitor)!, ms(f.start), f.reason, now);

    return {
      services: data.services.length,
      monitors: data.monitors?.length ?? 0,
      checks: data.checks?.length ?? 0,
      incidents: data.incidents?.length ?? 0,
      maintenances: data.maintenances?.length ?? 0,
    };
  }).immediate();
}

/**
 * The locations the file names (monitors' `locations`, checks' `location`): an agent
 * location not registered here yet is created without a token (`npm run agent:add` with its
 * name gives it one). Sets each monitor's locations and quorum. Returns slug → id.
 */
function importLocations(db: Db, data: Interchange, monitorId: Map<string, number>, serviceIds: Map<string, number>, now: number): Map<string, number> {
  const c = db.$client;
  const slugs = new Set<string>();
  for (const m of data.monitors ?? []) for (const l of everAssigned(m)) if (m.locations || m.location_history) slugs.add(l as string);
  for (const ch of data.checks ?? []) if (ch.location) slugs.add(ch.location);
  for (const s of data.controls ?? []) slugs.add(s.location);
  const create = c.prepare('INSERT OR IGNORE INTO probe_locations (slug, label_ja, created_at) VALUES (?, ?, ?)');
  const idOf = c.prepare('SELECT id FROM probe_locations WHERE slug = ?').pluck();
  const ids = new Map<string, number>();
  for (const slug of [...slugs].sort()) {
    if (slug !== LOCAL) create.run(slug, slug, now);
    ids.set(slug, idOf.get(slug) as number);
  }
  const control = c.prepare('INSERT INTO location_controls (location_id, at, ok) VALUES (?, ?, ?)');
  for (const s of data.controls ?? []) control.run(ids.get(s.location)!, ms(s.at), s.ok ? 1 : 0);
  const assign = c.prepare('INSERT INTO monitor_locations (monitor_id, location_id) VALUES (?, ?)');
  const span = c.prepare('INSERT INTO monitor_location_spans (monitor_id, location_id, start, "end") VALUES (?, ?, ?, ?)');
  const quorum = c.prepare('UPDATE monitors SET quorum = ? WHERE id = ?');
  const setting = c.prepare(`INSERT INTO monitor_setting_history (monitor_id, "from", quorum, counts_for_availability, confirm, interval_s, timeout_s, service_id, type, shown_target)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const m of data.monitors ?? []) {
    const id = monitorId.get(m.slug)!;
    // `locations` alone: assigned for the monitor's whole life.
    const eras = (m.location_history ?? (m.locations ? [{ locations: m.locations, quorum: m.quorum }] : []))
      .map((e) => ({ locations: e.locations, quorum: e.quorum ?? null, from: 'from' in e ? optMs(e.from) ?? 0 : 0 }));
    const since = new Map<string, number>();
    for (const e of eras) {
      for (const [slug, start] of since) if (!e.locations.includes(slug)) { span.run(id, ids.get(slug)!, start, e.from); since.delete(slug); }
      for (const slug of e.locations) if (!since.has(slug)) since.set(slug, e.from);
    }
    for (const [slug, start] of since) span.run(id, ids.get(slug)!, start, null);
    const present = eras[eras.length - 1];
    for (const l of present?.locations ?? []) assign.run(id, ids.get(l)!);
    if (present?.quorum != null) quorum.run(present.quorum, id);
    if (!m.location_history && !m.counts_history && !m.settings_history) continue;
    // The quorum, whether it counted and its other settings, at each instant any of them changed.
    const counts = (m.counts_history ?? [{ counts_for_availability: m.counts_for_availability }])
      .map((e) => ({ counts: e.counts_for_availability, from: 'from' in e ? optMs(e.from) ?? 0 : 0 }));
    const others = (m.settings_history ?? [{ confirm: m.confirm, interval_s: m.interval_s, timeout_s: m.timeout_s ?? 10, service: m.service }])
      .map((e) => ({ ...e, serviceId: serviceIds.get(e.service)!, type: ('type' in e ? e.type : undefined) ?? m.type, target: ('target' in e ? e.target : undefined) ?? null,
        from: 'from' in e ? optMs(e.from) ?? 0 : 0 }));
    const inForce = <T extends { from: number }>(list: T[], t: number): T => [...list].reverse().find((e) => e.from <= t) ?? list[0]!;
    const cuts = [...new Set([0, ...eras.map((e) => e.from), ...counts.map((e) => e.from), ...others.map((e) => e.from)])].sort((a, b) => a - b);
    for (const t of cuts) {
      const o = inForce(others, t);
      setting.run(id, t, eras.length ? inForce(eras, t).quorum : null, inForce(counts, t).counts ? 1 : 0, o.confirm, o.interval_s, o.timeout_s, o.serviceId, o.type, o.target);
    }
  }
  return ids;
}

/** Removes services and everything that hangs from them (used to replace the sample). */
export function clearDomainData(db: Db): void {
  const c = db.$client;
  for (const table of ['location_check_gaps', 'location_check_runs', 'location_checks', 'monitor_locations', 'monitor_location_spans', 'monitor_setting_history', 'false_positives', 'monitor_pauses', 'check_gaps', 'check_runs', 'checks', 'incident_updates', 'incident_services', 'incidents',
    'maintenance_services', 'maintenances', 'monitors', 'services']) {
    c.prepare(`DELETE FROM ${table}`).run();
  }
}
