import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import Parser from 'rss-parser';
import ical from 'node-ical';
import { tempDb } from '../helpers/temp';
import { importInterchange } from '../../src/lib/interchange/import';
import { parseConfig } from '../../src/lib/config';
import { historyFeed, maintenanceCalendar, type FeedContext } from '../../src/lib/status/feeds';
import { statusBadge } from '../../src/lib/status/badge';
import { pageFixture } from './page-fixture';

describe('history feeds and the maintenance calendar', () => {
  let t: ReturnType<typeof tempDb>;
  let ctx: FeedContext;
  let now: number;
  beforeAll(() => {
    t = tempDb();
    now = Date.now();
    importInterchange(t.db, pageFixture(now));
    ctx = { db: t.db, config: parseConfig({}), now, lang: 'ja', baseUrl: 'https://status.example.jp' };
  });
  afterAll(() => t.close());

  it('Atom is well-formed and a feed reader lists every published incident and stop, with permanent links', async () => {
    const atom = historyFeed(ctx).atom1();
    expect(XMLValidator.validate(atom)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(atom);
    expect(doc.feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
    const feed = await new Parser().parseString(atom);
    const titles = feed.items.map((i) => i.title);
    expect(titles).toHaveLength(3);
    expect(titles.some((x) => x?.includes('ログインできない障害') && x.includes('原因特定'))).toBe(true);
    expect(titles.some((x) => x?.includes('定期点検のための計画停止'))).toBe(true);
    expect(titles.join()).not.toContain('未確認の下書き');
    const login = feed.items.find((i) => i.title?.includes('ログイン'))!;
    expect(login.link).toBe('https://status.example.jp/incidents/login-failure');
    expect(login.id).toBe('https://status.example.jp/incidents/login-failure');
    expect(login.content).toContain('データベースの障害を特定しました。');
    expect(login.content).not.toContain('内部メモ');
  });

  it('RSS 2.0 parses with the same items, in English with lang=en', async () => {
    const rss = historyFeed({ ...ctx, lang: 'en' }).rss2();
    expect(XMLValidator.validate(rss)).toBe(true);
    const feed = await new Parser().parseString(rss);
    expect(feed.items).toHaveLength(3);
    const login = feed.items.find((i) => i.title?.includes('Learners cannot sign in'))!;
    expect(login.link).toBe('https://status.example.jp/en/incidents/login-failure');
    expect(login.guid).toBe('https://status.example.jp/incidents/login-failure');
    expect(feed.language).toBe('en');
  });

  it('the calendar parses with node-ical: one event per stop in its window, in UTC', () => {
    const text = maintenanceCalendar(ctx);
    const events = Object.values(ical.sync.parseICS(text)).filter((e) => e.type === 'VEVENT') as ical.VEvent[];
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(String(e.summary)).toBe('定期点検のための計画停止');
    expect(e.end.getTime() - e.start.getTime()).toBe(120 * 60_000);
    expect(e.start.getTime()).toBeGreaterThan(now);
    const url = e.url as unknown as string | { val: string };
    expect(typeof url === 'string' ? url : url.val).toBe('https://status.example.jp/incidents/maintenance/inspection-next');
    // Instants in UTC with Z (RFC 5545 form 2): right in every calendar, whatever zone the server runs in.
    expect(text).toMatch(/^DTSTART:\d{8}T\d{6}Z\r?$/m);
    expect(text).toMatch(/^DTSTAMP:\d{8}T\d{6}Z\r?$/m);
    expect(text).not.toContain('TZID=');
  });

  it('the badge is an SVG naming the service and its state', () => {
    const svg = statusBadge('eラーニング', 'major_outage', 'ja');
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('aria-label="eラーニング: 障害"');
    expect(statusBadge('Web & <site>', 'operational', 'en')).toContain('Web &amp; &lt;site&gt;: Operational');
  });
});
