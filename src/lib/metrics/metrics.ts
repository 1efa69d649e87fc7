import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Db } from '../db';
import { inTransaction } from '../db';
import { getSetting, setSetting } from '../settings';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import type { Config } from '../config';
import { trustedProxies } from '../auth/proxies';
import { probeHeartbeatAgeMs } from '../health';
import { threadStats } from './thread-stats';

/**
 * `/metrics` in the Prometheus text format: what an operator's Prometheus watches about the
 * site itself. Read from the database at each scrape (the monitors, the probe's checks, the
 * mail and destination outboxes, the agents, the alert sources) and from the render thread's memory (render cycles, the answer
 * cache), which is why the route is answered there. Labels carry monitor and location slugs:
 * this is for operators' tools, never shown to the public.
 */

/** Checks written in this window make `status_checks_written_recent`. */
export const RECENT_WINDOW_S = 300;

/** Where the token an admin issued on the admin pages is kept (its SHA-256 and when it was issued). */
const TOKEN_SETTING = 'metrics_token';

function sameHash(given: Buffer, hex: string): boolean {
  const want = Buffer.from(hex, 'hex');
  return want.length === given.length && timingSafeEqual(given, want);
}

/**
 * Who may read /metrics: a bearer token whose SHA-256 is in the settings file
 * (`metrics.token_sha256`) or was issued on the admin pages, or an address in `metrics.allow`.
 */
export function metricsAccess(config: Config, authorization: string | null, clientAddress: string, db: Db | null = null): boolean {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (bearer) {
    const given = createHash('sha256').update(bearer).digest();
    const issued = db ? issuedMetricsToken(db)?.hash : undefined;
    if ([config.metrics.token_sha256, issued].some((h) => h && sameHash(given, h))) return true;
  }
  return config.metrics.allow.length > 0 && trustedProxies(config.metrics.allow).has(clientAddress);
}

/** The token issued on the admin pages: its hash and when; null when none (or revoked). */
export function issuedMetricsToken(db: Db): { hash: string; issuedAt: number } | null {
  const v = getSetting(db, TOKEN_SETTING);
  return v ? (JSON.parse(v) as { hash: string; issuedAt: number }) : null;
}

/** Issues a new token (the previous one stops working); it is returned this once, only its hash is kept. */
export function issueMetricsToken(db: Db, actor: Actor, now = Date.now()): string {
  const token = `mt_${randomBytes(24).toString('base64url')}`;
  inTransaction(db, () => {
    const had = issuedMetricsToken(db) !== null;
    setSetting(db, TOKEN_SETTING, JSON.stringify({ hash: createHash('sha256').update(token).digest('hex'), issuedAt: now }));
    recordAudit(db, actor, had ? 'metrics_token.reissue' : 'metrics_token.issue', 'metrics_token', null, null, { issued_at: now }, now);
  });
  return token;
}

export function revokeMetricsToken(db: Db, actor: Actor, now = Date.now()): void {
  inTransaction(db, () => {
    if (!issuedMetricsToken(db)) throw new AppError('NOT_FOUND', 'no metrics token is issued');
    setSetting(db, TOKEN_SETTING, null);
    recordAudit(db, actor, 'metrics_token.revoke', 'metrics_token', null, null, { revoked_at: now }, now);
  });
}

interface MonitorRow { id: number; slug: string; service: string; type: string; intervalS: number; paused: number }
interface LatestRun { location: string; status: number; lastAt: number }

