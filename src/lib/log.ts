/**
 * Structured logs: one JSON line an event, on stderr, with a time, a level and an event
 * name, e.g. `{"time":"…","level":"info","event":"backup.done","path":"…"}`. The level
 * threshold is LOG_LEVEL (debug, info, warn, error; default info).
 *
 * No secrets or personal data: fields whose name says secret (password, token, cookie,
 * authorization, session, SMTP_URL, …) are replaced by "[redacted]"; in every string,
 * credentials in URLs (`smtp://user:pass@host`) and e-mail addresses are masked. Errors are
 * logged by their message, never with the objects they carry.
 */
import { formatWithOptions } from 'node:util';

type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = order[(process.env.LOG_LEVEL as Level) ?? 'info'] ?? order.info;

const SECRET_KEY = /password|passwd|passphrase|^pass$|secret|token|cookie|authori[sz]ation|session|api[-_]?key|smtp_url|credential|(^|_)otp/i;
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(:[^/\s@]*)?@/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}/g;

/** Masks what must not reach a log: URL credentials and e-mail addresses. */
export function scrubText(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1[redacted]@').replace(EMAIL, '[email]');
}

/** A copy of `value` fit for a log line (secrets and personal data removed). */
export function scrub(value: unknown, key = '', depth = 0): unknown {
  if (key && SECRET_KEY.test(key) && value !== null && value !== undefined) return '[redacted]';
  if (typeof value === 'string') return scrubText(value);
  if (value instanceof Error) return scrubText(value.message);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 5) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => scrub(v, '', depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, k, depth + 1);
  return out;
}

function write(level: Level, event: string, fields: Record<string, unknown>): void {
  if (order[level] < threshold) return;
  let line: string;
  try {
    line = JSON.stringify({ time: new Date().toISOString(), level, event, ...(scrub(fields) as Record<string, unknown>) });
  } catch {
    line = JSON.stringify({ time: new Date().toISOString(), level, event, note: 'fields could not be serialized' });
  }
  process.stderr.write(`${line}\n`);
}

export const log = {
  debug: (event: string, fields: Record<string, unknown> = {}) => write('debug', event, fields),
  info: (event: string, fields: Record<string, unknown> = {}) => write('info', event, fields),
  warn: (event: string, fields: Record<string, unknown> = {}) => write('warn', event, fields),
  error: (event: string, fields: Record<string, unknown> = {}) => write('error', event, fields),
};

/** ANSI colour codes some libraries put in their lines. */
const ANSI = /\x1b\[[0-9;]*m/g;

/** A library's own message as a log event `<source>.<level>` (node-cron's Logger shape). */
export function libraryLogger(source: string) {
  const line = (level: Level) => (message: string | Error, err?: Error) =>
    write(level, `${source}.${level}`, { message: String(message instanceof Error ? message.message : message).replace(ANSI, ''), ...(err ? { error: err.message } : {}) });
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/**
 * Routes what libraries print with console.* into the JSON log (event `console.<level>`),
 * so a long-running process writes one format on stderr.
 */
export function captureConsole(): void {
  const to = libraryLogger('console');
  const text = (args: unknown[]) => formatWithOptions({ colors: false }, ...args);
  console.log = (...a: unknown[]) => to.info(text(a));
  console.info = (...a: unknown[]) => to.info(text(a));
  console.debug = (...a: unknown[]) => to.debug(text(a));
  console.warn = (...a: unknown[]) => to.warn(text(a));
  console.error = (...a: unknown[]) => to.error(text(a));
}
