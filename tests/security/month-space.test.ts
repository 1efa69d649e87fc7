import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { startHostileSite, type HostileSite } from './fixture';
import { AnswerCache } from '../../src/lib/status/front-door';
import { makeAnswer } from '../../src/lib/status/cache';

/** Point 7: the month address space is the stored history, and one-off pages never push the status page out of the cache. */
let ctx: HostileSite;
const month = (offset: number) => DateTime.now().setZone('Asia/Tokyo').plus({ months: offset }).toFormat('yyyy-LL');

beforeAll(async () => { ctx = await startHostileSite(); });
afterAll(async () => { await ctx?.stop(); });

describe('history months', () => {
  it('answers the months the history holds, and 404 for the rest', async () => {
    // The fixture's checks start two days ago and its planned stop is twenty days ahead.
    const held = new Set([month(0), DateTime.now().setZone('Asia/Tokyo').minus({ days: 2 }).toFormat('yyyy-LL'), DateTime.now().setZone('Asia/Tokyo').plus({ days: 20 }).toFormat('yyyy-LL')]);
    for (const m of held) for (const prefix of ['', '/en']) expect((await fetch(`${ctx.url}${prefix}/incidents/month/${m}`)).status, `${prefix} ${m}`).toBe(200);
    for (const m of ['0000-01', '1970-01', '2000-06', month(-3), month(3), '9999-12']) {
      if (held.has(m)) continue;
      for (const prefix of ['', '/en']) {
        const res = await fetch(`${ctx.url}${prefix}/incidents/month/${m}`);
        expect(res.status, `${prefix} ${m}`).toBe(404);
        expect(res.headers.get('content-security-policy')).toBeTruthy();
      }
    }
    // The first month's page offers no link to an earlier one.
    const first = [...held].sort()[0]!;
    expect(await (await fetch(`${ctx.url}/incidents/month/${first}`)).text()).not.toContain('rel="prev"');
  });

  it('keeps the status page and the v2 API in the cache while one-off pages come and go', () => {
    const cache = new AnswerCache();
    const put = (key: string, status = 200) =>
      cache.receive({ type: 'answer', answer: makeAnswer(key, { status, headers: { 'content-type': 'text/plain' }, body: Buffer.from(key) }, '1', Date.now()) });
    const pinned = ['/', '/en/', '/?lang=en', '/api/v2/summary.json', '/api/v2/status.json?lang=en'];
    for (const key of pinned) put(key);
    for (let i = 0; i < 2000; i++) put(`/incidents/one-off-${i}`);
    expect(cache.entries.size).toBeLessThanOrEqual(500);
    for (const key of pinned) expect(cache.entries.has(key), key).toBe(true);
    expect(cache.entries.has('/incidents/one-off-1999')).toBe(true);
    expect(cache.entries.has('/incidents/one-off-0')).toBe(false);
    // A missing page is answered to whoever waits for it, and never kept.
    for (let i = 0; i < 100; i++) put(`/incidents/month/${String(1000 + i)}-01`, 404);
    expect([...cache.entries.keys()].some((k) => k.startsWith('/incidents/month/'))).toBe(false);
  });
});
