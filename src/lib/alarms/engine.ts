import type { Statement } from 'better-sqlite3';
import type { Db } from '../db';
import type { CheckResult, RunState } from '../checks/store';
import { DOWN } from '../checks/status';
import { enqueueMail } from '../mail/outbox';
import { alarmMail, alarmNotice, type AlarmMailFacts } from './messages';
import { enqueueNotice } from '../destinations/destinations';
import { log } from '../log';
import { loadLocatedFigures } from '../sla/locations';
import { perMonitorSource, type MonitorSource } from '../sla/source';
import { publicTitle } from '../incidents/titles';
import { formatInZone } from '../time';

/** Monitors checked from agents (a location other than the local probe), not paused. */
const LOCATED_MONITORS = `SELECT m.id, m.confirm, m.interval_s AS intervalS FROM monitors m WHERE m.paused = 0
  AND EXISTS (SELECT 1 FROM monitor_locations x JOIN probe_locations l ON l.id = x.location_id WHERE x.monitor_id = m.id AND l.slug <> 'local')`;
/** Located monitors judged between two turns of the event loop (each reads its runs at every location). */
const LOCATED_PER_TURN = 50;

export interface AlarmSettings {
  /** Operators who receive alarm mail. */
  operators: string[];
  /** Successful checks in a row before a recovery is confirmed. */
  recoveryConfirm: number;
  mailWarningCleared: boolean;
  /**
   * Hysteresis of threshold warnings: answered checks in a row that no longer report a
   * warning before it clears, so a value swinging around its threshold does not mail on
   * every crossing. 1 when absent (clears on the first such check).
   */
  warningClearChecks?: number;
  /**
   * Flap damping: an outage beginning within this long (ms) after the monitor's last one
   * recovered reopens that alarm as flapping instead of opening another. 0 or absent: off.
   */
  flapWindowMs?: number;
  /** A flapping alarm closes once the monitor has been up this long (ms). */
  flapSettleMs?: number;
  zone: string;
  /** The site's public address, for links in the mail; none when unknown. */
  siteUrl: string | null;
}

interface MonitorInfo {
  id: number;
  slug: string;
  type: string;
  target: string;
  confirm: number;
  counts: number;
  serviceId: number;
  serviceSlug: string;
  serviceJa: string;
  serviceEn: string | null;
}

interface OpenOutage {
  id: number;
  startedAt: number;
  detectedAt: number;
  incidentId: number | null;
  message: string;
  /** More than one: flapping. */
  episodes: number;
  /** The first check of the latest down run counted as an episode. */
  lastEpisodeAt: number;
}

interface ClosedOutage {
  id: number;
  startedAt: number;
  incidentId: number | null;
  message: string;
  episodes: number;
  recoveredAt: number | null;
}

interface OpenWarning {
  id: number;
  severity: 'warning' | 'critical';
  startedAt: number;
  detectedAt: number;
  message: string;
  /** Answered checks in a row, up to now, that did not report it (hysteresis). */
  clean: number;
  /** The first of those checks: when the value went back (the warning's recovered_at). */
  cleanSince: number;
}

/**
 * Turns check results into alarms, inside the probe's write transaction (CheckStore's
 * onCheck hook), so an alarm, its mail and its draft incident exist exactly when the
 * checks that caused them do.
 *
 * - Outage: a down run reaching the monitor's `confirm` count (SLA.md) opens one alarm,
 *   mails the operators once and opens (or joins) a draft incident on the service.
 *   Further failures add nothing. `recovery_confirm` successes in a row close it, with a
 *   recovery mail; the draft incident is marked recovered once all its alarms are.
 * - Warning: a threshold a check reports (certificate, disk, CPU ...) opens a warning once
 *   per code, mailed again only if it turns critical; it clears when `warningClearChecks`
 *   checks in a row that got an answer no longer report it (a check reporting it again
 *   starts the count over). Warnings are never downtime.
 */
export class AlarmEngine {
  private readonly openOutages = new Map<number, OpenOutage>();
  private evaluatingLocated = false;
  private readonly openWarnings = new Map<number, Map<string, OpenWarning>>();
  private readonly st: Record<string, Statement>;

