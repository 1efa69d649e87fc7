import { afterAll, describe, expect, it, vi } from 'vitest';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { parseConfig } from '../../src/lib/config';
import { parseInstant, lastDays } from '../../src/lib/time';
import { openDatabase, type Db } from '../../src/lib/db';
import { CheckStore, type CheckResult } from '../../src/lib/checks/store';
import { LocationCheckStore } from '../../src/lib/agents/store';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { removeMonitor, saveMonitor, setMonitorPaused } from '../../src/lib/monitors/verbs';
import { recordSettings } from '../../src/lib/monitors/history';
import { markFalsePositive } from '../../src/lib/incidents/verbs';
import { systemActor } from '../../src/lib/audit';
import { statusSummary, type StatusSummary } from '../../src/lib/status/summary';
import { statusPageData } from '../../src/lib/status/page-data';

/**
 * The page keeps each monitor's inputs between rebuilds (src/lib/status/kept-inputs.ts) and
 * loads a monitor again only when the database lists it, a location may have fallen silent or
 * the day changes. Whatever happens to the records, a rebuild from the kept inputs must show
 * exactly what a rebuild from nothing shows.
 *
 * Two histories run side by side on the same file: the kept one on its own connection, whose
 * memos are never cleared from the first step to the last; the cold one computed at every step
 * by a freshly evaluated copy of the modules (vi.resetModules: every module-level memo is new)
 * on another connection. Clearing memos in the kept copy would make each step start cold.
 */
const config = parseConfig({});
const admin = systemActor('test');
const ms = (s: string) => parseInstant(s)!;
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

type Mode = 'on' | 'off' | 'spool';

/** One location's checks of one monitor (location null: the local probe). */
interface Feed {
  monitor: number;
  location: number | null;
  next: number;
  status: 'up' | 'down';
  mode: Mode;
  spool: CheckResult[];
}

/** A simulated probe and two agents writing checks as a clock moves, and the two page histories compared. */
class Scenario {
  readonly t = tempDb();
  /** The kept history's connection: never cleared. */
  readonly kept: Db;
  /** The cold history's connection. */
  readonly cold: Db;
  readonly feeds: Feed[] = [];
  readonly intervalS = new Map<number, number>();
  readonly paused = new Set<number>();
  readonly ids: Record<string, number> = {};
  osaka = 0;
  tokyo = 0;
  compared = 0;
  /** The simulated clock: it starts two days before `start`, when the monitors were added. */
  now: number;

  constructor(start: number) {
    const db = this.t.db;
    const from = start - 2 * DAY;
    this.now = from;
    const web = { type: 'http' as const, target: 'http://127.0.0.1:9/', interval_s: 60, confirm: 2 };
    const monitors = [
      { slug: 'web', service: 'portal', counts_for_availability: true },
      { slug: 'api', service: 'portal', counts_for_availability: true },
      { slug: 'portal-multi', service: 'portal', counts_for_availability: true },
      { slug: 'docs', service: 'portal', counts_for_availability: false },
      { slug: 'smtp', service: 'mail', counts_for_availability: true },
      { slug: 'mail-multi', service: 'mail', counts_for_availability: true },
    ];
    importInterchange(db, validateInterchange({
      version: 1,
      services: [
        { slug: 'portal', name: { ja: 'ポータル', en: 'Portal' }, sla_target_pct: 99.9 },
        { slug: 'mail', name: { ja: 'メール', en: 'Mail' }, sla_target_pct: 99.5 },
      ],
      monitors: monitors.map((m) => ({ ...web, ...m, added_at: new Date(from).toISOString() })),
    }), from);
    for (const m of monitors) this.ids[m.slug] = db.$client.prepare('SELECT id FROM monitors WHERE slug = ?').pluck().get(m.slug) as number;
    this.osaka = addAgent(db, admin, { name: 'osaka', labelJa: '大阪' }, from).location.id;
    this.tokyo = addAgent(db, admin, { name: 'tokyo', labelJa: '東京' }, from).location.id;
    for (const slug of ['portal-multi', 'mail-multi']) setMonitorLocations(db, admin, this.ids[slug]!, ['local', 'osaka', 'tokyo'], 2, from);
    // Realistic phases: each monitor and location checks at its own second of the minute.
    let phase = 3;
    for (const m of monitors) {
      const id = this.ids[m.slug]!;
      this.intervalS.set(id, 60);
      const locations = m.slug.endsWith('-multi') ? [null, this.osaka, this.tokyo] : [null];
      for (const location of locations) {
        this.feeds.push({ monitor: id, location, next: from + (phase % 60) * SEC, status: 'up', mode: 'on', spool: [] });
        phase += 17;
      }
    }
    this.kept = openDatabase(this.t.path);
    this.cold = openDatabase(this.t.path);
  }

