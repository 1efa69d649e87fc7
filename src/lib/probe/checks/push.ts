import { z } from 'zod';
import type { Db } from '../../db';
import type { CheckType, CheckOutcome } from '../check-type';

const pushOptions = z.strictObject({
  /** The push URL must be called at least this often; the monitor's interval when absent. */
  every_s: z.number().int().min(10).max(31 * 86_400).optional(),
  /** Extra time allowed past `every_s` before the monitor is down (a job that runs long). */
  grace_s: z.number().int().min(0).max(86_400).default(0),
});
export type PushOptions = z.infer<typeof pushOptions>;

/** A push token: long enough that it cannot be guessed, and safe in a URL path. */
export const PUSH_TOKEN_RE = /^[A-Za-z0-9_-]{16,128}$/;

function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/**
 * Records a call of a push URL. Returns false when no active push monitor has the token.
 * `status` `down` (with a message) lets a job report its own failure.
 */
export function recordPush(db: Db, token: string, now: number, status: 'up' | 'down' = 'up', message: string | null = null): boolean {
  if (!PUSH_TOKEN_RE.test(token)) return false;
  const c = db.$client;
  const row = c.prepare("SELECT id FROM monitors WHERE type = 'push' AND target = ? AND paused = 0").get(token) as { id: number } | undefined;
  if (!row) return false;
  c.prepare(`INSERT INTO push_beats (monitor_id, last_at, count, last_status, last_message) VALUES (?, ?, 1, ?, ?)
    ON CONFLICT(monitor_id) DO UPDATE SET last_at = excluded.last_at, count = push_beats.count + 1,
      last_status = excluded.last_status, last_message = excluded.last_message`).run(row.id, now, status, message?.slice(0, 200) ?? null);
  return true;
}

/**
 * Push (heartbeat): up while something calls `/api/push/<token>` at least every `every_s`
 * seconds, as a backup or batch job does when it finishes. The target is the secret token.
 */
export const pushCheck: CheckType<PushOptions> = {
  type: 'push',
  options: pushOptions as unknown as z.ZodType<PushOptions>,
  validateTarget(target) {
    return PUSH_TOKEN_RE.test(target) ? null : 'must be a secret token of 16 to 128 letters, digits, - or _';
  },
  async run({ options, monitor }): Promise<CheckOutcome> {
    if (!monitor?.db) return { status: 'down', latencyMs: null, reason: 'push monitors need the probe' };
    const beat = monitor.db.$client.prepare('SELECT last_at AS lastAt, last_status AS status, last_message AS message FROM push_beats WHERE monitor_id = ?')
      .get(monitor.id) as { lastAt: number; status: string | null; message: string | null } | undefined;
    const everyMs = (options.every_s ?? monitor.intervalS) * 1000;
    const now = Date.now();
    if (!beat) return { status: 'down', latencyMs: null, reason: 'the push URL has never been called' };
    const age = now - beat.lastAt;
    if (age > everyMs + options.grace_s * 1000) {
      return { status: 'down', latencyMs: null, reason: `no push for ${ago(age)}, expected every ${ago(everyMs)}` };
    }
    if (beat.status === 'down') return { status: 'down', latencyMs: null, reason: `the job reported a failure${beat.message ? `: ${beat.message}` : ''}` };
    return { status: 'up', latencyMs: null, reason: null };
  },
};
