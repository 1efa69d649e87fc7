import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db';
import { AppError, jsonPath, fieldIssue } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { LOCAL } from '../sla/locations';
import { recordLocations, recordSettings } from '../monitors/history';

/**
 * Probe locations: the local probe and the agents on other hosts. An agent's token is
 * `pa_<location id>_<secret>`; only the SHA-256 of the secret is stored, and it is shown once.
 */
export interface LocationRow {
  id: number;
  slug: string;
  labelJa: string;
  labelEn: string | null;
  controlTarget: string | null;
  createdAt: number;
  revokedAt: number | null;
  lastContactAt: number | null;
  clockOffsetMs: number | null;
  lagMs: number | null;
  health: Record<string, unknown> | null;
}

const COLUMNS = `id, slug, label_ja AS labelJa, label_en AS labelEn, control_target AS controlTarget, created_at AS createdAt,
  revoked_at AS revokedAt, last_contact_at AS lastContactAt, clock_offset_ms AS clockOffsetMs, lag_ms AS lagMs, health`;

function rowOf(r: Omit<LocationRow, 'health'> & { health: string | null }): LocationRow {
  return { ...r, health: r.health ? JSON.parse(r.health) as Record<string, unknown> : null };
}

export function listLocations(db: Db): LocationRow[] {
  return (db.$client.prepare(`SELECT ${COLUMNS} FROM probe_locations ORDER BY id`).all() as Parameters<typeof rowOf>[0][]).map(rowOf);
}

export function getLocation(db: Db, id: number): LocationRow | null {
  const r = db.$client.prepare(`SELECT ${COLUMNS} FROM probe_locations WHERE id = ?`).get(id) as Parameters<typeof rowOf>[0] | undefined;
  return r ? rowOf(r) : null;
}

export const newAgentSchema = z.object({
  name: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and hyphens, up to 40 (osaka, tokyo-2)')
    .refine((s) => s !== LOCAL, 'the name "local" is the built-in probe'),
  labelJa: z.string().trim().min(1).max(100).optional(),
  labelEn: z.string().trim().min(1).max(100).optional(),
  controlTarget: z.string().trim().url('an http(s) URL the agent can always reach').max(2000).optional(),
}).strict();
export type NewAgent = z.input<typeof newAgentSchema>;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Registers an agent location; returns it with its token, which is never shown again. */
export function addAgent(db: Db, actor: Actor, input: NewAgent, now = Date.now()): { location: LocationRow; token: string } {
  const parsed = newAgentSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('VALIDATION', 'the agent is not valid', parsed.error.issues.map((i) => fieldIssue(i, jsonPath(i.path))));
  }
  const v = parsed.data;
  const secret = randomBytes(32).toString('base64url');
  return db.$client.transaction(() => {
    const existing = db.$client.prepare('SELECT id, token_hash AS tokenHash, revoked_at AS revokedAt FROM probe_locations WHERE slug = ?').get(v.name) as { id: number; tokenHash: string | null; revokedAt: number | null } | undefined;
    if (existing && existing.tokenHash === null && existing.revokedAt === null) {
      // A location that came with imported history and has no agent yet: this agent takes it over.
      db.$client.prepare('UPDATE probe_locations SET token_hash = ?, label_ja = coalesce(?, label_ja), label_en = coalesce(?, label_en), control_target = coalesce(?, control_target) WHERE id = ?')
        .run(hashSecret(secret), v.labelJa ?? null, v.labelEn ?? null, v.controlTarget ?? null, existing.id);
      recordAudit(db, actor, 'agent.add', 'probe_location', existing.id, null, { slug: v.name, takeover: true }, now);
      return { location: getLocation(db, existing.id)!, token: `pa_${existing.id}_${secret}` };
    }
    if (existing) throw new AppError('CONFLICT', `a location named "${v.name}" exists already`);
    const id = Number(db.$client.prepare(`INSERT INTO probe_locations (slug, label_ja, label_en, token_hash, control_target, created_at)
      VALUES (?, ?, ?, ?, ?, ?)`).run(v.name, v.labelJa ?? v.name, v.labelEn ?? null, hashSecret(secret), v.controlTarget ?? null, now).lastInsertRowid);
    recordAudit(db, actor, 'agent.add', 'probe_location', id, null, { slug: v.name, labelJa: v.labelJa ?? v.name, controlTarget: v.controlTarget ?? null }, now);
    return { location: getLocation(db, id)!, token: `pa_${id}_${secret}` };
  }).immediate();
}