  close(): void {
    this.kept.$client.close();
    this.cold.$client.close();
    this.t.close();
  }

  feed(slug: string, location: 'local' | 'osaka' | 'tokyo'): Feed {
    const id = location === 'local' ? null : location === 'osaka' ? this.osaka : this.tokyo;
    return this.feeds.find((f) => f.monitor === this.ids[slug] && f.location === id)!;
  }

  set(slug: string, location: 'local' | 'osaka' | 'tokyo', change: Partial<Pick<Feed, 'status' | 'mode'>>): void {
    Object.assign(this.feed(slug, location), change);
  }

  /** Moves the clock, writing the checks due up to the new now (at most an hour per batch, as a probe's writes). */
  advance(ms: number): void {
    const target = this.now + ms;
    while (this.now < target) {
      const until = Math.min(target, this.now + HOUR);
      const local: CheckResult[] = [];
      const agents = new Map<number, CheckResult[]>();
      for (const f of this.feeds) {
        while (f.next <= until) {
          const at = f.next;
          f.next += this.intervalS.get(f.monitor)! * SEC;
          if (this.paused.has(f.monitor) || f.mode === 'off') continue;
          const r: CheckResult = { monitorId: f.monitor, at, status: f.status, latencyMs: f.status === 'up' ? 80 + (at / SEC) % 40 : null, error: f.status === 'up' ? null : 'connection refused' };
          if (f.mode === 'spool') f.spool.push(r);
          else if (f.location === null) local.push(r);
          else {
            if (!agents.has(f.location)) agents.set(f.location, []);
            agents.get(f.location)!.push(r);
          }
        }
      }
      new CheckStore(this.t.db).record(local);
      for (const [location, results] of agents) this.agentSends(location, results);
      this.now = until;
    }
  }

  /** An agent's batch, as the agents' API stores it: one monitor after another, each in time order. */
  agentSends(location: number, results: CheckResult[]): void {
    const sorted = [...results].sort((a, b) => a.monitorId - b.monitorId || a.at - b.at);
    this.t.db.$client.transaction(() => new LocationCheckStore(this.t.db).record(location, sorted))();
  }

  /** The feed's spooled results sent at last, and the feed back to sending as it checks. */
  flush(slug: string, location: 'osaka' | 'tokyo'): void {
    const f = this.feed(slug, location);
    this.agentSends(f.location!, f.spool);
    f.spool = [];
    f.mode = 'on';
  }

  /** A control check, stored as the agents' API stores it (a change only). */
  control(location: number, ok: boolean): void {
    const c = this.t.db.$client;
    const last = c.prepare('SELECT ok FROM location_controls WHERE location_id = ? AND at <= ? ORDER BY at DESC LIMIT 1').pluck().get(location, this.now) as number | undefined;
    if (last !== (ok ? 1 : 0)) c.prepare('INSERT OR IGNORE INTO location_controls (location_id, at, ok) VALUES (?, ?, ?)').run(location, this.now, ok ? 1 : 0);
  }

  setInterval(slug: string, seconds: number): void {
    const id = this.ids[slug]!;
    this.t.db.$client.transaction(() => recordSettings(this.t.db, id, { intervalS: seconds }, this.now))();
    this.intervalS.set(id, seconds);
  }

  setConfirm(slug: string, confirm: number): void {
    this.t.db.$client.transaction(() => recordSettings(this.t.db, this.ids[slug]!, { confirm }, this.now))();
  }

