import { z } from 'zod';
import type { Db } from '../db';
import type { Config } from '../config';
import { AppError, jsonPath } from '../errors';
import { checkStatuses } from '../checks/status';
import { RateLimiter } from '../subscriptions/rate-limit';
import { authenticateAgent, type LocationRow } from './locations';
import { LocationCheckStore, type LocationResult } from './store';
import { log } from '../log';
import type { Interval } from '../intervals';
import { assignedSpans } from '../monitors/history';

/**
 * The agent API (`/api/agent/v1/`): what an agent is asked to check, and the results it
 * sends. Shapes pinned by tests/integration/agents-api.test.ts.
 */

/** Check types an agent can run: everything but push, which is a call into the site itself. */
export const AGENT_CHECK_TYPES = ['http', 'tcp', 'ping', 'dns', 'tls', 'mysql', 'ftp', 'page-health', 'resources'] as const;

export interface AssignedMonitor {
  id: number;
  slug: string;
  type: string;
  target: string;
  interval_s: number;
  timeout_s: number;
  options: Record<string, unknown>;
}

export interface Assignment {
  location: { name: string; label_ja: string; label_en: string | null };
  server_time: string;
  max_skew_s: number;
  batch_max: number;
  max_age_h: number;
  /** The agent's control check: while it fails, the location does not vote. Null: none. */
  control: { type: 'http'; target: string } | null;
  monitors: AssignedMonitor[];
}

/** An error the agent can read and log: `code` for the program, `error` for the person. */
export class AgentApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly retryAfterS?: number, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

export function assignedMonitors(db: Db, locationId: number): AssignedMonitor[] {
  const rows = db.$client.prepare(`SELECT m.id, m.slug, m.type, m.target, m.interval_s AS intervalS, m.timeout_s AS timeoutS, m.options
    FROM monitors m JOIN monitor_locations x ON x.monitor_id = m.id
    WHERE x.location_id = ? AND m.paused = 0 AND m.type IN (${AGENT_CHECK_TYPES.map(() => '?').join(', ')}) ORDER BY m.id`)
    .all(locationId, ...AGENT_CHECK_TYPES) as { id: number; slug: string; type: string; target: string; intervalS: number; timeoutS: number; options: string }[];
  return rows.map((r) => ({ id: r.id, slug: r.slug, type: r.type, target: r.target, interval_s: r.intervalS, timeout_s: r.timeoutS, options: JSON.parse(r.options) as Record<string, unknown> }));
}

export function assignmentFor(db: Db, config: Config, location: LocationRow, now: number): Assignment {
  return {
    location: { name: location.slug, label_ja: location.labelJa, label_en: location.labelEn },
    server_time: new Date(now).toISOString(),
    max_skew_s: config.agents.max_skew_s,
    batch_max: config.agents.batch_max,
    max_age_h: config.agents.max_age_h,
    control: location.controlTarget ? { type: 'http', target: location.controlTarget } : null,
    monitors: assignedMonitors(db, location.id),
  };
}

const isoInstant = z.string().datetime({ offset: true }).transform((s) => Date.parse(s));

export const resultsBatchSchema = z.strictObject({
  /** Chosen by the agent, unique per batch: the same id sent again is stored once. */
  batch_id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8 to 64 letters, digits, - or _'),
  /** The agent's clock when it sent the batch. */
  sent_at: isoInstant,
  results: z.array(z.strictObject({
    monitor_id: z.number().int().positive(),
    at: isoInstant,
    status: z.enum(checkStatuses),
    latency_ms: z.number().int().min(0).max(3_600_000).nullable(),
    error: z.string().max(2000).nullable(),
  })).max(50_000),
  controls: z.array(z.strictObject({ at: isoInstant, ok: z.boolean() })).max(50_000).default([]),
  /** What the agent says about itself; shown to admins. */
  health: z.record(z.string(), z.union([z.string().max(500), z.number(), z.boolean(), z.null()])).default({}),
});

export interface IngestOutcome {
  batch_id: string;
  duplicate: boolean;
  stored: number;
  clock_offset_ms: number;
}

/** Per-agent request limits, and a limit on failed sign-ins per address. */
export class AgentGate {
  private readonly perAgent: RateLimiter;
  private readonly failures = new RateLimiter(30, 60_000);

  constructor(private readonly db: Db, private readonly config: Config) {
    this.perAgent = new RateLimiter(config.agents.requests_per_min, 60_000);
  }

