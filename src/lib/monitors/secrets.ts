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

/** A monitor as any page (and the audit log) may show it. */
export function maskMonitor<T extends MonitorSecrets>(monitor: T): T {
  return { ...monitor, target: maskTarget(monitor.type, monitor.target), options: maskOptions(monitor.options ?? {}) };
}

/**
 * What a submitted form means for the secrets: where it sent the mask back, the stored
 * secret stays (only for the same type, host and user, so a secret never follows a changed
 * address). Returns the target and options to save, and the fields whose mask had no
 * stored secret to keep (the admin must type that secret).
 */
export function keepSecrets(stored: MonitorSecrets | null, submitted: MonitorSecrets): { target: string; options: Record<string, unknown>; missing: string[] } {
  const missing: string[] = [];
  let target = submitted.target;
  const options: Record<string, unknown> = { ...submitted.options };
  const same = stored !== null && stored.type === submitted.type;
  if (target.includes(SECRET_MASK)) {
    if (submitted.type === 'push') {
      if (same && target.trim() === SECRET_MASK) target = stored.target;
      else missing.push('target');
    } else {
      const now = parseUrl(target);
      const before = same ? parseUrl(stored.target) : null;
      if (now && before && now.protocol === before.protocol && now.host === before.host && now.username === before.username) {
        if (now.password === SECRET_MASK) now.password = before.password;
        for (const [name, value] of now.searchParams) if (value === SECRET_MASK) {
          const old = before.searchParams.get(name);
          if (old !== null) now.searchParams.set(name, old);
        }
        target = now.href;
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
          else missing.push(`options.headers`);
        }
      }
      options[key] = headers;
    } else if (value === SECRET_MASK) {
      if (typeof storedOptions[key] === 'string') options[key] = storedOptions[key];
      else missing.push(`options.${key}`);
    }
  }
  return { target, options, missing };
}
