import { z } from 'zod';
import type { Connection } from 'mysql2/promise';
import type { CheckType, CheckOutcome } from '../check-type';
import { elapsedMs, abortable } from '../check-type';
import { describeNetworkError } from '../net-errors';

const mysqlOptions = z.strictObject({
  /** Require TLS to the server. */
  tls: z.boolean().default(false),
  /** With tls: accept a certificate that does not verify. */
  ignore_tls_errors: z.boolean().default(false),
  degraded_ms: z.number().int().positive().optional(),
});
export type MysqlOptions = z.infer<typeof mysqlOptions>;

function parseTarget(target: string): { host: string; port: number; user: string; password: string; database?: string } | null {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    return null;
  }
  if (u.protocol !== 'mysql:' || !u.hostname || !u.username) return null;
  const port = u.port ? Number(u.port) : 3306;
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined;
  if (u.search || u.hash || (database && database.includes('/'))) return null;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port, user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database };
}

function describeMysqlError(err: unknown): string {
  const e = err as { code?: string; message?: string; sqlMessage?: string };
  switch (e.code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR': return 'MySQL authentication failed (access denied)';
    case 'ER_BAD_DB_ERROR': return `MySQL database not found: ${e.sqlMessage ?? ''}`.trim();
    case 'ER_DBACCESS_DENIED_ERROR': return 'MySQL user may not use that database';
    case 'ER_CON_COUNT_ERROR': return 'MySQL has too many connections';
    case 'HANDSHAKE_NO_SSL_SUPPORT': return 'MySQL server does not offer TLS';
    case 'PROTOCOL_CONNECTION_LOST': return 'MySQL closed the connection';
    case 'ETIMEDOUT': return 'MySQL connection timed out';
    case 'ABORT_ERR': return 'timed out';
    default:
      if (e.code?.startsWith('PROTOCOL_') || /malformed|packet|protocol/i.test(e.message ?? '')) return 'the server does not speak the MySQL protocol';
      if (e.code?.startsWith('ER_')) return `MySQL error ${e.code}: ${e.sqlMessage ?? e.message ?? ''}`.trim();
      return describeNetworkError(err);
  }
}

/** MySQL/MariaDB: connects, logs in and runs `SELECT 1`. Target `mysql://user:password@host:3306/database`. */
export const mysqlCheck: CheckType<MysqlOptions> = {
  type: 'mysql',
  options: mysqlOptions as unknown as z.ZodType<MysqlOptions>,
  validateTarget(target) {
    return parseTarget(target) ? null : 'must be mysql://user:password@host:port/database (user required)';
  },
  async run({ target, options, timeoutMs }, signal): Promise<CheckOutcome> {
    const t = parseTarget(target)!;
    // The driver is loaded by the first MySQL check, not by every probe at start.
    const { default: mysql } = await import('mysql2/promise');
    const started = process.hrtime.bigint();
    let conn: Connection | null = null;
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    try {
      const connecting = mysql.createConnection({
        host: t.host, port: t.port, user: t.user, password: t.password, database: t.database,
        connectTimeout: timeoutMs,
        ssl: options.tls ? { rejectUnauthorized: !options.ignore_tls_errors } : undefined,
      });
      // If the deadline passes first, close whatever connection arrives later.
      connecting.then((c) => { if (deadline.aborted) c.destroy(); }, () => {});
      conn = await abortable(connecting, deadline);
      const [rows] = await abortable(conn.query('SELECT 1 AS ok'), deadline, () => conn?.destroy());
      const latencyMs = elapsedMs(started);
      const ok = Array.isArray(rows) && (rows[0] as { ok?: unknown } | undefined)?.ok;
      if (Number(ok) !== 1) return { status: 'down', latencyMs, reason: 'SELECT 1 did not return 1' };
      if (options.degraded_ms !== undefined && latencyMs > options.degraded_ms) {
        return { status: 'degraded', latencyMs, reason: `slow: ${latencyMs} ms, over ${options.degraded_ms} ms` };
      }
      return { status: 'up', latencyMs, reason: null };
    } catch (err) {
      return { status: 'down', latencyMs: null, reason: deadline.aborted ? `timed out after ${timeoutMs} ms` : describeMysqlError(err) };
    } finally {
      if (conn) {
        const c = conn;
        c.end().catch(() => c.destroy());
      }
    }
  },
};