/** The whole exposition, as text, with its content type. */
export async function renderMetrics(db: Db, now: number): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  const seconds = (ms: number) => Math.max(0, ms) / 1000;

  const monitorState = gauge('status_monitor_state', 'Latest check of the monitor from each location: 0 up, 1 degraded, 2 down', ['monitor', 'service', 'type', 'location']);
  const lastCheckAge = gauge('status_monitor_last_check_age_seconds', 'Seconds since the monitor\'s latest check from each location', ['monitor', 'service', 'type', 'location']);
  const alarmOpen = gauge('status_monitor_outage_open', '1 while the monitor has a confirmed outage alarm not yet recovered', ['monitor', 'service']);
  const paused = gauge('status_monitor_paused', '1 while an admin has paused the monitor', ['monitor', 'service']);
  const probeLag = gauge('status_probe_lag_seconds', 'How far the most overdue active monitor is behind its interval (latest check age minus interval, 0 when none is late)', ['location']);
  const heartbeat = gauge('status_probe_heartbeat_age_seconds', 'Seconds this site has seen the worker\'s heartbeat counter stand still');
  const written = gauge('status_checks_written_recent', `Checks written in the last ${RECENT_WINDOW_S} s`, ['location']);
  const outboxDepth = gauge('status_outbox_depth', 'Mail messages waiting to be sent');
  const outboxOldest = gauge('status_outbox_oldest_age_seconds', 'Age of the oldest mail message waiting to be sent (0 when none waits)');
  const outboxFailed = gauge('status_outbox_failed', 'Mail messages given up after too many tries');
  const outboxUnconfirmed = gauge('status_outbox_maybe_delivered', 'Mail messages handed to the server without its confirmation');
  const destDepth = gauge('status_destination_outbox_depth', 'Messages to webhook, Slack and Teams destinations waiting to be sent');
  const destOldest = gauge('status_destination_outbox_oldest_age_seconds', 'Age of the oldest message to a destination waiting to be sent (0 when none waits)');
  const destFailed = gauge('status_destination_outbox_failed', 'Messages to destinations given up');
  const agentLag = gauge('status_agent_lag_seconds', 'Site clock minus the newest result\'s time at the agent\'s last contact (spool backlog included)', ['location']);
  const agentOffset = gauge('status_agent_clock_offset_seconds', 'Site clock minus the agent\'s clock at its last contact', ['location']);
  const agentContact = gauge('status_agent_last_contact_age_seconds', 'Seconds since the agent last reached the site', ['location']);
  const sourceHeard = gauge('status_alert_source_last_heard_age_seconds', 'Seconds since an alert source (Alertmanager, Zabbix) last delivered; past its silence time its monitors are unmonitored', ['source', 'kind']);
  const sourceSilent = gauge('status_alert_source_silent', '1 while an alert source has been silent longer than its silence time (or never delivered)', ['source', 'kind']);
  const cycleLast = gauge('status_render_cycle_last_seconds', 'Duration of the latest render cycle of the public answers');
  const cycleSeconds = counter('status_render_cycle_seconds_total', 'Time spent in render cycles');
  const cycles = counter('status_render_cycles_total', 'Render cycles finished');
  const rendered = counter('status_render_answers_total', 'Public answers rendered');
  const cacheHits = counter('status_answer_cache_hits_total', 'Public answers served at once from the answer cache');
  const cacheWaits = counter('status_answer_cache_waits_total', 'Visitors who waited for a render (first reader in a while, or an answer not rendered yet)');
  const cacheEntries = gauge('status_answer_cache_entries', 'Answers held in the answer cache');

  const q = db.$client;
  const monitors = q.prepare(`SELECT m.id, m.slug, s.slug AS service, m.type, m.interval_s AS intervalS, m.paused
    FROM monitors m JOIN services s ON s.id = m.service_id WHERE m.removed_at IS NULL ORDER BY m.id`).all() as MonitorRow[];
  const localRun = q.prepare(`SELECT 'local' AS location, status, last_at AS lastAt FROM check_runs WHERE monitor_id = ? ORDER BY first_at DESC LIMIT 1`);
  const agentRuns = q.prepare(`SELECT l.slug AS location, r.status, r.last_at AS lastAt FROM probe_locations l
    JOIN location_check_runs r ON r.location_id = l.id AND r.monitor_id = ?
    WHERE r.first_at = (SELECT max(first_at) FROM location_check_runs x WHERE x.location_id = l.id AND x.monitor_id = r.monitor_id)`);
  const openOutage = q.prepare(`SELECT 1 FROM alarms WHERE monitor_id = ? AND kind = 'outage' AND recovered_at IS NULL LIMIT 1`).pluck();
  const recentLocal = q.prepare('SELECT count(*) FROM checks WHERE monitor_id = ? AND at > ?').pluck();
  const recentAgent = q.prepare('SELECT l.slug AS location, count(*) AS n FROM location_checks c JOIN probe_locations l ON l.id = c.location_id WHERE c.monitor_id = ? AND c.at > ? GROUP BY l.slug');
  const lag = new Map<string, number>();
  const recent = new Map<string, number>([['local', 0]]);
  for (const m of monitors) {
    const base = { monitor: m.slug, service: m.service };
    paused.set(base, m.paused ? 1 : 0);
    alarmOpen.set(base, openOutage.get(m.id) ? 1 : 0);
    const runs = [localRun.get(m.id) as LatestRun | undefined, ...(agentRuns.all(m.id) as LatestRun[])].filter((r): r is LatestRun => r !== undefined);
    for (const r of runs) {
      const labels = { ...base, type: m.type, location: r.location };
      monitorState.set(labels, r.status);
      lastCheckAge.set(labels, seconds(now - r.lastAt));
      if (!m.paused) lag.set(r.location, Math.max(lag.get(r.location) ?? 0, seconds(now - r.lastAt - m.intervalS * 1000)));
    }
    const since = now - RECENT_WINDOW_S * 1000;
    recent.set('local', recent.get('local')! + (recentLocal.get(m.id, since) as number));
    for (const r of recentAgent.all(m.id, since) as { location: string; n: number }[]) recent.set(r.location, (recent.get(r.location) ?? 0) + r.n);
  }
  for (const [location, s] of lag) probeLag.set({ location }, s);
  for (const [location, n] of recent) written.set({ location }, n);

  // Judged by the beat counter on this process's monotonic clock, never the worker's clock against this one.
  const beatAge = probeHeartbeatAgeMs(db);
  if (beatAge !== null) heartbeat.set(seconds(beatAge));

  const outbox = q.prepare(`SELECT count(*) FILTER (WHERE next_attempt_at IS NOT NULL) AS waiting,
      min(created_at) FILTER (WHERE next_attempt_at IS NOT NULL) AS oldest,
      count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed,
      count(*) FILTER (WHERE maybe_delivered_at IS NOT NULL) AS unconfirmed
    FROM mail_outbox`).get() as { waiting: number; oldest: number | null; failed: number; unconfirmed: number };
  outboxDepth.set(outbox.waiting);
  outboxOldest.set(outbox.oldest === null ? 0 : seconds(now - outbox.oldest));
  outboxFailed.set(outbox.failed);
  outboxUnconfirmed.set(outbox.unconfirmed);
  const dest = q.prepare(`SELECT count(*) FILTER (WHERE next_attempt_at IS NOT NULL) AS waiting,
      min(created_at) FILTER (WHERE next_attempt_at IS NOT NULL) AS oldest, count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed
    FROM destination_outbox`).get() as { waiting: number; oldest: number | null; failed: number };
  destDepth.set(dest.waiting);
  destOldest.set(dest.oldest === null ? 0 : seconds(now - dest.oldest));
  destFailed.set(dest.failed);

  const agents = q.prepare(`SELECT slug, last_contact_at AS lastContactAt, clock_offset_ms AS offsetMs, lag_ms AS lagMs
    FROM probe_locations WHERE slug <> 'local' AND revoked_at IS NULL AND token_hash IS NOT NULL ORDER BY id`).all() as { slug: string; lastContactAt: number | null; offsetMs: number | null; lagMs: number | null }[];
  for (const a of agents) {
    const labels = { location: a.slug };
    if (a.lastContactAt !== null) agentContact.set(labels, seconds(now - a.lastContactAt));
    if (a.lagMs !== null) agentLag.set(labels, seconds(a.lagMs));
    if (a.offsetMs !== null) agentOffset.set(labels, a.offsetMs / 1000);
  }

  const sources = q.prepare('SELECT slug, kind, last_heard_at AS lastHeardAt, silence_after_s AS silenceAfterS FROM alert_sources WHERE revoked_at IS NULL ORDER BY id')
    .all() as { slug: string; kind: string; lastHeardAt: number | null; silenceAfterS: number }[];
  for (const src of sources) {
    const labels = { source: src.slug, kind: src.kind };
    if (src.lastHeardAt !== null) sourceHeard.set(labels, seconds(now - src.lastHeardAt));
    sourceSilent.set(labels, src.lastHeardAt === null || now - src.lastHeardAt > src.silenceAfterS * 1000 ? 1 : 0);
  }

  const t = threadStats();
  if (t.lastCycleMs !== null) cycleLast.set(t.lastCycleMs / 1000);
  cycleSeconds.inc(t.cycleMsTotal / 1000);
  cycles.inc(t.cycles);
  rendered.inc(t.rendered);
  if (t.served) {
    cacheHits.inc(t.served.hits);
    cacheWaits.inc(t.served.waits);
    cacheEntries.set(t.served.entries);
  }
  return { contentType: registry.contentType, body: await registry.metrics() };
}
