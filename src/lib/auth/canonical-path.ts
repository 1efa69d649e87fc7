/**
 * One canonical spelling of a request's path, computed before any decision is taken on it
 * (the front door in scripts/start.ts, then the middleware). Access rules compare paths as
 * strings; the router decodes and merges what it is given. Both must see the same path, so
 * the path is decoded exactly once, runs of `/` and `\` become one `/`, and anything that
 * would still read differently to another component is refused rather than guessed at.
 */
export type Canonical =
  | { ok: true; path: string; search: string }
  | { ok: false; status: 400 | 404; reason: string };

// Encoded separators and dots: after one decoding they would become structure (a new
// segment, a dot segment) that a later decoder sees and the access rules did not.
const ENCODED_STRUCTURE = /%(?:2f|5c|2e)/i;
// Control characters, raw or encoded (tab and newline included: browsers strip them).
const CONTROL_RAW = /[\u0000-\u001f\u007f]/;
const CONTROL_ENCODED = /%(?:[01][0-9a-f]|7f)/i;

/**
 * Canonical form of a request target (`req.url`: path and query, or an absolute URL a
 * proxy may send). The query is kept as it was sent; only the path is rewritten.
 */
export function canonicalPath(target: string): Canonical {
  let raw = target;
  // Absolute form (`GET http://host/path`): only its path and query matter here.
  const absolute = /^https?:\/\/[^/?#\\]*/i.exec(raw);
  if (absolute) raw = raw.slice(absolute[0].length) || '/';
  const hash = raw.indexOf('#');
  if (hash !== -1) raw = raw.slice(0, hash);
  const q = raw.indexOf('?');
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  const search = q === -1 ? '' : raw.slice(q);
  if (!rawPath.startsWith('/') && !rawPath.startsWith('\\')) return { ok: false, status: 400, reason: 'not a path' };
  if (CONTROL_RAW.test(raw) || CONTROL_ENCODED.test(rawPath)) return { ok: false, status: 400, reason: 'control character' };
  if (ENCODED_STRUCTURE.test(rawPath)) return { ok: false, status: 404, reason: 'encoded separator or dot' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  // A `%` left after one decoding was encoded twice: another decoder would read it again.
  if (decoded.includes('%')) return { ok: false, status: 400, reason: 'double encoding' };
  if (CONTROL_RAW.test(decoded)) return { ok: false, status: 400, reason: 'control character' };
  const path = decoded.replace(/[/\\]+/g, '/');
  const segments = path.split('/');
  if (segments.some((s) => s === '.' || s === '..')) return { ok: false, status: 404, reason: 'dot segment' };
  return { ok: true, path, search };
}

/** The path re-encoded for the router (which decodes once more): each segment percent-encoded where needed. */
export function encodedPath(path: string): string {
  return path.split('/').map((s) => encodeURIComponent(s).replace(/%40/g, '@').replace(/%3A/g, ':')).join('/');
}

/**
 * The path access decisions compare: canonical, lower-cased (a router that matched
 * regardless of case must not meet a rule that did not), without trailing slashes.
 */
export function decisionPath(path: string): string {
  // Trailing dots too (`/admin./users`): some stacks drop them, so a rule must not depend on them.
  return path.toLowerCase().replace(/\.+(?=\/|$)/g, '').replace(/\/+$/, '') || '/';
}

/** Admin and report pages: signed-in users only, whatever else the page checks. */
export function needsSignIn(path: string): boolean {
  const p = decisionPath(path);
  return p === '/admin' || p.startsWith('/admin/') || p === '/reports' || p.startsWith('/reports/');
}