  /** The agent of the request's bearer token, or an error to answer with. */
  authenticate(authorization: string | null, address: string, now = Date.now()): LocationRow {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) {
      throw new AgentApiError(401, 'no_token', 'send the agent token as "Authorization: Bearer TOKEN"');
    }
    const location = authenticateAgent(this.db, m[1]!);
    if (!location) {
      if (!this.failures.take(address, now)) throw new AgentApiError(429, 'rate_limited', 'too many refused tokens from this address; wait a minute', 60);
      log.warn('agents.token_refused', { address });
      throw new AgentApiError(401, 'token_refused', 'the token is unknown or revoked; ask an admin for a new one (npm run agent:add)');
    }
    if (!this.perAgent.take(String(location.id), now)) {
      throw new AgentApiError(429, 'rate_limited', `more than ${this.config.agents.requests_per_min} requests a minute; send fewer, larger batches`, 60);
    }
    return location;
  }
}

/**
 * Stores one batch from an agent: all of it or, on any refusal, nothing. Refused: a clock
 * further than the allowed skew, a result for a monitor never assigned to this location or
 * for a time it was not assigned, a result from the future or older than the spool may keep.
 */
export function ingestBatch(db: Db, config: Config, location: LocationRow, body: unknown, now = Date.now()): IngestOutcome {
  const parsed = resultsBatchSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AgentApiError(400, 'invalid_batch', `${jsonPath(issue.path)}: ${issue.message}`);
  }
  const batch = parsed.data;
  const offset = now - batch.sent_at;
  const maxSkewMs = config.agents.max_skew_s * 1000;
  if (Math.abs(offset) > maxSkewMs) {
    // The offset is recorded first: admins and /healthz see why nothing arrives.
    db.$client.prepare('UPDATE probe_locations SET clock_offset_ms = ? WHERE id = ?').run(offset, location.id);
    log.warn('agents.clock_skew', { location: location.slug, offset_s: Math.round(offset / 1000) });
    throw new AgentApiError(422, 'clock_skew',
      `the agent's clock is ${Math.round(offset / -1000)} s off the site's (${new Date(now).toISOString()}); at most ${config.agents.max_skew_s} s is allowed: set its clock (NTP) and it will send again`);
  }
  if (batch.results.length > config.agents.batch_max) {
    throw new AgentApiError(413, 'batch_too_large', `at most ${config.agents.batch_max} results in a batch`);
  }
  const refused = refusedEntries(db, config, location, batch, now);
  if (refused.length > 0) {
    // Each refused entry is named, so the agent sets those aside (its dead-letter file) and sends the rest again.
    const first = refused[0]!;
    const foreign = first.code === 'foreign_monitor' ? { monitor_id: batch.results[first.index]!.monitor_id } : {};
    throw new AgentApiError(first.code === 'foreign_monitor' ? 403 : 422, first.code, first.error, undefined, { ...foreign, refused });
  }

  const c = db.$client;
  const store = new LocationCheckStore(db);
  return c.transaction((): IngestOutcome => {
    const inserted = c.prepare('INSERT OR IGNORE INTO agent_batches (location_id, batch_id, received_at, results) VALUES (?, ?, ?, ?)')
      .run(location.id, batch.batch_id, now, batch.results.length).changes;
    const newest = batch.results.reduce((max, r) => Math.max(max, r.at), 0);
    c.prepare(`UPDATE probe_locations SET last_contact_at = ?, clock_offset_ms = ?, health = ?,
        lag_ms = CASE WHEN ? > 0 THEN ? ELSE lag_ms END WHERE id = ?`)
      .run(now, offset, JSON.stringify(batch.health), newest, now - newest, location.id);
    if (inserted === 0) return { batch_id: batch.batch_id, duplicate: true, stored: 0, clock_offset_ms: offset };
    const results: LocationResult[] = batch.results
      .map((r) => ({ monitorId: r.monitor_id, at: r.at, status: r.status, latencyMs: r.latency_ms, error: r.error }))
      .sort((a, b) => a.monitorId - b.monitorId || a.at - b.at);
    const stored = store.record(location.id, results);
    // Only changes are kept (a failure, the next success): that is all the voting rule reads, and it stays small forever.
    const control = c.prepare('INSERT OR IGNORE INTO location_controls (location_id, at, ok) VALUES (?, ?, ?)');
    const lastControl = c.prepare('SELECT ok FROM location_controls WHERE location_id = ? AND at <= ? ORDER BY at DESC LIMIT 1').pluck();
    for (const s of [...batch.controls].sort((a, b) => a.at - b.at)) {
      if ((lastControl.get(location.id, s.at) as number | undefined) !== (s.ok ? 1 : 0)) control.run(location.id, s.at, s.ok ? 1 : 0);
    }
    return { batch_id: batch.batch_id, duplicate: false, stored, clock_offset_ms: offset };
  }).immediate();
}

