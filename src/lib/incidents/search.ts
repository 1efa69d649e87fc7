import type { Db } from '../db';

/**
 * Full-text search over incidents and their updates (title, cause, fix, prevention, every
 * update's text), for the admin pages. The index is the SQLite FTS5 table `incident_search`
 * with the trigram tokenizer, kept by triggers (db/migrations/0012): it finds any run of three
 * or more characters anywhere in a text, so Japanese written without spaces is found
 * mid-sentence. Shorter queries fall back to a scan with LIKE.
 */
export interface SearchHit {
  id: number;
  key: string;
  titleJa: string;
  startedAt: number;
  recoveredAt: number | null;
  /** The matching passage, with the match between 【 and 】. */
  snippet: string;
}

export interface SimilarIncident {
  id: number;
  key: string;
  titleJa: string;
  startedAt: number;
  recoveredAt: number | null;
  cause: string | null;
  causeCategory: string | null;
  fix: string | null;
  prevention: string | null;
  services: string[];
  /** Why it is shown: the shared services, the same cause category, similar words. */
  reasons: ('service' | 'category' | 'text')[];
}

/** How many recent incidents sharing a service or a category are weighed (the text match weighs the best 100 of all). */
const CANDIDATES = 300;

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

export function searchIncidents(db: Db, query: string, limit = 50): SearchHit[] {
  const q = query.trim().replace(/\s+/g, ' ').slice(0, 200);
  if (q === '') return [];
  const c = db.$client;
  const base = 'i.id, i.key, i.title_ja AS titleJa, i.started_at AS startedAt, i.recovered_at AS recoveredAt';
  if ([...q].length < 3) {
    // Trigrams need three characters; a short word is looked for by a scan.
    const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const rows = c.prepare(`SELECT ${base}, t.body FROM incident_search_text t JOIN incidents i ON i.id = t.id
      WHERE i.draft = 0 AND t.body LIKE ? ESCAPE '\\' ORDER BY i.started_at DESC LIMIT ?`).all(like, limit) as (Omit<SearchHit, 'snippet'> & { body: string })[];
    return rows.map(({ body, ...r }) => {
      const at = body.indexOf(q);
      return { ...r, snippet: at < 0 ? '' : `${at > 20 ? '…' : ''}${body.slice(Math.max(0, at - 20), at)}【${q}】${body.slice(at + q.length, at + q.length + 20)}…`.replace(/\n/g, ' ') };
    });
  }
  // Every word of the query must appear (each as a phrase).
  const match = q.split(' ').filter((w) => w !== '').map(quote).join(' AND ');
  return c.prepare(`SELECT ${base}, snippet(incident_search, 0, '【', '】', '…', 16) AS snippet
      FROM incident_search s JOIN incidents i ON i.id = s.rowid
      WHERE incident_search MATCH ? AND i.draft = 0 ORDER BY s.rank LIMIT ?`).all(match, limit) as SearchHit[];
}

/** Distinct runs of three characters (letters, digits, kana, kanji) of a text, for a similarity query. */
function trigrams(text: string, max: number): string[] {
  const out = new Set<string>();
  for (const part of text.toLowerCase().split(/[\s\p{P}\p{S}]+/u)) {
    const chars = [...part];
    for (let k = 0; k + 3 <= chars.length && out.size < max; k++) out.add(chars.slice(k, k + 3).join(''));
  }
  return [...out];
}

/**
 * The past incidents most like this one, for the admin who handles it: sharing a service,
 * with the same cause category, or with similar words in title, cause and updates (the
 * probe's error is in the draft's title and updates). Recovered incidents only, best first.
 */
export function similarIncidents(db: Db, id: number, limit = 5): SimilarIncident[] {
  const c = db.$client;
  const self = c.prepare('SELECT id, title_ja AS titleJa, cause, cause_category AS causeCategory, started_at AS startedAt FROM incidents WHERE id = ?').get(id) as
    { id: number; titleJa: string; cause: string | null; causeCategory: string | null; startedAt: number } | undefined;
  if (!self) return [];
  const serviceIds = (c.prepare('SELECT service_id AS s FROM incident_services WHERE incident_id = ?').all(id) as { s: number }[]).map((r) => r.s);
  const score = new Map<number, { score: number; reasons: Set<SimilarIncident['reasons'][number]> }>();
  const add = (other: number, points: number, reason: SimilarIncident['reasons'][number]) => {
    if (other === id) return;
    const e = score.get(other) ?? { score: 0, reasons: new Set() };
    e.score += points;
    e.reasons.add(reason);
    score.set(other, e);
  };
  const grams = trigrams(`${self.titleJa} ${self.cause ?? ''}`, 32);
  if (grams.length) {
    const rows = c.prepare('SELECT rowid AS id, rank FROM incident_search WHERE incident_search MATCH ? ORDER BY rank LIMIT 100').all(grams.map(quote).join(' OR ')) as { id: number; rank: number }[];
    // bm25 ranks are negative, better when lower: the best match scores 4, the others in proportion.
    const best = rows.length ? rows[0]!.rank : 0;
    for (const r of rows) add(r.id, best < 0 ? (4 * r.rank) / best : 1, 'text');
  }
  if (serviceIds.length) {
    // The latest few hundred on the same services: enough to rank, bounded however long the history.
    const rows = c.prepare(`SELECT x.incident_id AS id, count(*) AS n FROM incident_services x JOIN incidents i ON i.id = x.incident_id
        WHERE x.service_id IN (${serviceIds.map(() => '?').join(', ')}) AND i.draft = 0 AND i.recovered_at IS NOT NULL
        GROUP BY x.incident_id ORDER BY max(i.started_at) DESC LIMIT ${CANDIDATES}`).all(...serviceIds) as { id: number; n: number }[];
    for (const r of rows) add(r.id, 1.5 * r.n, 'service');
  }
  if (self.causeCategory) {
    const rows = c.prepare(`SELECT id FROM incidents WHERE cause_category = ? AND draft = 0 AND recovered_at IS NOT NULL ORDER BY started_at DESC LIMIT ${CANDIDATES}`).all(self.causeCategory) as { id: number }[];
    for (const r of rows) add(r.id, 2, 'category');
  }
  if (score.size === 0) return [];
  const ids = [...score.keys()];
  const rows = c.prepare(`SELECT id, key, title_ja AS titleJa, started_at AS startedAt, recovered_at AS recoveredAt, cause, cause_category AS causeCategory, fix, prevention
      FROM incidents WHERE id IN (SELECT value FROM json_each(?)) AND draft = 0 AND recovered_at IS NOT NULL`).all(JSON.stringify(ids)) as Omit<SimilarIncident, 'services' | 'reasons'>[];
  const servicesOf = c.prepare('SELECT s.name_ja AS n FROM incident_services x JOIN services s ON s.id = x.service_id WHERE x.incident_id = ? ORDER BY s.sort_order, s.id');
  return rows
    // What was learnt (a cause, a fix, a prevention) makes a past incident more useful.
    .map((r) => ({ r, s: score.get(r.id)!.score + (r.cause || r.fix || r.prevention ? 1 : 0) }))
    .sort((a, b) => b.s - a.s || b.r.startedAt - a.r.startedAt)
    .slice(0, limit)
    .map(({ r }) => ({ ...r, services: (servicesOf.all(r.id) as { n: string }[]).map((x) => x.n), reasons: [...score.get(r.id)!.reasons] }));
}
