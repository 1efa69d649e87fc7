import type { Db } from '../db';
import { AppError, jsonPath, type FieldIssue } from '../errors';
import { parseInstant } from '../time';
import { STATUS_CODE } from '../checks/status';
import { rebuildDerived } from '../checks/store';
import { checkSchema, everAssigned, type Interchange } from './format';
import { validateInterchange, importInterchange, type ImportCounts } from './import';
import { LocationCheckStore } from '../agents/store';
import { LOCAL } from '../sla/locations';
import { readJsonFile, JsonSyntaxError } from './json-stream';

/** At most this many problems are listed (with a count of the rest), so a bad file cannot fill memory with them. */
export const MAX_LISTED_ISSUES = 1000;

const STREAMED = new Set(['checks']);

/**
 * Reads an interchange file of any size with bounded memory: the file is read twice in
 * pieces. The first pass validates all of it (every field, every reference, duplicate
 * checks found through a temporary table, not in memory) and writes nothing; only a file
 * without a problem is read again and written, in one transaction.
 */
export function importInterchangeFile(db: Db, path: string, now = Date.now()): ImportCounts {
  const head = validateInterchangeFile(db, path);
  const c = db.$client;
  const insCheck = c.prepare('INSERT INTO checks (monitor_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?)');
  const insLocated = c.prepare('INSERT INTO location_checks (location_id, monitor_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, ?, ?)');
  return c.transaction((): ImportCounts => {
    const counts = importInterchange(db, head.data, now);
    const monitorIds = new Map((c.prepare('SELECT slug, id FROM monitors').all() as Array<{ slug: string; id: number }>).map((m) => [m.slug, m.id]));
    // Every location a check may name is one of its monitor's, so importInterchange registered it.
    const locationIds = new Map((c.prepare('SELECT slug, id FROM probe_locations').all() as Array<{ slug: string; id: number }>).map((l) => [l.slug, l.id]));
    const located = new Set<string>();
    let checks = 0;
    read(path, (_name, _i, value) => {
      const ch = value as { monitor: string; at: string; status: keyof typeof STATUS_CODE; latency_ms?: number | null; error?: string; location?: string };
      const id = monitorIds.get(ch.monitor);
      const at = parseInstant(ch.at);
      const locationId = ch.location === undefined || ch.location === LOCAL ? null : locationIds.get(ch.location);
      // The file changed since it was validated: nothing is written.
      if (id === undefined || at === null || STATUS_CODE[ch.status] === undefined || locationId === undefined) throw new AppError('CONFLICT', `${path} changed while it was imported; nothing was written`);
      if (locationId === null) insCheck.run(id, at, STATUS_CODE[ch.status], ch.latency_ms ?? null, ch.error ?? null);
      else {
        insLocated.run(locationId, id, at, STATUS_CODE[ch.status], ch.latency_ms ?? null, ch.error ?? null);
        located.add(`${locationId}:${id}`);
      }
      checks++;
    });
    if (checks !== head.checks) throw new AppError('CONFLICT', `${path} changed while it was imported; nothing was written`);
    for (const id of monitorIds.values()) rebuildDerived(db, id);
    // Agents' checks were written alone, in file order: their runs and gaps are built from them in time order.
    const store = new LocationCheckStore(db);
    for (const key of located) {
      const [locationId, monitorId] = key.split(':').map(Number) as [number, number];
      store.rebuild(locationId, monitorId);
    }
    return { ...counts, checks };
  }).immediate();
}

/** The first pass: every problem with its JSON path, or the file's small parts and its number of checks. */
export function validateInterchangeFile(db: Db, path: string): { data: Interchange; checks: number } {
  const c = db.$client;
  const issues: FieldIssue[] = [];
  let more = 0;
  const add = (issue: FieldIssue) => {
    if (issues.length < MAX_LISTED_ISSUES) issues.push(issue);
    else more++;
  };
  // Monitors named by checks, with the first check naming each (few: one per monitor in a sound file);
  // likewise each monitor and location named together, checked against the monitor's locations at the end.
  const named = new Map<string, number>();
  const namedAt = new Map<string, { monitor: string; location: string; index: number }>();
  let checks = 0;
  c.exec('CREATE TEMP TABLE IF NOT EXISTS import_check_keys (monitor TEXT NOT NULL, location TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (monitor, location, at)) WITHOUT ROWID');
  c.exec('DELETE FROM temp.import_check_keys');
  const seen = c.prepare('INSERT OR IGNORE INTO temp.import_check_keys (monitor, location, at) VALUES (?, ?, ?)');
  let doc: unknown;
  try {
    c.transaction(() => {
      doc = read(path, (_name, i, value) => {
        checks++;
        const parsed = checkSchema.safeParse(value);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) add({ path: `$.checks[${i}]${jsonPath(issue.path).slice(1)}`, message: issue.message });
          return;
        }
        const ch = parsed.data;
        if (!named.has(ch.monitor)) {
          if (named.size < MAX_LISTED_ISSUES * 10) named.set(ch.monitor, i);
          else add({ path: `$.checks[${i}].monitor`, message: 'too many different monitors' });
        }
        const location = ch.location ?? LOCAL;
        const pair = `${ch.monitor}\u0000${location}`;
        if (ch.location !== undefined && !namedAt.has(pair)) {
          if (namedAt.size < MAX_LISTED_ISSUES * 10) namedAt.set(pair, { monitor: ch.monitor, location, index: i });
          else add({ path: `$.checks[${i}].location`, message: 'too many different monitors and locations' });
        }
        if (seen.run(ch.monitor, location, parseInstant(ch.at)!).changes === 0) add({ path: `$.checks[${i}].at`, message: `a second check of "${ch.monitor}" at the same instant` });
      });
    })();
  } finally {
    c.exec('DROP TABLE IF EXISTS temp.import_check_keys');
  }
  let data: Interchange | null = null;
  try {
    data = validateInterchange(doc);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    for (const issue of err.issues) add(issue);
  }
  const docMonitors = (doc as { monitors?: Array<{ slug?: unknown; locations?: unknown; location_history?: unknown }> } | null)?.monitors ?? [];
  const monitors = new Set(docMonitors.map((m) => m?.slug));
  for (const [slug, i] of named) if (!monitors.has(slug)) add({ path: `$.checks[${i}].monitor`, message: `no monitor "${slug}" in this file` });
  // A check's location must be one of its monitor's (absent locations: `local` alone).
  const locationsOf = new Map(docMonitors.map((m) => [m?.slug, everAssigned(m)]));
  for (const { monitor, location, index } of namedAt.values()) {
    const where = locationsOf.get(monitor);
    if (where && !where.has(location)) add({ path: `$.checks[${index}].location`, message: `"${location}" is not one of the monitor's locations` });
  }
  if (issues.length > 0 || !data) {
    const total = issues.length + more;
    if (more > 0) issues.push({ path: '$', message: `and ${more} more problem(s) not listed` });
    throw new AppError('VALIDATION', `${total} problem(s) in the file`, issues);
  }
  return { data, checks };
}

function read(path: string, onCheck: (name: string, index: number, value: unknown) => void): unknown {
  try {
    return readJsonFile(path, STREAMED, onCheck);
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new AppError('VALIDATION', `the file is not valid JSON: ${err.message}`, [{ path: '$', message: err.message }]);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw new AppError('NOT_FOUND', `cannot read ${path}: ${(err as Error).message}`);
    throw err;
  }
}
