/**
 * Request checks and response headers shared by every page: the origin check on every
 * state-changing request (CSRF), and the security headers.
 */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True when the request came over HTTPS, directly or through a proxy that says so. */
/** Sent only on answers that went out over HTTPS (directly or through the proxy). */
export const HSTS = 'max-age=31536000; includeSubDomains';

export function isHttps(request: Request, publicUrl?: string): boolean {
  if (new URL(request.url).protocol === 'https:') return true;
  if (request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https') return true;
  return publicUrl?.startsWith('https:') ?? false;
}

/**
 * A state-changing request must say it comes from this site: its Origin (or, when a
 * browser sends none, its Referer) must be the site's own origin. `Sec-Fetch-Site:
 * same-origin` alone is accepted too. A request that says nothing is refused.
 */
export function sameOrigin(request: Request, allowedOrigins: string[]): boolean {
  const allowed = new Set(allowedOrigins.map((o) => o.replace(/\/$/, '')));
  const origin = request.headers.get('origin');
  if (origin && origin !== 'null') return allowed.has(origin);
  const referer = request.headers.get('referer');
  if (referer) {
    try {
      return allowed.has(new URL(referer).origin);
    } catch {
      return false;
    }
  }
  return request.headers.get('sec-fetch-site') === 'same-origin';
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Astro may inline small component stylesheets; styles cannot run code.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(https: boolean): Record<string, string> {
  const h: Record<string, string> = {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
  if (https) h['Strict-Transport-Security'] = HSTS;
  return h;
}