/** An entry of a batch the site does not take, and why: `list` and `index` say which. */
export interface RefusedEntry {
  list: 'results' | 'controls';
  index: number;
  code: 'future_result' | 'too_old' | 'foreign_monitor' | 'not_assigned_then';
  error: string;
}

/** A result may be stamped this much later than the agent's clock read when it sent the batch. */
const FUTURE_TOLERANCE_MS = 1000;

/**
 * The entries of a batch that are never taken as they are: stamped later than the site's
 * time seen through the location's measured clock offset (the batch's `sent_at`), older
 * than the spool may keep, or for a monitor not assigned to this location.
 */
function refusedEntries(db: Db, config: Config, location: LocationRow, batch: z.infer<typeof resultsBatchSchema>, now: number): RefusedEntry[] {
  const oldest = now - config.agents.max_age_h * 3_600_000;
  const latest = batch.sent_at + FUTURE_TOLERANCE_MS;
  const offsetS = Math.round((now - batch.sent_at) / 1000);
  // A result counts only for a time its location was assigned to the monitor: a location
  // added later cannot send "up" for a past outage (SLA.md, locations have a life).
  const spans = new Map<number, Interval[]>();
  const spansOf = (monitorId: number) => spans.get(monitorId) ?? spans.set(monitorId, assignedSpans(db, monitorId, location.id)).get(monitorId)!;
  const assignedThen = (monitorId: number, at: number) => spansOf(monitorId).some((s) => s.start <= at && at < s.end);
  const during = (monitorId: number) => spansOf(monitorId).map((s) => `${new Date(s.start).toISOString()} – ${s.end === Number.MAX_SAFE_INTEGER ? 'now' : new Date(s.end).toISOString()}`).join(', ');
  const refused: RefusedEntry[] = [];
  const judge = (list: RefusedEntry['list'], index: number, at: number, monitorId?: number) => {
    const when = new Date(at).toISOString();
    if (at > latest) refused.push({ list, index, code: 'future_result', error: `a result at ${when} is later than the batch's sent_at (the site's time with this agent's clock offset of ${offsetS} s)` });
    else if (at < oldest) refused.push({ list, index, code: 'too_old', error: `a result at ${when} is older than ${config.agents.max_age_h} h` });
    else if (monitorId !== undefined && spansOf(monitorId).length === 0) refused.push({ list, index, code: 'foreign_monitor', error: `monitor ${monitorId} is not assigned to location "${location.slug}"` });
    else if (monitorId !== undefined && !assignedThen(monitorId, at)) {
      refused.push({ list, index, code: 'not_assigned_then', error: `a result at ${when} for monitor ${monitorId} is outside the time location "${location.slug}" was assigned to it (${during(monitorId)})` });
    }
  };
  batch.results.forEach((r, i) => judge('results', i, r.at, r.monitor_id));
  batch.controls.forEach((c, i) => judge('controls', i, c.at));
  return refused;
}

/** Marks a contact that brought no batch (an assignment fetch). */
export function touchLocation(db: Db, locationId: number, now: number): void {
  db.$client.prepare('UPDATE probe_locations SET last_contact_at = ? WHERE id = ?').run(now, locationId);
}

export function agentErrorResponse(err: unknown): Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
  if (err instanceof AgentApiError) {
    if (err.retryAfterS) headers['Retry-After'] = String(err.retryAfterS);
    return new Response(JSON.stringify({ ok: false, code: err.code, error: err.message, ...err.details }), { status: err.status, headers });
  }
  if (err instanceof AppError && err.code === 'VALIDATION') {
    return new Response(JSON.stringify({ ok: false, code: 'invalid', error: err.message }), { status: 400, headers });
  }
  log.error('agents.api_failed', { error: (err as Error).message });
  return new Response(JSON.stringify({ ok: false, code: 'server_error', error: 'the site could not store the batch; send it again later' }), { status: 503, headers });
}
