import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db';
import { AppError } from '../errors';
import { recordAudit, type Actor } from '../audit';

/**
 * Alert sources: the monitoring tools that send alerts in. A token is `as_<source id>_<secret>`;
 * only the SHA-256 of the whole token is stored, and it is shown once.
 */
export const alertSourceKinds = ['alertmanager', 'zabbix'] as const;
export type AlertSourceKind = (typeof alertSourceKinds)[number];

export interface AlertSource {
  id: number;
  slug: string;
  kind: AlertSourceKind;
  silenceAfterS: number;
  createdAt: number;
  revokedAt: number | null;
  lastHeardAt: number | null;
}

const COLUMNS = 'id, slug, kind, silence_after_s AS silenceAfterS, created_at AS createdAt, revoked_at AS revokedAt, last_heard_at AS lastHeardAt';

export const newSourceSchema = z.strictObject({
  slug: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lowercase letters, digits and -, up to 40'),
  kind: z.enum(alertSourceKinds),
  /** Minutes of silence (no delivery, no Watchdog) after which its monitors are unmonitored. */
  silenceAfterMin: z.coerce.number().int().min(1).max(24 * 60).default(10),
});
export type NewSource = z.infer<typeof newSourceSchema>;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export function listSources(db: Db): AlertSource[] {
  return db.$client.prepare(`SELECT ${COLUMNS} FROM alert_sources ORDER BY id`).all() as AlertSource[];
}

export function sourceBySlug(db: Db, slug: string): AlertSource | null {
  return (db.$client.prepare(`SELECT ${COLUMNS} FROM alert_sources WHERE slug = ?`).get(slug) as AlertSource | undefined) ?? null;
}

/** Makes a source; returns it with its token, which is never shown again. */
export function addSource(db: Db, actor: Actor, input: NewSource, now = Date.now()): { source: AlertSource; token: string } {
  return db.$client.transaction(() => {
    if (sourceBySlug(db, input.slug)) throw new AppError('CONFLICT', `alert source ${input.slug} exists`, [{ path: '$.slug', message: 'already used' }]);
    const id = Number(db.$client.prepare('INSERT INTO alert_sources (slug, kind, token_hash, silence_after_s, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(input.slug, input.kind, 'pending', input.silenceAfterMin * 60, now).lastInsertRowid);
    const token = `as_${id}_${randomBytes(24).toString('base64url')}`;
    db.$client.prepare('UPDATE alert_sources SET token_hash = ? WHERE id = ?').run(hashOf(token), id);
    const source = db.$client.prepare(`SELECT ${COLUMNS} FROM alert_sources WHERE id = ?`).get(id) as AlertSource;
    recordAudit(db, actor, 'alert_source.add', 'alert_source', id, null, { slug: source.slug, kind: source.kind, silence_after_s: source.silenceAfterS }, now);
    return { source, token };
  })();
}

export function revokeSource(db: Db, actor: Actor, id: number, now = Date.now()): void {
  db.$client.transaction(() => {
    const changed = db.$client.prepare('UPDATE alert_sources SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes;
    if (changed === 0) throw new AppError('NOT_FOUND', `no active alert source ${id}`);
    recordAudit(db, actor, 'alert_source.revoke', 'alert_source', id, null, { revoked_at: now }, now);
  })();
}

/** The active source of `kind` this `Authorization` header's bearer token belongs to, or null. */
export function authenticateSource(db: Db, kind: AlertSourceKind, authorization: string | null): AlertSource | null {
  const token = /^Bearer\s+(as_(\d+)_[A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!token) return null;
  const row = db.$client.prepare(`SELECT ${COLUMNS}, token_hash AS tokenHash FROM alert_sources WHERE id = ? AND revoked_at IS NULL AND kind = ?`)
    .get(Number(token[2]), kind) as (AlertSource & { tokenHash: string }) | undefined;
  if (!row || row.tokenHash !== hashOf(token[1]!)) return null;
  const { tokenHash: _, ...source } = row;
  return source;
}
