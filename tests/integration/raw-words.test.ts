import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { startSite, type RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { openDatabase } from '../../src/lib/db';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import { signInCookie } from './admin-fixture';

/**
 * No raw key, enum or zone name where a person reads: every page an admin (or the public)
 * reaches by following links on a fresh install with its sample data (incidents, planned
 * stops of each kind, monitors of several types) is read as text and searched for them.
 */
const ADMIN = { email: 'words-admin@example.jp', password: 'a long and proper passphrase' };
const dir = tempDir();
let site: RunningSite;
let cookie: string;

beforeAll(async () => {
  const dbPath = join(dir.dir, 'status.db');
  const db = openDatabase(dbPath);
  await createUser(db, systemActor('test'), { email: ADMIN.email, role: 'admin', password: ADMIN.password });
  db.$client.close();
  // No services yet: the site loads its sample data at start.
  site = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off' });
  cookie = await signInCookie(site.url, ADMIN);
}, 90_000);
afterAll(async () => {
  await site?.stop();
  dir.remove();
});

/** The words a person reads on a page: no scripts, styles, tags or attributes. */
const textOf = (html: string) => html.replace(/<script[\s\S]*?<\/script>/g, ' ').replace(/<style[\s\S]*?<\/style>/g, ' ').replace(/<[^>]+>/g, ' ')
  .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/&[a-z]+;/g, ' ');

const RAW = [
  /\b[a-z]+(?:_[a-z]+)+\b/, // a key such as redirect_to_private or major_outage
  /Asia\/Tokyo/, /GMT[+-]\d/,
  /（(?:inspection|preventive|security|functional|external|form|phone|mail|in_person)）/,
  /\b(?:down|operational|degraded)\b/,
];

describe('the pages people read', () => {
  it('name no key, enum or zone identifier, in the admin pages, the reports and the public pages', async () => {
    const seen = new Set<string>();
    const queue = ['/admin/', '/reports/', '/', '/support/', '/subscribe/', '/incidents/'];
    const found: string[] = [];
    while (queue.length > 0 && seen.size < 120) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await fetch(`${site.url}${path}`, { headers: { cookie }, redirect: 'manual' });
      if (!(res.headers.get('content-type') ?? '').includes('text/html')) continue;
      const html = await res.text();
      for (const m of html.matchAll(/href="(\/(?:admin|reports|incidents)[^"#?]*)"/g)) if (!seen.has(m[1]!)) queue.push(m[1]!);
      const text = textOf(html);
      for (const re of RAW) {
        const hit = re.exec(text);
        if (hit) found.push(`${path}: …${text.slice(Math.max(0, hit.index - 30), hit.index + hit[0].length + 30).replace(/\s+/g, ' ')}…`);
      }
    }
    // The crawl reached the pages that had raw words before: a monitor's options, a month's report with planned stops.
    expect([...seen].some((p) => /^\/admin\/monitors\/\d+$/.test(p))).toBe(true);
    expect([...seen].filter((p) => /^\/reports\/\d{4}-\d{2}$/.test(p)).length).toBeGreaterThanOrEqual(2);
    expect(found).toEqual([]);
  }, 120_000);

  it('a report issued from a stale page is refused in Japanese, not with the terminal\'s English', async () => {
    const month = DateTime.now().setZone('Asia/Tokyo').toFormat('yyyy-LL');
    // The page for a running month offers a provisional report; a stale or altered form asks for the final one.
    const res = await fetch(`${site.url}/reports/${month}`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie, origin: site.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ kind: 'final' }),
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('<p class="ng" role="alert">この月はまだ終わっていません。確定版は月が終わってから発行できます（今までの分は速報として発行できます）。</p>');
    expect(html).not.toContain('--provisional');
  });
});