  /** Moves the monitor to another service and sets whether it counts, as the monitor's edit form does. */
  setService(slug: string, serviceSlug: string, countsForAvailability: boolean): void {
    const serviceId = this.t.db.$client.prepare('SELECT id FROM services WHERE slug = ?').pluck().get(serviceSlug) as number;
    this.t.db.$client.transaction(() => recordSettings(this.t.db, this.ids[slug]!, { serviceId, countsForAvailability }, this.now))();
  }

  pause(slug: string, paused: boolean): void {
    setMonitorPaused(this.t.db, admin, this.ids[slug]!, paused, this.now);
    if (paused) this.paused.add(this.ids[slug]!);
    else this.paused.delete(this.ids[slug]!);
  }

  /** A monitor added through the admin verb, checked from now on by the local probe. */
  addMonitor(slug: string, serviceSlug: string): void {
    const serviceId = this.t.db.$client.prepare('SELECT id FROM services WHERE slug = ?').pluck().get(serviceSlug) as number;
    const row = saveMonitor(this.t.db, admin, null, {
      slug, serviceId, type: 'http', target: 'http://127.0.0.1:9/', intervalS: 60, timeoutS: 10, confirm: 2, countsForAvailability: true, options: {},
    }, this.now);
    this.ids[slug] = row.id;
    this.intervalS.set(row.id, 60);
    this.feeds.push({ monitor: row.id, location: null, next: this.now + 41 * SEC, status: 'up', mode: 'on', spool: [] });
  }

  remove(slug: string): void {
    removeMonitor(this.t.db, admin, this.ids[slug]!, this.now);
    this.paused.add(this.ids[slug]!);
  }

  setLocations(slug: string, locations: string[], quorum: number): void {
    setMonitorLocations(this.t.db, admin, this.ids[slug]!, locations, quorum, this.now);
  }

  /** The first check of the monitor's latest local down run. */
  lastDownStart(slug: string): number {
    return this.t.db.$client.prepare('SELECT max(first_at) FROM check_runs WHERE monitor_id = ? AND status = 2').pluck().get(this.ids[slug]!) as number;
  }

  /**
   * Advances the clock and compares the page's data (the 90-day summary with everything else
   * the page shows) and the 1-day summary of the kept history with the cold one's. Returns the
   * kept 90-day summary for the caller's own assertions.
   */
  async step(label: string, advanceMs: number): Promise<StatusSummary> {
    this.advance(advanceMs);
    const keptCtx = { db: this.kept, config, now: this.now };
    const coldCtx = { db: this.cold, config, now: this.now };
    // The response-time hours are kept on their own and the current one may lag up to 60 s by design.
    const { latency: _k, ...keptPage } = statusPageData(keptCtx);
    const kept1 = statusSummary(keptCtx, 1);
    vi.resetModules();
    const freshPage = await import('../../src/lib/status/page-data');
    const { latency: _c, ...coldPage } = freshPage.statusPageData(coldCtx);
    vi.resetModules();
    const freshSummary = await import('../../src/lib/status/summary');
    const cold1 = freshSummary.statusSummary(coldCtx, 1);
    expect(freshSummary.statusSummary).not.toBe(statusSummary); // a copy of its own, memos and all
    const when = `${label} at ${new Date(this.now).toISOString()}`;
    expect(keptPage, `page data, ${when}: ${differences(keptPage, coldPage)}`).toEqual(coldPage);
    expect(kept1, `1-day summary, ${when}: ${differences(kept1, cold1)}`).toEqual(cold1);
    this.compared++;
    return keptPage.summary;
  }

  /** Several steps of `stepMs` over `totalMs`. */
  async steps(label: string, totalMs: number, stepMs: number): Promise<StatusSummary> {
    let last!: StatusSummary;
    for (let done = 0; done < totalMs; done += stepMs) last = await this.step(label, Math.min(stepMs, totalMs - done));
    return last;
  }
}

/** Where two values differ (the first few paths, kept value → cold value), for a readable failure. */
function differences(kept: unknown, cold: unknown, path = '', out: string[] = []): string {
  if (out.length >= 6) return out.join('; ');
  if (kept !== null && cold !== null && typeof kept === 'object' && typeof cold === 'object') {
    for (const k of new Set([...Object.keys(kept), ...Object.keys(cold)])) {
      differences((kept as Record<string, unknown>)[k], (cold as Record<string, unknown>)[k], `${path}.${k}`, out);
    }
  } else if (kept !== cold) out.push(`${path}: ${JSON.stringify(kept)} → ${JSON.stringify(cold)}`);
  return out.join('; ');
}