/** Revokes an agent's token: its requests are refused from now on; its results so far stay. */
export function revokeAgent(db: Db, actor: Actor, id: number, now = Date.now()): void {
  db.$client.transaction(() => {
    const loc = getLocation(db, id);
    if (!loc || loc.slug === LOCAL) throw new AppError('NOT_FOUND', `no agent with id ${id}`);
    if (loc.revokedAt !== null) return;
    db.$client.prepare('UPDATE probe_locations SET revoked_at = ?, token_hash = NULL WHERE id = ?').run(now, id);
    recordAudit(db, actor, 'agent.revoke', 'probe_location', id, { revokedAt: null }, { revokedAt: now }, now);
  }).immediate();
}

/**
 * Issues a new token for an agent location (a lost or leaked token, or a revoked agent taken
 * back into use): the old token is refused from now on, the location keeps its name and its
 * results. Returns the new token, which is never shown again.
 */
export function reissueAgent(db: Db, actor: Actor, id: number, now = Date.now()): { location: LocationRow; token: string } {
  const secret = randomBytes(32).toString('base64url');
  return db.$client.transaction(() => {
    const loc = getLocation(db, id);
    if (!loc || loc.slug === LOCAL) throw new AppError('NOT_FOUND', `no agent with id ${id}`);
    db.$client.prepare('UPDATE probe_locations SET token_hash = ?, revoked_at = NULL WHERE id = ?').run(hashSecret(secret), id);
    recordAudit(db, actor, 'agent.reissue', 'probe_location', id, { revokedAt: loc.revokedAt }, { revokedAt: null, reissuedAt: now }, now);
    return { location: getLocation(db, id)!, token: `pa_${id}_${secret}` };
  }).immediate();
}

/** The agent location of this name, or null. */
export function locationBySlug(db: Db, slug: string): LocationRow | null {
  const r = db.$client.prepare(`SELECT ${COLUMNS} FROM probe_locations WHERE slug = ?`).get(slug) as Parameters<typeof rowOf>[0] | undefined;
  return r ? rowOf(r) : null;
}

const TOKEN = /^pa_(\d{1,10})_([A-Za-z0-9_-]{43})$/;

/**
 * The agent a bearer token belongs to, or null. The secret's hash is compared in constant
 * time; an unknown id still hashes and compares, so timing tells nothing either way.
 */
export function authenticateAgent(db: Db, token: string): LocationRow | null {
  const m = TOKEN.exec(token);
  const given = Buffer.from(hashSecret(m ? m[2]! : token), 'hex');
  const row = m ? db.$client.prepare('SELECT id, token_hash AS tokenHash FROM probe_locations WHERE id = ? AND revoked_at IS NULL').get(Number(m[1])) as { id: number; tokenHash: string | null } | undefined : undefined;
  const stored = Buffer.from(row?.tokenHash ?? '0'.repeat(64), 'hex');
  const same = timingSafeEqual(given, stored);
  return same && row?.tokenHash ? getLocation(db, row.id) : null;
}

/** Sets the locations a monitor is checked from and its quorum (null: a majority). An empty list means the local probe alone. */
export function setMonitorLocations(db: Db, actor: Actor, monitorId: number, slugs: readonly string[], quorum: number | null, now = Date.now()): void {
  db.$client.transaction(() => {
    const monitor = db.$client.prepare('SELECT id, quorum, counts_for_availability AS counts FROM monitors WHERE id = ?').get(monitorId) as { id: number; quorum: number | null; counts: number } | undefined;
    if (!monitor) throw new AppError('NOT_FOUND', `no monitor with id ${monitorId}`);
    const all = listLocations(db);
    const ids: number[] = [];
    for (const [k, slug] of slugs.entries()) {
      const loc = all.find((l) => l.slug === slug);
      if (!loc) throw new AppError('VALIDATION', `no location "${slug}"`, [{ path: `$.locations[${k}]`, message: `no location "${slug}"` }]);
      if (!ids.includes(loc.id)) ids.push(loc.id);
    }
    if (quorum !== null && (!Number.isInteger(quorum) || quorum < 1 || quorum > Math.max(1, ids.length))) {
      throw new AppError('VALIDATION', `the quorum must be between 1 and the number of locations (${Math.max(1, ids.length)})`, [{ path: '$.quorum', message: 'out of range' }]);
    }
    const before = { locations: db.$client.prepare('SELECT l.slug FROM monitor_locations x JOIN probe_locations l ON l.id = x.location_id WHERE x.monitor_id = ? ORDER BY l.id').all(monitorId).map((r) => (r as { slug: string }).slug), quorum: monitor.quorum };
    // From now on: the time before stays judged by the locations and quorum it had (SLA.md).
    recordLocations(db, monitorId, ids.map((id) => all.find((l) => l.id === id)!), now);
    recordSettings(db, monitorId, { quorum }, now);
    recordAudit(db, actor, 'monitor.locations', 'monitor', monitorId, before, { locations: [...slugs], quorum }, now);
  }).immediate();
}
