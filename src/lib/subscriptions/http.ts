import type { Db } from '../db';
import type { Config } from '../config';
import type { Lang } from '../i18n';
import { AppError } from '../errors';
import { RateLimiter } from './rate-limit';
import { requestSubscription, confirmSubscription, unsubscribe } from './subscriptions';

/**
 * The subscription form's requests, for the thin pages under /subscribe/. Every outcome
 * of a valid request reads the same to the visitor (no enumeration).
 */
export type FormOutcome =
  | { kind: 'form' }
  | { kind: 'sent' }
  | { kind: 'too_many'; values: SubscribeValues }
  | { kind: 'invalid'; message: string; fields: SubscribeField[]; values: SubscribeValues }
  | { kind: 'confirmed' }
  | { kind: 'unsubscribed' }
  | { kind: 'bad_link' };

/** What the visitor typed and chose, given back with an error so nothing is lost. */
export interface SubscribeValues {
  email: string;
  incidents: boolean;
  maintenances: boolean;
  services: string[];
}

/** The form's fields an error can name (the page words its message per field, in its language). */
export type SubscribeField = 'email' | 'what' | 'services';

function fieldOf(path: string): SubscribeField {
  const p = path.replace(/^\$\./, '');
  if (p.startsWith('services')) return 'services';
  if (p === 'incidents' || p === 'maintenances') return 'what';
  return 'email';
}

const LIMITERS = Symbol.for('status-site.subscribe-limiters');
type WithLimiters = typeof globalThis & { [LIMITERS]?: Map<number, RateLimiter> };

function limiter(perHour: number): RateLimiter {
  const g = globalThis as WithLimiters;
  g[LIMITERS] ??= new Map();
  let l = g[LIMITERS].get(perHour);
  if (!l) g[LIMITERS].set(perHour, (l = new RateLimiter(perHour, 3_600_000)));
  return l;
}

export async function handleSubscribeForm(db: Db, config: Config, baseUrl: string, request: Request, clientAddress: string, lang: Lang): Promise<FormOutcome> {
  if (request.method !== 'POST') return { kind: 'form' };
  // A body that is not a form (JSON, say) reads as an empty form: a clear 400, not a crash.
  const form = await request.formData().catch(() => new FormData());
  // A field people never see: only robots fill it in. They are told "sent" like everyone.
  if (String(form.get('website') ?? '') !== '') return { kind: 'sent' };
  const values: SubscribeValues = {
    email: String(form.get('email') ?? '').slice(0, 320),
    services: form.getAll('services').map(String).slice(0, 100),
    incidents: form.get('incidents') === 'on',
    maintenances: form.get('maintenances') === 'on',
  };
  if (!limiter(config.subscriptions.requests_per_hour).take(clientAddress)) return { kind: 'too_many', values };
  try {
    requestSubscription(db, { ...values, lang }, { baseUrl, siteName: config.site.name, confirmValidMs: config.subscriptions.confirm_valid_h * 3_600_000 });
    return { kind: 'sent' };
  } catch (err) {
    if (err instanceof AppError && err.code === 'VALIDATION') {
      return { kind: 'invalid', message: err.message, fields: [...new Set(err.issues.map((i) => fieldOf(i.path)))], values };
    }
    throw err;
  }
}

export async function handleConfirm(db: Db, config: Config, request: Request, token: string): Promise<FormOutcome> {
  if (request.method !== 'POST') return token ? { kind: 'form' } : { kind: 'bad_link' };
  const form = await request.formData().catch(() => new FormData());
  const result = confirmSubscription(db, String(form.get('token') ?? token), { confirmValidMs: config.subscriptions.confirm_valid_h * 3_600_000 });
  return result === 'confirmed' ? { kind: 'confirmed' } : { kind: 'bad_link' };
}

export async function handleUnsubscribe(db: Db, request: Request, token: string): Promise<FormOutcome> {
  if (request.method !== 'POST') return token ? { kind: 'form' } : { kind: 'bad_link' };
  const form = await request.formData().catch(() => null);
  const result = unsubscribe(db, String(form?.get('token') ?? token));
  return result === 'unsubscribed' ? { kind: 'unsubscribed' } : { kind: 'bad_link' };
}
