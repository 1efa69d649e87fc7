import type { Db } from './db';

/**
 * A named lease in the database: at most one live holder at a time. The holder renews it
 * well before it expires; after a crash another process can take it once it has expired.
 */
export interface LeaseRow {
  name: string;
  holder: string;
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
}

export function tryAcquireLease(db: Db, name: string, holder: string, ttlMs: number, now = Date.now()): boolean {
  const c = db.$client;
  return c.transaction(() => {
    const row = c.prepare('SELECT holder, expires_at AS expiresAt FROM leases WHERE name = ?').get(name) as { holder: string; expiresAt: number } | undefined;
    if (row && row.holder !== holder && row.expiresAt > now) return false;
    c.prepare(`INSERT INTO leases (name, holder, acquired_at, renewed_at, expires_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
      renewed_at = excluded.renewed_at, expires_at = excluded.expires_at`).run(name, holder, now, now, now + ttlMs);
    return true;
  }).immediate();
}

/** Renews a held lease; false if another holder has it now. */
export function renewLease(db: Db, name: string, holder: string, ttlMs: number, now = Date.now()): boolean {
  const res = db.$client.prepare('UPDATE leases SET renewed_at = ?, expires_at = ? WHERE name = ? AND holder = ?').run(now, now + ttlMs, name, holder);
  return res.changes === 1;
}

export function releaseLease(db: Db, name: string, holder: string): void {
  db.$client.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
}

export function readLease(db: Db, name: string): LeaseRow | null {
  return (db.$client.prepare('SELECT name, holder, acquired_at AS acquiredAt, renewed_at AS renewedAt, expires_at AS expiresAt FROM leases WHERE name = ?').get(name) as LeaseRow | undefined) ?? null;
}
