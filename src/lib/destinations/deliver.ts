import { randomUUID } from 'node:crypto';
import type { Db } from '../db';
import { claimStatement, claimParams, markSent, markFailed, releaseFuture, counts, type SenderLease } from '../outbox/claim';
import { deliveryTarget } from './destinations';
import { signedHeaders } from './sign';
import { log } from '../log';

/**
 * Sends what destinations have queued (destination_outbox), in the worker only: each row is
 * claimed like mail (src/lib/outbox/claim.ts), POSTed with a timeout, and
 * - delivered on a 2xx answer;
 * - given up on a 4xx other than 408 and 429 (the receiver refuses it: trying again cannot
 *   help), with the answer kept as the reason;
 * - tried again with backoff on a 5xx, 408, 429 (not before its Retry-After), a timeout or
 *   a refused connection.
 * A try that timed out after the body was sent may have been received: it is tried again
 * with the same webhook-id, by which the receiver drops the second copy (Standard Webhooks).
 */

/** How long one try may take, connection to answer. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** A claim outlasts any try. */
export const DELIVERY_CLAIM_MS = 60_000;

interface Claimed { id: number; destinationId: number; destinationName: string; webhookId: string; body: string; attempts: number; topic: string }

/** Seconds or an HTTP date (RFC 9110), as milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** One try of one message: what happened, as the sender records it. */
async function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ ok: true } | { ok: false; error: string; giveUp: boolean; retryAfter?: string | null }> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'status-sla-webhooks/1', ...headers }, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').slice(0, 200);
    if (res.status >= 200 && res.status < 300) return { ok: true };
    const retry = res.status >= 500 || res.status === 408 || res.status === 429;
    return { ok: false, error: `HTTP ${res.status}${text ? `: ${text}` : ''}`, giveUp: !retry, retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { ok: false, error: reason, giveUp: false };
  }
}

/**
 * Sends every due message, one at a time, oldest first; only while `lease` is held when
 * given. Messages of a paused destination wait.
 */
export async function sendPendingDeliveries(db: Db, now: number = Date.now(), limit = 100, lease: SenderLease | null = null, timeoutMs = DELIVERY_TIMEOUT_MS): Promise<{ sent: number; failed: number }> {
  const c = db.$client;
  const token = randomUUID();
  const claim = claimStatement(c, 'destination_outbox',
    'id, destination_id AS destinationId, destination_name AS destinationName, webhook_id AS webhookId, body, attempts, topic',
    { due: 'destination_id IN (SELECT id FROM destinations WHERE paused_at IS NULL)' });
  let sent = 0;
  let failed = 0;
  for (let i = 0; i < limit; i++) {
    const row = claim.get(claimParams(token, now, DELIVERY_CLAIM_MS, lease)) as Claimed | undefined;
    if (!row) break;
    const target = deliveryTarget(db, row.destinationId);
    if (!target) {
      markFailed(c, 'destination_outbox', row, token, 'the destination was deleted', now, { giveUp: true });
      continue;
    }
    // Signed at each try (the timestamp is the try's), with the message's one id.
    const headers = target.kind === 'webhook' && target.secret ? signedHeaders(target.secret, row.webhookId, row.body, Date.now()) : { 'webhook-id': row.webhookId };
    const result = await post(target.url, headers, row.body, timeoutMs);
    const at = Math.max(now, Date.now());
    if (result.ok) {
      markSent(c, 'destination_outbox', row.id, token, at);
      sent++;
      log.info('destination.sent', { id: row.id, destination: row.destinationId, topic: row.topic, attempts: row.attempts });
      continue;
    }
    failed++;
    const gaveUp = markFailed(c, 'destination_outbox', row, token, result.error, now, { giveUp: result.giveUp, retryAfterMs: retryAfterMs(result.retryAfter ?? null, at) });
    // The reason only: never the URL, which carries Slack's and Teams' credential.
    log[gaveUp ? 'error' : 'warn']('destination.failed', { id: row.id, destination: row.destinationId, topic: row.topic, attempts: row.attempts, error: result.error, gave_up: gaveUp });
  }
  return { sent, failed };
}

/** What kind of failure a recorded reason is, with its figure, for the admin page's words. */
export function failureKind(error: string): { kind: 'refused' | 'retryable' | 'timeout' | 'connection' | 'withdrawn' | 'other'; value: string } {
  const http = /^HTTP (\d{3})/.exec(error);
  if (http) {
    const status = Number(http[1]);
    return { kind: status >= 500 || status === 408 || status === 429 ? 'retryable' : 'refused', value: http[1]! };
  }
  const wait = /^no answer within (\d+) s/.exec(error);
  if (wait) return { kind: 'timeout', value: wait[1]! };
  if (/^E[A-Z]+$/.test(error)) return { kind: 'connection', value: error };
  if (error.startsWith('withdrawn') || error === 'the destination was deleted') return { kind: 'withdrawn', value: '' };
  return { kind: 'other', value: '' };
}

export function deliveryCounts(db: Db): { pending: number; failed: number; sent: number } {
  return counts(db.$client, 'destination_outbox');
}

/** Given up in the last `withinMs` (the dashboard's and /healthz's warning). */
export function recentlyFailedDeliveries(db: Db, now: number, withinMs = 7 * 86_400_000): number {
  return db.$client.prepare('SELECT count(*) FROM destination_outbox WHERE failed_at IS NOT NULL AND failed_at > ?').pluck().get(now - withinMs) as number;
}

export function releaseFutureDeliveries(db: Db, now: number): number {
  return releaseFuture(db.$client, 'destination_outbox', now, DELIVERY_CLAIM_MS);
}
