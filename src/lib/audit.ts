import type { Db } from './db';

/** Who made a change: a signed-in user, or a script or job (id null). */
export interface Actor {
  id: number | null;
  email: string;
}

export const systemActor = (name: string): Actor => ({ id: null, email: `system:${name}` });

export interface AuditEntry {
  id: number;
  at: number;
  userId: number | null;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  before: string | null;
  after: string | null;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * Appends one entry. Call it inside the transaction that makes the change, so a change and
 * its record are written together or not at all. The table refuses updates and deletes.
 */
export function recordAudit(db: Db, actor: Actor, action: string, entity: string, entityId: string | number | null, before: unknown, after: unknown, now = Date.now()): void {
  db.$client.prepare('INSERT INTO audit_log (at, user_id, actor, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(now, actor.id, actor.email, action, entity, entityId === null ? null : String(entityId), json(before), json(after));
}

export interface AuditQuery {
  entity?: string;
  entityId?: string;
  limit?: number;
  /** Entries with an id below this one (paging backwards in time). */
  beforeId?: number;
}

/** Newest first. */
export function listAudit(db: Db, q: AuditQuery = {}): AuditEntry[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.entity) { where.push('entity = ?'); args.push(q.entity); }
  if (q.entityId) { where.push('entity_id = ?'); args.push(q.entityId); }
  if (q.beforeId) { where.push('id < ?'); args.push(q.beforeId); }
  args.push(Math.min(Math.max(q.limit ?? 100, 1), 500));
  return db.$client.prepare(`SELECT id, at, user_id AS userId, actor, action, entity, entity_id AS entityId, before, after FROM audit_log
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...args) as AuditEntry[];
}
