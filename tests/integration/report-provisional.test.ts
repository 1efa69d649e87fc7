import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDb } from '../helpers/temp';
import { runScript } from '../helpers/site';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { parseConfig } from '../../src/lib/config';
import { monthFigures } from '../../src/lib/sla/month';
import { slaJson, type SlaJson } from '../../src/lib/sla/contract';
import { issueReport, reportsOfMonth } from '../../src/lib/report/issue';
import { monthOf, monthPeriod, parseInstant, previousMonth } from '../../src/lib/time';
import { octoberScenario } from './sla-fixture';

const config = parseConfig({});
const ms = (s: string) => parseInstant(s)!;
const H = 3_600_000;
const pdfPages = (pdf: Buffer, dir: string): string[] => {
  const file = join(dir, `r-${Date.now()}.pdf`);
  writeFileSync(file, pdf);
  const p = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  expect(p.status).toBe(0);
  return p.stdout.split('\f').filter((page) => page.trim() !== '');
};

describe('a report of a month still running is provisional (速報)', () => {
  const t = tempDb();
  // 20 October 12:00 JST: October is running; a stop has begun at 10:00 with no actual times recorded yet.
  const now = ms('2026-10-20T12:00:00+09:00');
  const ctx = { db: t.db, config, now };
  beforeAll(() => {
    const file = octoberScenario();
    file.maintenances!.push({
      key: 'running', category: 'inspection', title: { ja: '進行中の点検' }, services: ['elearning'], announced_at: '2026-10-01T10:00:00+09:00',
      scheduled_start: '2026-10-20T10:00:00+09:00', scheduled_end: '2026-10-20T18:00:00+09:00', status: 'in_progress',
    });
    importInterchange(t.db, validateInterchange(file));
  });
  afterAll(() => t.close());

  it('counts nothing after now: the elapsed time only, and a stop in progress only up to now', () => {
    const f = monthFigures(ctx, '2026-10');
    const json = slaJson(f);
    expect(json.provisional).toBe(true);
    expect(json.cut_off).toBe(new Date(now).toISOString());
    const el = json.services.find((s) => s.slug === 'elearning')!;
    expect(el.period_s).toBe((now - ms('2026-10-01T00:00:00+09:00')) / 1000);
    // The stop running since 10:00 is excluded for 2 h, not for its whole 8 h window.
    const before = monthFigures({ ...ctx, now: ms('2026-10-20T10:00:00+09:00') }, '2026-10').services.find((s) => s.service.slug === 'elearning')!.month;
    expect(el.planned_excluded_s - before.plannedExcludedMs / 1000).toBe(2 * 3600);
    expect(f.stops.find((s) => s.key === 'running')!.excludedMs).toBe(2 * H);
    // The web outage of 20 October 20:05 and the open incident of the 31st have not happened yet.
    const web = json.services.find((s) => s.slug === 'web')!;
    expect(web.outages.every((o) => Date.parse(o.end) <= now)).toBe(true);
    expect(web.downtime_s).toBe(1200);
  });

  it('refuses a final report before the month ends, with a message that says so', async () => {
    await expect(issueReport(t.db, config, '2026-10', { now })).rejects.toThrow(/still running.*--provisional/);
    expect(reportsOfMonth(t.db, '2026-10')).toEqual([]);
  });

  it('marks the cut-off on the cover and on every page', async () => {
    const r = await issueReport(t.db, config, '2026-10', { now, provisional: true });
    expect(r).toMatchObject({ version: 1, provisional: true, cutOff: now });
    const pages = pdfPages(r.pdf, t.dir);
    expect(pages.length).toBeGreaterThan(5);
    expect(pages[0]).toContain('速報 2026-10-20 12:00 時点');
    expect(pages[0]).toContain('第1版（速報）');
    expect(pages[0]).toContain('集計締切');
    pages.forEach((page) => expect(page).toContain('速報 2026-10-20 12:00 時点'));
  });

  it('after the month ends: the final report, never marked provisional, and no provisional one any more', async () => {
    const after = ms('2026-11-02T09:00:00+09:00');
    await expect(issueReport(t.db, config, '2026-10', { now: after, provisional: true })).rejects.toThrow(/has ended/);
    const r = await issueReport(t.db, config, '2026-10', { now: after });
    expect(r).toMatchObject({ version: 2, provisional: false, cutOff: null });
    const pages = pdfPages(r.pdf, t.dir);
    expect(pages[0]).toContain('第2版（確定）');
    // Its first page names the 速報 it replaces; no page is marked provisional itself.
    expect(pages[0]).toContain('前版（第1版・速報 2026-10-20 12:00 時点）からの変更');
    expect(pages[0]).not.toContain('集計締切');
    expect(pages.slice(1).join('\n')).not.toContain('速報');
    expect(slaJson(monthFigures({ ...ctx, now: after }, '2026-10'))).toMatchObject({ provisional: false });
    expect(slaJson(monthFigures({ ...ctx, now: after }, '2026-10'))).not.toHaveProperty('cut_off');
  });
});

describe('the commands on the month running now', () => {
  const t = tempDb();
  const now = Date.now();
  const month = monthOf(now, 'Asia/Tokyo');
  const env = { DATABASE_PATH: t.path, LOG_LEVEL: 'warn' };
  beforeAll(() => {
    const start = monthPeriod(previousMonth(month)).start;
    const checks = [];
    for (let at = start; at < now - H; at += H) checks.push({ monitor: 'web-http', at: new Date(at).toISOString(), status: 'up' as const, latency_ms: 100 });
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'web', name: { ja: '広報啓発WEBサイト' }, sla_target_pct: 99.9 }],
      monitors: [{ slug: 'web-http', service: 'web', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 3600, confirm: 2, counts_for_availability: true }],
      checks,
    }));
  });
  afterAll(() => t.close());

  it('npm run report refuses the running month without --provisional, and issues a 速報 with it', async () => {
    const refused = await runScript('scripts/report.ts', ['--month', month], env);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(`month ${month} is still running`);
    expect(refused.stderr).toContain('--provisional');
    const ok = await runScript('scripts/report.ts', ['--month', month, '--provisional', '--out', join(t.dir, 'p.pdf')], env);
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/provisional \(速報\), cut-off \d{4}-\d\d-\d\dT/);
    expect(reportsOfMonth(t.db, month)).toEqual([expect.objectContaining({ version: 1, provisional: true })]);
  });

  it('npm run sla --json carries "provisional" and "cut_off" for the running month only', async () => {
    const running = await runScript('scripts/sla.ts', ['--month', month, '--json'], env);
    expect(running.status).toBe(0);
    const r = JSON.parse(running.stdout) as SlaJson;
    expect(r.provisional).toBe(true);
    expect(Date.parse(r.cut_off!)).toBeGreaterThanOrEqual(now);
    expect(r.services[0]!.period_s).toBeLessThanOrEqual(Math.ceil((Date.parse(r.cut_off!) - Date.parse(r.period.start)) / 1000));
    const closed = JSON.parse((await runScript('scripts/sla.ts', ['--month', previousMonth(month), '--json'], env)).stdout) as SlaJson;
    expect(closed.provisional).toBe(false);
    expect(closed).not.toHaveProperty('cut_off');
    const text = await runScript('scripts/sla.ts', ['--month', month], env);
    expect(text.stdout).toContain('速報 (provisional)');
  });
});
