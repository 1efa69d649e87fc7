import type { Db } from '../db';
import type { Config } from '../config';
import type { Lang } from '../i18n';
import type { SessionUser } from '../auth/session';
import { AppError } from '../errors';
import { appErrors } from '../i18n-admin';
import { RateLimiter } from '../subscriptions/rate-limit';
import { raiseFromForm, recentItemsFrom, type DeskOptions } from './verbs';
import { itemNumber } from './model';
import { supportFormBodyLimit } from '../auth/body-limit';

/**
 * The public inquiry form's requests (/support/, /en/support/), for the thin pages. Spam
 * cannot make the site mail anyone much: a size limit on the request, a limit per client
 * address and per e-mail address, and one acknowledgement per item.
 */
export type SupportFormOutcome =
  | { kind: 'form' }
  | { kind: 'sent'; number: string }
  | { kind: 'too_many' }
  | { kind: 'too_large' }
  /** `errors`: a message in the page's language by input name, shown beside each field. */
  | { kind: 'invalid'; errors: Record<string, string>; values: Record<string, string> };

/** Bytes of a form request accepted before it is read: the longest text in UTF-8, and the other fields. */

const LIMITERS = Symbol.for('status-site.support-limiters');
type WithLimiters = typeof globalThis & { [LIMITERS]?: Map<number, RateLimiter> };
function limiter(perHour: number): RateLimiter {
  const g = globalThis as WithLimiters;
  g[LIMITERS] ??= new Map();
  let l = g[LIMITERS].get(perHour);
  if (!l) g[LIMITERS].set(perHour, (l = new RateLimiter(perHour, 3_600_000)));
  return l;
}

export function deskOptions(config: Config, baseUrl: string): DeskOptions {
  return { baseUrl, siteName: config.site.name, zone: config.zone, support: config.support };
}

/** The fields of a form body, URL-encoded (a browser's form) or multipart (`curl -F`). */
async function formOf(raw: string, contentType: string): Promise<{ get(name: string): unknown }> {
  if (contentType.toLowerCase().startsWith('multipart/form-data')) {
    try {
      return await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(raw);
}

export async function handleSupportForm(db: Db, config: Config, baseUrl: string, request: Request, clientAddress: string, user: SessionUser | null, lang: Lang, now = Date.now()): Promise<SupportFormOutcome> {
  if (request.method !== 'POST') return { kind: 'form' };
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > supportFormBodyLimit(config)) return { kind: 'too_large' };
  const raw = await request.text();
  if (Buffer.byteLength(raw) > supportFormBodyLimit(config)) return { kind: 'too_large' };
  const form = await formOf(raw, request.headers.get('content-type') ?? '');
  const field = (name: string) => {
    const v = form.get(name);
    return typeof v === 'string' ? v : '';
  };
  const values = { email: field('email'), name: field('name'), service: field('service'), category: field('category'), body: field('body') };
  // A field people never see: only robots fill it in. They are told "sent" and nothing is stored or mailed.
  if (field('website') !== '') return { kind: 'sent', number: itemNumber(0) };
  if (!limiter(config.support.per_client_per_hour).take(clientAddress, now)) return { kind: 'too_many' };
  if (values.email.trim() && recentItemsFrom(db, values.email, now) >= config.support.per_address_per_hour) return { kind: 'too_many' };
  try {
    const id = raiseFromForm(db, {
      email: values.email, name: values.name, service: values.service, category: values.category as 'bug', body: values.body,
    }, { userId: user?.role === 'client' ? user.id : null, lang }, now, deskOptions(config, baseUrl));
    return { kind: 'sent', number: itemNumber(id) };
  } catch (err) {
    if (err instanceof AppError && err.code === 'VALIDATION') return { kind: 'invalid', errors: appErrors(err, lang), values };
    throw err;
  }
}
