import { randomBytes } from 'node:crypto';
/**
 * A monitor's secrets (a push token, a password in its target, header values, options
 * named like a password or key) are write-only once saved: every page shows them masked,
 * and a form sent back with the mask where a secret was keeps the stored secret. An admin
 * replaces a secret by typing a new one; nobody reads one back.
 */
export const SECRET_MASK = '********';

const SECRET_NAME = /pass(word)?|secret|token|api[-_]?key|auth|cookie|credential/i;

interface MonitorSecrets { type: string; target: string; options: Record<string, unknown> }

function parseUrl(target: string): URL | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return null;
  try {
    return new URL(target);
  } catch {
    return null;
  }
}

/** The target as pages show it: a push token or a password in it replaced by the mask. */
export function maskTarget(type: string, target: string): string {
  if (type === 'push') return SECRET_MASK;
  const url = parseUrl(target);
  if (!url) return target;
  let changed = false;
  if (url.password) { url.password = SECRET_MASK; changed = true; }
  for (const [name] of url.searchParams) if (SECRET_NAME.test(name)) { url.searchParams.set(name, SECRET_MASK); changed = true; }
  return changed ? url.href : target;
}

/**
 * The target as a client (anyone but an admin: the client's pages, the monthly report) sees
 * it: besides a password, the user name and every query value are masked, since signed
 * URLs and API keys travel under any name (`sig`, `X-Amz-Signature`, `key`…).
 */
export function clientTarget(type: string, target: string): string {
  if (type === 'push') return SECRET_MASK;
  const url = parseUrl(target);
  if (!url) return target;
  if (url.username) url.username = SECRET_MASK;
  if (url.password) url.password = SECRET_MASK;
  for (const name of new Set(url.searchParams.keys())) url.searchParams.set(name, SECRET_MASK);
  return url.href;
}

/** Options as pages show them: header values and secret-named options masked. */
export function maskOptions(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (key === 'headers' && value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.keys(value).map((h) => [h, SECRET_MASK]));
    } else if (SECRET_NAME.test(key) && typeof value === 'string') out[key] = SECRET_MASK;
    else out[key] = value;
  }
  return out;
}

/** A monitor as an admin's page (and the audit log) may show it; `client` for anyone else. */
export function maskMonitor<T extends MonitorSecrets>(monitor: T, viewer: 'admin' | 'client' = 'admin'): T {
  const target = viewer === 'admin' ? maskTarget(monitor.type, monitor.target) : clientTarget(monitor.type, monitor.target);
  return { ...monitor, target, options: maskOptions(monitor.options ?? {}) };
}

/**
 * Where a monitor's secrets go: the scheme and host (with port) of a URL target, else the
 * target itself (`host:port`, a host name); a push monitor has none. A secret is kept only while this stays the same.
 */
function destinationOf(type: string, target: string): string {
  if (type === 'push') return type; // its target is the token itself
  const url = parseUrl(target.trim());
  return `${type} ${url ? `${url.protocol}//${url.host}` : target.trim().toLowerCase()}`;
}

/**
 * What a submitted form means for the secrets. Where it sent the mask back, the stored
 * secret stays, but only while the monitor's destination (type, scheme and host) is
 * unchanged: a form that changes the host keeps no stored secret, so none follows the
 * monitor (or the test button) to another address. There the masked secrets are cleared
 * (`cleared`): a header left out, a password or a query value taken out of the target,
 * unless the admin typed it again in the same save. A mask with nothing stored behind it
 * is `missing` (the admin must type that secret).
 */
export function keepSecrets(stored: MonitorSecrets | null, submitted: MonitorSecrets): { target: string; options: Record<string, unknown>; missing: string[]; cleared: string[] } {
  const missing: string[] = [];
  const cleared: string[] = [];
  let target = submitted.target;
  const options: Record<string, unknown> = { ...submitted.options };
  const moved = stored !== null && destinationOf(stored.type, stored.target) !== destinationOf(submitted.type, submitted.target);
  const same = stored !== null && !moved;
  if (target.includes(SECRET_MASK)) {
    if (submitted.type === 'push') {
      if (stored !== null && stored.type === 'push' && target.trim() === SECRET_MASK) target = stored.target;
      else missing.push('target');
    } else {
      const now = parseUrl(target);
      const before = same ? parseUrl(stored.target) : null;
      if (now && before && now.username === before.username) {
        if (now.password === SECRET_MASK) now.password = before.password;
        for (const [name, value] of now.searchParams) if (value === SECRET_MASK) {
          const old = before.searchParams.get(name);
          if (old !== null) now.searchParams.set(name, old);
        }
        target = now.href;
      } else if (now && moved) {
        if (now.password === SECRET_MASK) now.password = '';
        for (const [name, value] of [...now.searchParams]) if (value === SECRET_MASK) now.searchParams.delete(name);
        target = now.href;
        cleared.push('target');
      }
      if (target.includes(SECRET_MASK)) missing.push('target');
    }
  }
  const storedOptions = same ? stored.options ?? {} : {};
  for (const [key, value] of Object.entries(options)) {
    if (key === 'headers' && value && typeof value === 'object' && !Array.isArray(value)) {
      const oldHeaders = (storedOptions.headers ?? {}) as Record<string, unknown>;
      const headers: Record<string, unknown> = {};
      for (const [h, v] of Object.entries(value)) {
        if (v !== SECRET_MASK) headers[h] = v;
        else {
          const old = Object.entries(oldHeaders).find(([k]) => k.toLowerCase() === h.toLowerCase());
          if (old) headers[h] = old[1];
          else if (moved) cleared.push('options.headers');
          else missing.push('options.headers');
        }
      }
      options[key] = headers;
    } else if (value === SECRET_MASK) {
      if (typeof storedOptions[key] === 'string') options[key] = storedOptions[key];
      else if (moved) { delete options[key]; cleared.push(`options.${key}`); }
      else missing.push(`options.${key}`);
    }
  }
  return { target, options, missing, cleared: [...new Set(cleared)] };
}

/**
 * A monitor read from a file exported without its secrets: each mask is taken for no value,
 * never for a secret. The masked header, option, password or query value is left out, and
 * a push monitor gets a new random token nobody knows (its job needs the one an admin types
 * next). A file exported with `--with-secrets` holds no mask and passes unchanged.
 */
export function dropMaskedSecrets(type: string, target: string, options: Record<string, unknown>): { target: string; options: Record<string, unknown> } {
  let kept = target;
  if (type === 'push') {
    if (target.trim() === SECRET_MASK) kept = randomBytes(24).toString('base64url');
  } else if (target.includes(SECRET_MASK)) {
    const url = parseUrl(target);
    if (url) {
      if (url.password === SECRET_MASK) url.password = '';
      for (const [name, value] of [...url.searchParams]) if (value === SECRET_MASK) url.searchParams.delete(name);
      kept = url.href;
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (key === 'headers' && value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== SECRET_MASK));
    } else if (value !== SECRET_MASK) out[key] = value;
  }
  return { target: kept, options: out };
}
