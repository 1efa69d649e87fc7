import { createHmac, randomBytes, randomUUID } from 'node:crypto';

/**
 * Signatures of the generic webhook, after the Standard Webhooks specification
 * (https://www.standardwebhooks.com): the secret is `whsec_` + base64 of 32 random bytes;
 * each request carries `webhook-id` (the message's id, the same on every try),
 * `webhook-timestamp` (seconds, of this try) and `webhook-signature: v1,<base64 HMAC-SHA256
 * of "id.timestamp.body" keyed with the secret's bytes>`.
 */
export const SECRET_PREFIX = 'whsec_';

export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** A message id: kept across every try of one message, so receivers drop a second copy. */
export function newWebhookId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}

export function signatureOf(secret: string, id: string, timestampS: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampS}.${body}`).digest('base64')}`;
}

/** The headers of one signed try. */
export function signedHeaders(secret: string, id: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureOf(secret, id, timestamp, body) };
}