  constructor(private readonly db: Db, private readonly settings: AlarmSettings, private readonly now: () => number = Date.now) {
    const c = db.$client;
    this.st = {
      monitor: c.prepare(`SELECT m.id, m.slug, m.type, m.target, m.confirm, m.counts_for_availability AS counts, m.service_id AS serviceId,
        s.slug AS serviceSlug, s.name_ja AS serviceJa, s.name_en AS serviceEn FROM monitors m JOIN services s ON s.id = m.service_id WHERE m.id = ?`),
      insertAlarm: c.prepare(`INSERT INTO alarms (monitor_id, kind, code, severity, message, started_at, detected_at, incident_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      closeAlarm: c.prepare('UPDATE alarms SET recovered_at = ?, recovery_detected_at = ? WHERE id = ?'),
      escalate: c.prepare('UPDATE alarms SET severity = ?, message = ? WHERE id = ?'),
      openIncident: c.prepare(`SELECT i.id, i.draft, i.started_at AS startedAt FROM incidents i JOIN incident_services s ON s.incident_id = i.id
        WHERE s.service_id = ? AND i.recovered_at IS NULL AND i.kind = 'failure' ORDER BY i.draft, i.started_at LIMIT 1`),
      insertIncident: c.prepare(`INSERT INTO incidents (key, kind, severity, title_ja, title_en, started_at, detected_at, draft, created_at, updated_at)
        VALUES (?, 'failure', ?, ?, ?, ?, ?, 1, ?, ?)`),
      setKey: c.prepare('UPDATE incidents SET key = ? WHERE id = ?'),
      insertIncidentService: c.prepare('INSERT INTO incident_services (incident_id, service_id, impact) VALUES (?, ?, ?)'),
      raiseImpact: c.prepare(`UPDATE incident_services SET impact = 'major_outage' WHERE incident_id = ? AND service_id = ? AND impact <> 'major_outage'`),
      earlierStart: c.prepare('UPDATE incidents SET started_at = MIN(started_at, ?), updated_at = ? WHERE id = ? AND draft = 1'),
      openOfIncident: c.prepare("SELECT COUNT(*) AS n, MAX(recovered_at) AS last FROM alarms WHERE incident_id = ? AND kind = 'outage' AND recovery_detected_at IS NULL"),
      lastRecovery: c.prepare("SELECT MAX(recovered_at) AS last FROM alarms WHERE incident_id = ? AND kind = 'outage'"),
      recoverIncident: c.prepare('UPDATE incidents SET recovered_at = ?, updated_at = ? WHERE id = ? AND draft = 1 AND recovered_at IS NULL'),
      located: c.prepare(`SELECT 1 FROM monitor_locations x JOIN probe_locations l ON l.id = x.location_id WHERE x.monitor_id = ? AND l.slug <> 'local' LIMIT 1`),
      // Located monitors that may be down now: one of the locations assigned now has a latest run that is down
      // (without one, no quorum of them can be); each latest run is one seek on its key.
      locatedMaybeDown: c.prepare(`${LOCATED_MONITORS} AND EXISTS (SELECT 1 FROM monitor_locations x JOIN probe_locations l ON l.id = x.location_id
        WHERE x.monitor_id = m.id AND CASE WHEN l.slug = 'local'
          THEN (SELECT status FROM check_runs r WHERE r.monitor_id = m.id ORDER BY r.first_at DESC LIMIT 1)
          ELSE (SELECT status FROM location_check_runs r WHERE r.location_id = l.id AND r.monitor_id = m.id ORDER BY r.first_at DESC LIMIT 1) END = ${DOWN})`),
      locatedMonitor: c.prepare(`${LOCATED_MONITORS} AND m.id = ?`),
      lastClosed: c.prepare(`SELECT id, started_at AS startedAt, incident_id AS incidentId, message, episodes, recovered_at AS recoveredAt
        FROM alarms WHERE monitor_id = ? AND kind = 'outage' AND recovery_detected_at IS NOT NULL ORDER BY detected_at DESC LIMIT 1`),
      reopenFlapping: c.prepare('UPDATE alarms SET recovered_at = NULL, recovery_detected_at = NULL, episodes = episodes + 1 WHERE id = ?'),
      countEpisode: c.prepare('UPDATE alarms SET episodes = episodes + 1 WHERE id = ?'),
      reopenIncident: c.prepare('UPDATE incidents SET recovered_at = NULL, updated_at = ? WHERE id = ? AND draft = 1'),
      notify: c.prepare(`INSERT INTO alarm_notifications (alarm_id, incident_id, event, channel, recipient, outbox_id, queued_at)
        VALUES (?, ?, ?, 'email', ?, ?, ?)`),
    };
  }

  /**
   * Reads the alarms still open. The probe calls it once it holds the lease (a worker that
   * waited for it takes over the alarms its predecessor opened, never a copy read before),
   * and after a write was rolled back.
   */
  loadOpen(): void {
    this.openOutages.clear();
    this.openWarnings.clear();
    const rows = this.db.$client.prepare(`SELECT id, monitor_id AS monitorId, kind, code, severity, message, started_at AS startedAt,
      detected_at AS detectedAt, incident_id AS incidentId, episodes FROM alarms WHERE recovery_detected_at IS NULL`).all() as Array<{
        id: number; monitorId: number; kind: string; code: string; severity: 'warning' | 'critical'; message: string; startedAt: number; detectedAt: number; incidentId: number | null; episodes: number }>;
    for (const r of rows) {
      if (r.kind === 'outage') this.openOutages.set(r.monitorId, { id: r.id, startedAt: r.startedAt, detectedAt: r.detectedAt, incidentId: r.incidentId, message: r.message, episodes: r.episodes, lastEpisodeAt: r.detectedAt });
      else {
        const m = this.openWarnings.get(r.monitorId) ?? new Map<string, OpenWarning>();
        m.set(r.code, { id: r.id, severity: r.severity, startedAt: r.startedAt, detectedAt: r.detectedAt, message: r.message, clean: 0, cleanSince: 0 });
        this.openWarnings.set(r.monitorId, m);
      }
    }
  }

  /**
   * CheckStore's hook: one result and the run it is part of. Runs in a savepoint: if
   * raising an alarm fails, the check is still written and the failure logged.
   */
  onCheck(r: CheckResult, run: RunState): void {
    try {
      this.db.$client.transaction(() => this.evaluate(r, run))();
    } catch (err) {
      log.error('alarm.failed', { monitor: r.monitorId, error: (err as Error).message });
      this.loadOpen();
    }
  }

  private evaluate(r: CheckResult, run: RunState): void {
    const outage = this.openOutages.get(r.monitorId);
    // A monitor checked from agents too: its outages are the quorum's (evaluateLocated), never one location's.
    const located = this.st.located!.get(r.monitorId) !== undefined;
    if (located) {
      // The quorum decides outages of this monitor; its warnings (below) are still this probe's.
    } else if (run.status === DOWN) {
      if (!outage) {
        const m = this.monitor(r.monitorId);
        if (m && run.count >= m.confirm) {
          const last = this.flapWindow() > 0 ? (this.st.lastClosed!.get(m.id) as ClosedOutage | undefined) : undefined;
          if (last && last.recoveredAt !== null && run.firstAt - last.recoveredAt <= this.flapWindow()) this.startFlapping(m, last, r, run);
          else this.openOutage(m, r, run);
        }
      } else if (outage.episodes > 1 && run.firstAt > outage.lastEpisodeAt) {
        // A flapping alarm counts each new confirmed down run as an episode, silently.
        const m = this.monitor(r.monitorId);
        if (m && run.count >= m.confirm) {
          outage.episodes += 1;
          outage.lastEpisodeAt = run.firstAt;
          this.st.countEpisode!.run(outage.id);
        }
      }
    } else if (outage && run.count >= this.settings.recoveryConfirm) {
      // A flapping alarm closes only once the monitor has stayed up for the settle time.
      const settled = outage.episodes <= 1 || r.at - run.firstAt >= (this.settings.flapSettleMs ?? 0);
      const m = settled ? this.monitor(r.monitorId) : null;
      if (m) this.closeOutage(m, outage, run.firstAt, r.at);
    }
    const open = this.openWarnings.get(r.monitorId);
    if ((r.warnings && r.warnings.length > 0) || (open && open.size > 0 && run.status !== DOWN)) this.warnings(r, run);
  }

  /**
   * Outage alarms of monitors checked from several locations (SLA.md rule 1): one opens when
   * the quorum's downtime reaches now, and closes when it has ended. Called by the probe on
   * a timer, since agents' results arrive through the site. Only the monitors that may have
   * changed are judged (an open alarm, or a location whose latest run is down), a few at a
   * time with the event loop free in between, so thousands of them never hold back a check's
   * start; `stillHeld` is asked before each few (a worker that lost its lease stops).
   */
  async evaluateLocated(stillHeld: () => boolean = () => true): Promise<void> {
    if (this.evaluatingLocated) return;
    this.evaluatingLocated = true;
    try {
      type Located = { id: number; confirm: number; intervalS: number };
      const due = new Map((this.st.locatedMaybeDown!.all() as Located[]).map((r) => [r.id, r]));
      for (const id of this.openOutages.keys()) {
        const row = due.has(id) ? null : (this.st.locatedMonitor!.get(id) as Located | undefined);
        if (row) due.set(id, row);
      }
      const rows = [...due.values()];
      for (let i = 0; i < rows.length; i += LOCATED_PER_TURN) {
        if (i > 0) await new Promise((r) => setImmediate(r));
        if (!stillHeld()) return;
        const now = this.now();
        // One turn reads at one instant: a location's control checks are read once for its monitors.
        const source = perMonitorSource(this.db);
        for (const row of rows.slice(i, i + LOCATED_PER_TURN)) this.evaluateOneLocated(row, now, source);
      }
    } finally {
      this.evaluatingLocated = false;
    }
  }

  private evaluateOneLocated(row: { id: number; confirm: number; intervalS: number }, now: number, source: MonitorSource): void {
    // Read without the write lock (agents' batches keep coming); written only when something changes.
    const figures = loadLocatedFigures(this.db, row, { start: now - Math.max(2 * 3_600_000, 20 * row.intervalS * 1000), end: now }, now, source);
    if (!figures) return;
    const last = figures.down[figures.down.length - 1];
    const downNow = last !== undefined && last.end >= now;
    const open = this.openOutages.get(row.id);
    if (downNow === Boolean(open)) return;
    try {
      this.db.$client.transaction(() => {
        const m = this.monitor(row.id);
        if (!m) return;
        if (downNow && !open) this.openOutage(m, { monitorId: row.id, at: now, status: 'down', latencyMs: null, error: `confirmed from ${last!.locations.join(', ')}` }, { firstAt: last!.start, status: DOWN, count: row.confirm });
        else if (open) {
          const ended = figures.down.filter((d) => d.end > open.startedAt).pop();
          this.closeOutage(m, open, ended ? ended.end : now, now);
        }
      }).immediate();
    } catch (err) {
      log.error('alarm.failed', { monitor: row.id, error: (err as Error).message });
      this.loadOpen();
    }
  }

  private flapWindow(): number {
    return this.settings.flapWindowMs ?? 0;
  }

  /**
   * An outage began again soon after the last one recovered: that alarm reopens as flapping
   * (no second alarm), its draft incident reopens to collect the episodes, and one mail says
   * the monitor is unstable. Nothing more is mailed until it settles (closeOutage).
   */
  private startFlapping(m: MonitorInfo, last: ClosedOutage, r: CheckResult, run: RunState): void {
    const now = this.now();
    this.st.reopenFlapping!.run(last.id);
    if (last.incidentId !== null) this.st.reopenIncident!.run(now, last.incidentId);
    const episodes = last.episodes + 1;
    this.openOutages.set(m.id, { id: last.id, startedAt: last.startedAt, detectedAt: r.at, incidentId: last.incidentId, message: last.message, episodes, lastEpisodeAt: run.firstAt });
    log.warn('alarm.flapping', { alarm: last.id, monitor: m.slug, episodes });
    this.mail(last.id, last.incidentId, {
      event: 'flapping', severity: 'critical', message: r.error ?? last.message, startedAt: last.startedAt, detectedAt: r.at, recoveredAt: null, episodes,
      link: last.incidentId !== null ? this.link(`/admin/incidents/${last.incidentId}`) : null,
    }, m);
  }

  private monitor(id: number): MonitorInfo | null {
    return (this.st.monitor!.get(id) as MonitorInfo | undefined) ?? null;
  }

  private link(path: string): string | null {
    return this.settings.siteUrl ? `${this.settings.siteUrl}${path}` : null;
  }

  private mail(alarmId: number, incidentId: number | null, facts: Omit<AlarmMailFacts, 'zone' | 'serviceJa' | 'serviceEn' | 'monitorSlug' | 'monitorType' | 'target'>, m: MonitorInfo): void {
    const all: AlarmMailFacts = { ...facts, zone: this.settings.zone, serviceJa: m.serviceJa, serviceEn: m.serviceEn, monitorSlug: m.slug, monitorType: m.type, target: m.target };
    const { subject, text } = alarmMail(all);
    const queuedAt = this.now();
    if (all.event === 'outage' || all.event === 'recovery') {
      const event = all.event;
      enqueueNotice(this.db, 'alarms', `alarm:${alarmId}:${event}:${all.episodes ?? 1}`, [m.serviceId], (lang) => ({
        ...alarmNotice({ ...all, event }, lang), type: `alarm.${event}`, occurredAt: event === 'outage' ? all.detectedAt : (all.recoveredAt ?? all.detectedAt),
        services: [lang === 'en' ? (m.serviceEn ?? m.serviceJa) : m.serviceJa], url: all.link, lang,
      }), queuedAt);
    }
    for (const to of this.settings.operators) {
      const outboxId = enqueueMail(this.db, { to, subject, text, kind: 'alarm', headers: { 'X-Status-Alarm': String(alarmId) } }, queuedAt);
      this.st.notify!.run(alarmId, incidentId, facts.event, to, outboxId, queuedAt);
    }
    if (this.settings.operators.length === 0) log.warn('alarm.no_operators', { alarm: alarmId, reason: 'config alarms.operators is empty; nobody was mailed' });
  }

  private openOutage(m: MonitorInfo, r: CheckResult, run: RunState): void {
    const now = this.now();
    const message = r.error ?? 'down';
    // The draft incident: join an open one on the service, or open a new draft.
    const impact = m.counts ? 'major_outage' : 'partial_outage';
    const existing = this.st.openIncident!.get(m.serviceId) as { id: number; draft: number; startedAt: number } | undefined;
    let incidentId: number;
    const alarmId = Number(this.st.insertAlarm!.run(m.id, 'outage', 'down', 'critical', message, run.firstAt, r.at, null).lastInsertRowid);
    if (existing) {
      incidentId = existing.id;
      if (existing.draft && impact === 'major_outage') this.st.raiseImpact!.run(incidentId, m.serviceId);
      this.st.earlierStart!.run(run.firstAt, now, incidentId);
    } else {
      // The public words only: the probe's reason stays on the alarm, for the operators.
      const title = publicTitle(impact, { nameJa: m.serviceJa, nameEn: m.serviceEn });
      incidentId = Number(this.st.insertIncident!.run(`probe-${alarmId}`, m.counts ? 'major' : 'minor',
        title.ja.slice(0, 200), title.en.slice(0, 200), run.firstAt, r.at, now, now).lastInsertRowid);
      // The same key as an incident recorded by hand (day-id): no slug in a public address.
      this.st.setKey!.run(`${formatInZone(run.firstAt, this.settings.zone, 'yyyyLLdd')}-${incidentId}`, incidentId);
      this.st.insertIncidentService!.run(incidentId, m.serviceId, impact);
    }
    this.db.$client.prepare('UPDATE alarms SET incident_id = ? WHERE id = ?').run(incidentId, alarmId);
    this.openOutages.set(m.id, { id: alarmId, startedAt: run.firstAt, detectedAt: r.at, incidentId, message, episodes: 1, lastEpisodeAt: run.firstAt });
    log.warn('alarm.outage', { alarm: alarmId, monitor: m.slug, incident: incidentId, reason: message });
    this.mail(alarmId, incidentId, {
      event: 'outage', severity: 'critical', message, startedAt: run.firstAt, detectedAt: r.at, recoveredAt: null,
      link: this.link(`/admin/incidents/${incidentId}`),
    }, m);
  }

  private closeOutage(m: MonitorInfo, o: OpenOutage, recoveredAt: number, confirmedAt: number): void {
    this.st.closeAlarm!.run(recoveredAt, confirmedAt, o.id);
    this.openOutages.delete(m.id);
    if (o.incidentId !== null) {
      const { n } = this.st.openOfIncident!.get(o.incidentId) as { n: number };
      if (n === 0) {
        const { last } = this.st.lastRecovery!.get(o.incidentId) as { last: number };
        this.st.recoverIncident!.run(last, this.now(), o.incidentId);
      }
    }
    log.info('alarm.recovered', { alarm: o.id, monitor: m.slug, episodes: o.episodes });
    this.mail(o.id, o.incidentId, {
      event: 'recovery', severity: 'critical', message: o.message, startedAt: o.startedAt, detectedAt: confirmedAt, recoveredAt, episodes: o.episodes,
      link: o.incidentId !== null ? this.link(`/admin/incidents/${o.incidentId}`) : null,
    }, m);
  }

  private warnings(r: CheckResult, run: RunState): void {
    const open = this.openWarnings.get(r.monitorId) ?? new Map<string, OpenWarning>();
    this.openWarnings.set(r.monitorId, open);
    let m: MonitorInfo | null | undefined;
    const info = () => (m === undefined ? (m = this.monitor(r.monitorId)) : m);
    const seen = new Set<string>();
    for (const w of r.warnings ?? []) {
      if (seen.has(w.code)) continue;
      seen.add(w.code);
      const current = open.get(w.code);
      const mon = info();
      if (!mon) return;
      if (current) current.clean = 0;
      if (!current) {
        const id = Number(this.st.insertAlarm!.run(r.monitorId, 'warning', w.code, w.severity, w.message, r.at, r.at, null).lastInsertRowid);
        open.set(w.code, { id, severity: w.severity, startedAt: r.at, detectedAt: r.at, message: w.message, clean: 0, cleanSince: 0 });
        log.warn('alarm.warning', { alarm: id, monitor: mon.slug, code: w.code, severity: w.severity });
        this.mail(id, null, { event: 'warning', severity: w.severity, message: w.message, startedAt: r.at, detectedAt: r.at, recoveredAt: null, link: this.link('/admin/alarms') }, mon);
      } else if (current.severity === 'warning' && w.severity === 'critical') {
        this.st.escalate!.run('critical', w.message, current.id);
        current.severity = 'critical';
        current.message = w.message;
        this.mail(current.id, null, { event: 'warning', severity: 'critical', message: w.message, startedAt: current.startedAt, detectedAt: r.at, recoveredAt: null, link: this.link('/admin/alarms') }, mon);
      }
    }
    // Answered checks in a row that no longer report a threshold clear it; a down check
    // (no answer) neither counts nor starts the count over.
    if (run.status === DOWN) return;
    const needed = Math.max(1, this.settings.warningClearChecks ?? 1);
    for (const [code, w] of open) {
      if (seen.has(code)) continue;
      w.clean += 1;
      if (w.clean === 1) w.cleanSince = r.at;
      if (w.clean < needed) continue;
      this.st.closeAlarm!.run(w.cleanSince, r.at, w.id);
      open.delete(code);
      const mon = info();
      log.info('alarm.warning_cleared', { alarm: w.id, code });
      if (mon && this.settings.mailWarningCleared) {
        this.mail(w.id, null, { event: 'warning_cleared', severity: w.severity, message: w.message, startedAt: w.startedAt, detectedAt: w.detectedAt, recoveredAt: w.cleanSince, link: null }, mon);
      }
    }
  }
}