const service = (s: StatusSummary, slug: string) => s.services.find((x) => x.service.slug === slug)!;
const todayBar = (s: StatusSummary, slug: string) => service(s, slug).days.at(-1)!;

describe('the page from kept inputs equals the page computed from nothing, step by step', () => {
  it('through a day of outages, silent agents, spools, control checks, pauses, false positives, setting changes and late checks', async () => {
    // 14:00:07 in Tokyo: the middle of the day, off the minute.
    const sc = new Scenario(ms('2026-12-03T14:00:07+09:00'));
    try {
      // Yesterday: an outage of web, and osaka silent for a while (the days before today are kept).
      sc.advance(ms('2026-12-02T10:00:00+09:00') - sc.now);
      sc.set('web', 'local', { status: 'down' });
      sc.advance(10 * MIN);
      sc.set('web', 'local', { status: 'up' });
      sc.set('portal-multi', 'osaka', { mode: 'off' });
      sc.advance(15 * MIN);
      sc.set('portal-multi', 'osaka', { mode: 'on' });
      const yesterdayOutage = sc.lastDownStart('web');
      sc.advance(ms('2026-12-03T14:00:07+09:00') - sc.now);

      // 1. Steady: every check up, rebuilds at the renderer's cadence and between.
      let s = await sc.steps('steady', 5 * MIN, 20 * SEC);
      expect(service(s, 'portal').status).toBe('operational');
      expect(service(s, 'portal').days.at(-2)!.downtimeMs).toBeGreaterThan(0); // yesterday's outage
      expect(todayBar(s, 'portal').downtimeMs).toBe(0);

      // mail-multi's first outage of the day: osaka and tokyo fail twice each (the quorum of 2).
      sc.set('mail-multi', 'osaka', { status: 'down' });
      sc.set('mail-multi', 'tokyo', { status: 'down' });
      s = await sc.steps('mail-multi quorum down twice', 2 * MIN, 30 * SEC);
      sc.set('mail-multi', 'osaka', { status: 'up' });
      sc.set('mail-multi', 'tokyo', { status: 'up' });
      s = await sc.steps('mail-multi up', 60 * SEC, 20 * SEC);
      expect(todayBar(s, 'mail').downtimeMs).toBeGreaterThan(0);
      const osakaFirstDown = sc.t.db.$client.prepare('SELECT max(first_at) FROM location_check_runs WHERE location_id = ? AND monitor_id = ? AND status = 2')
        .pluck().get(sc.osaka, sc.ids['mail-multi']!) as number;

      // 2. A local-only monitor goes down: first failure (unconfirmed), second (confirmed), stays down, recovers.
      sc.set('web', 'local', { status: 'down' });
      s = await sc.steps('web first down', 45 * SEC, 15 * SEC);
      s = await sc.steps('web confirmed down', 60 * SEC, 15 * SEC);
      expect(service(s, 'portal').status).toBe('major_outage');
      expect(todayBar(s, 'portal').downtimeMs).toBeGreaterThan(0);
      s = await sc.steps('web stays down', 3 * MIN, 30 * SEC);
      sc.set('web', 'local', { status: 'up' });
      s = await sc.steps('web recovered', 2 * MIN, 20 * SEC);
      expect(service(s, 'portal').status).toBe('operational');
      const webOutage = sc.lastDownStart('web');
      // smtp's first outage of the day: two failed checks, just confirmed.
      sc.set('smtp', 'local', { status: 'down' });
      s = await sc.steps('smtp down twice', 2 * MIN, 30 * SEC);
      sc.set('smtp', 'local', { status: 'up' });
      s = await sc.steps('smtp up', 60 * SEC, 20 * SEC);
      const smtpOutage = sc.lastDownStart('smtp');
      expect(todayBar(s, 'mail').outages.map((o) => o.start)).toContain(smtpOutage);

      // 3. A located monitor: one agent down (no quorum), then two locations (quorum: down), recovery.
      sc.set('portal-multi', 'osaka', { status: 'down' });
      s = await sc.steps('osaka alone down', 3 * MIN, 20 * SEC);
      expect(service(s, 'portal').status).toBe('operational');
      const before = todayBar(s, 'portal').downtimeMs;
      sc.set('portal-multi', 'tokyo', { status: 'down' });
      s = await sc.steps('osaka and tokyo down', 3 * MIN, 15 * SEC);
      expect(service(s, 'portal').status).toBe('major_outage');
      expect(todayBar(s, 'portal').downtimeMs).toBeGreaterThan(before);
      sc.set('portal-multi', 'osaka', { status: 'up' });
      sc.set('portal-multi', 'tokyo', { status: 'up' });
      s = await sc.steps('located recovered', 2 * MIN, 20 * SEC);
      expect(service(s, 'portal').status).toBe('operational');

      // 4. tokyo silent for both located monitors past twice the interval, then back after a gap.
      sc.set('portal-multi', 'tokyo', { mode: 'off' });
      sc.set('mail-multi', 'tokyo', { mode: 'off' });
      await sc.steps('tokyo silent', 4 * MIN, 10 * SEC);
      sc.set('portal-multi', 'tokyo', { mode: 'on' });
      sc.set('mail-multi', 'tokyo', { mode: 'on' });
      await sc.steps('tokyo back after a gap', 2 * MIN, 10 * SEC);
      // osaka keeps checking but cannot send: silent to the site, then its spool arrives and extends its run.
      sc.set('portal-multi', 'osaka', { mode: 'spool' });
      sc.set('mail-multi', 'osaka', { mode: 'spool' });
      await sc.steps('osaka spooling', 4 * MIN, 10 * SEC);
      sc.flush('portal-multi', 'osaka');
      sc.flush('mail-multi', 'osaka');
      await sc.steps('osaka spool sent', 2 * MIN, 10 * SEC);
      // A spool with a down stretch in it, sent while tokyo is down: the quorum's outage appears in the past.
      sc.set('mail-multi', 'osaka', { mode: 'spool', status: 'down' });
      sc.set('mail-multi', 'tokyo', { status: 'down' });
      s = await sc.steps('osaka spooling downs, tokyo down', 3 * MIN, 20 * SEC);
      const mailBefore = todayBar(s, 'mail').downtimeMs;
      sc.flush('mail-multi', 'osaka');
      s = await sc.step('osaka downs sent', 5 * SEC);
      expect(todayBar(s, 'mail').downtimeMs).toBeGreaterThan(mailBefore);
      sc.set('mail-multi', 'osaka', { status: 'up' });
      sc.set('mail-multi', 'tokyo', { status: 'up' });
      await sc.steps('mail-multi recovered', 2 * MIN, 20 * SEC);
      // Only tokyo votes for mail-multi (the local probe silent, osaka spooling) and it sees an
      // outage: the quorum falls to the one voting, the monitor is down. Then osaka's spool
      // arrives, a plain extension of its up run that the database does not list: osaka
      // voted up all along, so the quorum of 2 was never reached and the outage goes away.
      sc.set('mail-multi', 'local', { mode: 'off' });
      sc.set('mail-multi', 'osaka', { mode: 'spool' });
      sc.set('mail-multi', 'tokyo', { status: 'down' });
      s = await sc.steps('tokyo alone votes, down', 4 * MIN, 10 * SEC);
      expect(service(s, 'mail').status).toBe('major_outage');
      const withTokyoAlone = todayBar(s, 'mail').downtimeMs;
      sc.flush('mail-multi', 'osaka');
      s = await sc.step('osaka spool of ups sent', 5 * SEC);
      expect(service(s, 'mail').status).toBe('operational');
      expect(todayBar(s, 'mail').downtimeMs).toBeLessThan(withTokyoAlone);
      await sc.steps('osaka back, tokyo still down', 60 * SEC, 10 * SEC);
      sc.set('mail-multi', 'local', { mode: 'on' });
      sc.set('mail-multi', 'tokyo', { status: 'up' });
      await sc.steps('mail-multi all up', 2 * MIN, 20 * SEC);
      // The local probe silent for smtp: unmonitored time.
      sc.set('smtp', 'local', { mode: 'off' });
      await sc.steps('smtp unchecked', 3 * MIN, 15 * SEC);
      sc.set('smtp', 'local', { mode: 'on' });
      await sc.steps('smtp checked again', 2 * MIN, 20 * SEC);

      // 5. A failed control check at osaka while it reports mail-multi down, then a good one.
      sc.control(sc.osaka, false);
      sc.set('mail-multi', 'osaka', { status: 'down' });
      sc.set('mail-multi', 'tokyo', { status: 'down' });
      await sc.steps('osaka control failed', 3 * MIN, 20 * SEC);
      sc.control(sc.osaka, true);
      await sc.steps('osaka control good', 2 * MIN, 20 * SEC);
      sc.set('mail-multi', 'osaka', { status: 'up' });
      sc.set('mail-multi', 'tokyo', { status: 'up' });
      await sc.steps('mail-multi up', 2 * MIN, 20 * SEC);

      // 6. A pause and a resume; false positives (today's outage and yesterday's); setting changes.
      sc.pause('api', true);
      await sc.steps('api paused', 3 * MIN, 30 * SEC);
      sc.pause('api', false);
      await sc.steps('api resumed', 2 * MIN, 20 * SEC);
      markFalsePositive(sc.t.db, admin, sc.ids.web!, webOutage, 'the target was being redeployed', sc.now);
      await sc.steps('false positive today', 30 * SEC, 10 * SEC);
      markFalsePositive(sc.t.db, admin, sc.ids.web!, yesterdayOutage, 'a test of the firewall', sc.now);
      s = await sc.steps('false positive yesterday', 30 * SEC, 10 * SEC);
      expect(service(s, 'portal').days.at(-2)!.downtimeMs).toBe(0);
      sc.setConfirm('web', 3);
      sc.set('web', 'local', { status: 'down' });
      s = await sc.steps('web down under confirm 3', 2 * MIN + 30 * SEC, 15 * SEC);
      s = await sc.steps('web confirmed under confirm 3', 60 * SEC, 15 * SEC);
      expect(service(s, 'portal').status).toBe('major_outage');
      const confirm3Outage = sc.lastDownStart('web');
      sc.set('web', 'local', { status: 'up' });
      await sc.steps('web up again', 2 * MIN, 20 * SEC);
      sc.setInterval('api', 120);
      await sc.steps('api every 2 minutes', 6 * MIN, 20 * SEC);
      sc.set('docs', 'local', { status: 'down' });
      s = await sc.steps('docs (not counting) down', 3 * MIN, 20 * SEC);
      expect(service(s, 'portal').status).toBe('partial_outage');
      sc.set('docs', 'local', { status: 'up' });
      await sc.steps('docs up', 2 * MIN, 30 * SEC);
      // Locations changed: tokyo taken off portal-multi (it stops checking it), then given back.
      sc.setLocations('portal-multi', ['local', 'osaka'], 2);
      sc.set('portal-multi', 'tokyo', { mode: 'off' });
      await sc.steps('portal-multi from local and osaka', 3 * MIN, 20 * SEC);
      sc.set('portal-multi', 'osaka', { status: 'down' });
      s = await sc.steps('osaka down, local up: no quorum of 2', 2 * MIN, 20 * SEC);
      expect(service(s, 'portal').status).toBe('operational');
      sc.set('portal-multi', 'osaka', { status: 'up' });
      sc.setLocations('portal-multi', ['local', 'osaka', 'tokyo'], 2);
      sc.set('portal-multi', 'tokyo', { mode: 'on' });
      await sc.steps('portal-multi from three places again', 3 * MIN, 20 * SEC);
      // docs starts counting, then moves to the mail service, then back as it was.
      sc.setService('docs', 'portal', true);
      sc.set('docs', 'local', { status: 'down' });
      s = await sc.steps('docs counting and down', 3 * MIN, 20 * SEC);
      expect(service(s, 'portal').status).toBe('major_outage');
      sc.setService('docs', 'mail', true);
      s = await sc.steps('docs moved to mail, still down', 2 * MIN, 20 * SEC);
      expect(service(s, 'mail').status).toBe('major_outage');
      sc.set('docs', 'local', { status: 'up' });
      await sc.steps('docs up in mail', 2 * MIN, 20 * SEC);
      sc.setService('docs', 'portal', false);
      await sc.steps('docs back, not counting', 2 * MIN, 20 * SEC);
      // tokyo silent for portal-multi while osaka is down: rebuilds just before, at and just after
      // the instant its allowance runs out (twice the interval after its last check). The local
      // probe checks on time and sees it up: osaka alone never makes the quorum of 2.
      sc.set('portal-multi', 'osaka', { status: 'down' });
      await sc.steps('osaka down for portal-multi', 2 * MIN, 30 * SEC);
      const tokyoFeed = sc.feed('portal-multi', 'tokyo');
      tokyoFeed.mode = 'off';
      const deadline = tokyoFeed.next - 60 * SEC + 2 * 60 * SEC;
      await sc.step('tokyo silent, before its deadline', deadline - 1 - sc.now);
      await sc.step('tokyo silent, at its deadline', 1);
      await sc.step('tokyo silent, just past its deadline', 1);
      s = await sc.steps('tokyo silent, past its deadline', 2 * MIN, 7 * SEC);
      expect(service(s, 'portal').status).toBe('operational');
      tokyoFeed.mode = 'on';
      sc.set('portal-multi', 'osaka', { status: 'up' });
      await sc.steps('tokyo back, osaka up', 2 * MIN, 20 * SEC);
      // A monitor added during the day, down for a while, then removed.
      sc.addMonitor('status-api', 'mail');
      await sc.steps('status-api added', 3 * MIN, 20 * SEC);
      sc.set('status-api', 'local', { status: 'down' });
      s = await sc.steps('status-api down', 3 * MIN, 20 * SEC);
      expect(service(s, 'mail').status).toBe('major_outage');
      sc.set('status-api', 'local', { status: 'up' });
      await sc.steps('status-api up', 60 * SEC, 20 * SEC);
      sc.remove('status-api');
      await sc.steps('status-api removed', 3 * MIN, 20 * SEC);

      // 7. Late checks older than the newest: the runs are rewritten.
      const lastWeb = sc.feed('web', 'local').next - 60 * SEC;
      new CheckStore(sc.t.db).record([{ monitorId: sc.ids.web!, at: lastWeb - 30 * SEC, status: 'down', latencyMs: null, error: 'timeout' }]);
      await sc.steps('late local down check', 30 * SEC, 10 * SEC);
      const lastTokyo = sc.feed('portal-multi', 'tokyo').next - 60 * SEC;
      sc.agentSends(sc.tokyo, [{ monitorId: sc.ids['portal-multi']!, at: lastTokyo - 20 * SEC, status: 'down', latencyMs: null, error: 'timeout' }]);
      await sc.steps('late agent down check', 30 * SEC, 10 * SEC);
      sc.agentSends(sc.osaka, [{ monitorId: sc.ids['portal-multi']!, at: lastTokyo - 25 * SEC, status: 'down', latencyMs: null, error: 'timeout' }]);
      await sc.steps('late agent down check at a second location', 2 * MIN, 10 * SEC);
      // A late up check between smtp's two failed checks: neither run reaches confirm 2, the outage was never one.
      const mailBefore2 = todayBar(s, 'mail').downtimeMs;
      new CheckStore(sc.t.db).record([{ monitorId: sc.ids.smtp!, at: smtpOutage + 30 * SEC, status: 'up', latencyMs: 90, error: null }]);
      s = await sc.step('late up check splitting smtp\'s outage', 10 * SEC);
      expect(todayBar(s, 'mail').outages.map((o) => o.start)).not.toContain(smtpOutage);
      expect(todayBar(s, 'mail').downtimeMs).toBeLessThan(mailBefore2);
      // A late up check from osaka between its two failed checks of mail-multi's first outage:
      // osaka never confirmed it, so the quorum of 2 was never reached.
      const mailBefore3 = todayBar(s, 'mail').downtimeMs;
      sc.agentSends(sc.osaka, [{ monitorId: sc.ids['mail-multi']!, at: osakaFirstDown + 30 * SEC, status: 'up', latencyMs: 90, error: null }]);
      s = await sc.step('late agent up check splitting mail-multi\'s first outage', 10 * SEC);
      expect(todayBar(s, 'mail').downtimeMs).toBeLessThan(mailBefore3);
      // A failed control check lists every monitor (all loaded again, today's web outage
      // included); then a late up check in the middle of that outage splits its down run into
      // two shorter than confirm 3: the outage was never one.
      sc.control(sc.tokyo, false);
      await sc.step('tokyo control failed', 20 * SEC);
      sc.control(sc.tokyo, true);
      s = await sc.step('tokyo control good', 20 * SEC);
      const portalBefore = todayBar(s, 'portal').downtimeMs;
      new CheckStore(sc.t.db).record([{ monitorId: sc.ids.web!, at: confirm3Outage + 2 * MIN - 5 * SEC, status: 'up', latencyMs: 90, error: null }]);
      s = await sc.step('late up check inside an outage', 10 * SEC);
      expect(todayBar(s, 'portal').downtimeMs).toBeLessThan(portalBefore);
      await sc.steps('after the late up check', 60 * SEC, 20 * SEC);
      expect(sc.compared).toBeGreaterThan(150);
    } finally {
      sc.close();
    }
  }, 600_000);

  it('across midnight in Tokyo with an outage going on, a spool sent after midnight and a silent agent', async () => {
    const sc = new Scenario(ms('2026-12-03T23:50:00+09:00'));
    try {
      sc.advance(ms('2026-12-03T23:50:00+09:00') - sc.now);
      await sc.steps('evening', 2 * MIN, 20 * SEC);
      sc.set('web', 'local', { status: 'down' });
      sc.set('mail-multi', 'osaka', { status: 'down' });
      sc.set('mail-multi', 'tokyo', { status: 'down' });
      sc.set('portal-multi', 'osaka', { mode: 'spool' });
      sc.set('portal-multi', 'tokyo', { mode: 'off' });
      let s = await sc.steps('outage before midnight', 5 * MIN, 20 * SEC);
      expect(service(s, 'portal').status).toBe('major_outage');
      expect(service(s, 'mail').status).toBe('major_outage');
      const midnight = ms('2026-12-04T00:00:00+09:00');
      // Rebuilds on both sides of midnight, one at midnight itself.
      await sc.steps('to midnight', midnight - 1 * SEC - sc.now, 20 * SEC);
      s = await sc.step('at midnight', 1 * SEC);
      expect(todayBar(s, 'portal').day.start).toBe(midnight);
      expect(todayBar(s, 'portal').day).toEqual(lastDays(1, midnight, config.zone)[0]);
      s = await sc.steps('after midnight, still down', 3 * MIN, 15 * SEC);
      expect(service(s, 'portal').status).toBe('major_outage');
      expect(todayBar(s, 'portal').downtimeMs).toBeGreaterThan(0);
      expect(todayBar(s, 'portal').outages[0]!.start).toBe(midnight);
      expect(service(s, 'portal').days.at(-2)!.downtimeMs).toBeGreaterThan(0);
      expect(todayBar(s, 'mail').downtimeMs).toBeGreaterThan(0);
      // osaka's spool, begun before midnight, arrives after it: a change touching yesterday.
      sc.flush('portal-multi', 'osaka');
      await sc.steps('spool across midnight sent', 60 * SEC, 10 * SEC);
      sc.set('portal-multi', 'tokyo', { mode: 'on' });
      sc.set('web', 'local', { status: 'up' });
      sc.set('mail-multi', 'osaka', { status: 'up' });
      sc.set('mail-multi', 'tokyo', { status: 'up' });
      s = await sc.steps('recovered', 3 * MIN, 20 * SEC);
      expect(service(s, 'portal').status).toBe('operational');
      expect(service(s, 'mail').status).toBe('operational');
      // A late check of yesterday, sent after midnight.
      new CheckStore(sc.t.db).record([{ monitorId: sc.ids.smtp!, at: midnight - 30 * SEC, status: 'down', latencyMs: null, error: 'timeout' }]);
      await sc.steps('late check of yesterday', 60 * SEC, 20 * SEC);
    } finally {
      sc.close();
    }
  }, 600_000);
});
