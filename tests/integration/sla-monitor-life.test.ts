import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { exportInterchange } from '../../src/lib/interchange/export';
import { parseConfig } from '../../src/lib/config';
import { monthFigures } from '../../src/lib/sla/month';
import { slaJson } from '../../src/lib/sla/contract';
import { statusSummary, clearSummaryMemo } from '../../src/lib/status/summary';
import { issueReport, getReportFiles } from '../../src/lib/report/issue';
import { saveMonitor, setMonitorPaused, removeMonitor } from '../../src/lib/monitors/verbs';
import { rebuildDerived } from '../../src/lib/checks/store';
import { listAudit } from '../../src/lib/audit';
import { parseInstant } from '../../src/lib/time';
import { octoberScenario, OCTOBER_NOW } from './sla-fixture';

const config = parseConfig({});
const admin = { id: 1, email: 'admin@example.jp' };
const H = 3_600_000;
const ms = (s: string) => parseInstant(s)!;

/** Hourly up checks of a monitor over [from, to). */
function upChecks(db: ReturnType<typeof tempDb>['db'], monitorId: number, from: number, to: number): void {
  const ins = db.$client.prepare('INSERT INTO checks (monitor_id, at, status, latency_ms) VALUES (?, ?, 0, 120)');
  for (let t = from; t < to; t += H) ins.run(monitorId, t);
  rebuildDerived(db, monitorId);
}

describe('a monitor added in November leaves October as it was', () => {
  const t = tempDb();
  const ctx = { db: t.db, config, now: OCTOBER_NOW };
  const added = ms('2026-11-02T10:00:00+09:00');
  let october: ReturnType<typeof slaJson>;
  let reportSha: string;
  let barsBefore: { noData: number; octoberNoData: number; pct: string[]; uptime90: string };
  const bars = () => {
    clearSummaryMemo();
    const web = statusSummary(ctx, 90).services.find((s) => s.service.slug === 'web')!;
    const october = { start: ms('2026-10-01T00:00:00+09:00'), end: ms('2026-11-01T00:00:00+09:00') };
    return {
      noData: web.days.filter((d) => d.noData).length,
      octoberNoData: web.days.filter((d) => d.noData && d.day.start >= october.start && d.day.start < october.end).length,
      pct: web.days.map((d) => d.pct), uptime90: web.uptime90.pct,
    };
  };

  beforeAll(async () => {
    importInterchange(t.db, validateInterchange(octoberScenario()));
    reportSha = (await issueReport(t.db, config, '2026-10', { now: OCTOBER_NOW - 3 * 86_400_000 })).sha256;
    october = slaJson(monthFigures(ctx, '2026-10'));
    barsBefore = bars();
    // The admin adds a second monitor to the website on 2 November; the probe checks it hourly from then.
    const m = saveMonitor(t.db, admin, null, {
      slug: 'web-https', serviceId: 1, type: 'http', target: 'http://127.0.0.1:9/new', intervalS: 3600, timeoutS: 10, confirm: 2, countsForAvailability: true, options: {},
    }, added);
    upChecks(t.db, m.id, added, OCTOBER_NOW);
  });
  afterAll(() => t.close());

  it('records when the monitor was added', () => {
    const row = t.db.$client.prepare("SELECT added_at AS addedAt, removed_at AS removedAt FROM monitors WHERE slug = 'web-https'").get();
    expect(row).toEqual({ addedAt: added, removedAt: null });
  });

  it("October's figures are unchanged: no unmonitored hour, the same availability and the same coverage row", () => {
    const after = slaJson(monthFigures(ctx, '2026-10'));
    expect(after).toEqual(october);
    const web = after.services.find((s) => s.slug === 'web')!;
    expect(web.unmonitored_s).toBe(0);
    // 機械監視 stays what it was: only el-http's own 5 h gap, never 0.000 %.
    expect(after.rows.find((r) => r.key === 'monitoring')!.measured).toBe(october.rows.find((r) => r.key === 'monitoring')!.measured);
    expect(after.rows.find((r) => r.key === 'monitoring')!.measured).toMatch(/^99\.\d{3} %$/);
  });

  it("October's issued report is unchanged", () => {
    expect(getReportFiles(t.db, '2026-10', 1).sha256).toBe(reportSha);
  });

  it('the public day bars and uptimes beside them are unchanged', () => {
    const after = bars();
    expect(after.noData).toBe(barsBefore.noData);
    expect(after.octoberNoData).toBe(0);
    expect(after.pct).toEqual(barsBefore.pct);
    expect(after.uptime90).toBe(barsBefore.uptime90);
  });

  it('in November, the new monitor watches from the moment it was added: the hours before it are not unmonitored', () => {
    const nov = slaJson(monthFigures(ctx, '2026-11')).services.find((s) => s.slug === 'web')!;
    expect(nov.unmonitored_s).toBe(0);
  });

  it('a pause is unmonitored time, labelled as paused; removal keeps the history and October still holds', () => {
    const m = t.db.$client.prepare("SELECT id FROM monitors WHERE slug = 'web-https'").get() as { id: number };
    const pauseAt = OCTOBER_NOW - 30 * H;
    setMonitorPaused(t.db, admin, m.id, true, pauseAt);
    t.db.$client.prepare('DELETE FROM checks WHERE monitor_id = ? AND at >= ? AND at < ?').run(m.id, pauseAt, pauseAt + 3 * H);
    rebuildDerived(t.db, m.id);
    setMonitorPaused(t.db, admin, m.id, false, pauseAt + 3 * H);
    const nov = monthFigures(ctx, '2026-11').services.find((s) => s.service.slug === 'web')!.month;
    expect(nov.pausedMs).toBe(3 * H);
    expect(nov.unmonitoredMs).toBeGreaterThanOrEqual(3 * H);

    // The probe stops at removal: its last check is an hour before.
    const removedAt = OCTOBER_NOW - 5 * H;
    t.db.$client.prepare('DELETE FROM checks WHERE monitor_id = ? AND at >= ?').run(m.id, removedAt - H + 1);
    rebuildDerived(t.db, m.id);
    removeMonitor(t.db, admin, m.id, removedAt);
    expect(listAudit(t.db).map((e) => e.action).slice(0, 3)).toEqual(['monitor.remove', 'monitor.resume', 'monitor.pause']);
    expect((t.db.$client.prepare('SELECT count(*) AS n FROM checks WHERE monitor_id = ?').get(m.id) as { n: number }).n).toBeGreaterThan(50);
    expect(slaJson(monthFigures(ctx, '2026-10'))).toEqual(october);
    // After its removal, the monitor's silence is not unmonitored time (the old monitor still watches).
    const later = monthFigures(ctx, '2026-11').services.find((s) => s.service.slug === 'web')!.month;
    expect(later.unmonitoredMs).toBe(nov.unmonitoredMs);
  });

  it('the report shows the paused part of the unmonitored time', async () => {
    const r = await issueReport(t.db, config, '2026-11', { now: OCTOBER_NOW, provisional: true });
    const file = join(t.dir, 'nov.pdf');
    writeFileSync(file, r.pdf);
    const text = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).stdout;
    // The cell wraps in its narrow column: read it without line breaks.
    expect(text.replace(/\s+/g, '')).toContain('（うち一時停止3時間）');
  });

  it('the interchange file carries the life (added, pauses, removed) and reads back the same', () => {
    let text = '';
    exportInterchange(t.db, (c) => (text += c));
    const file = JSON.parse(text);
    const web = file.monitors.find((m: { slug: string }) => m.slug === 'web-https');
    expect(web).toMatchObject({
      added_at: new Date(added).toISOString(), removed_at: new Date(OCTOBER_NOW - 5 * H).toISOString(),
      pauses: [{ start: new Date(OCTOBER_NOW - 30 * H).toISOString(), end: new Date(OCTOBER_NOW - 27 * H).toISOString() }],
    });
    expect(file.monitors.find((m: { slug: string }) => m.slug === 'web-http')).not.toHaveProperty('added_at');
    const copy = tempDb();
    try {
      importInterchange(copy.db, validateInterchange(file));
      let again = '';
      exportInterchange(copy.db, (c) => (again += c));
      expect(again).toBe(text);
      // Reports are not part of the file: every other figure of October reads back the same.
      const withoutReport = (j: typeof october) => ({ ...j, rows: j.rows.filter((r) => r.key !== 'monthly_report') });
      expect(withoutReport(slaJson(monthFigures({ ...ctx, db: copy.db }, '2026-10')))).toEqual(withoutReport(october));
    } finally {
      copy.close();
    }
  });

  it('the interchange file refuses a life that ends before it begins', () => {
    const bad = octoberScenario();
    bad.monitors![0] = { ...bad.monitors![0]!, added_at: '2026-10-02T00:00:00+09:00', removed_at: '2026-10-01T00:00:00+09:00' };
    let issues: Array<{ path: string; message: string }> = [];
    try {
      validateInterchange(bad);
    } catch (err) {
      issues = (err as { issues: typeof issues }).issues;
    }
    expect(issues).toEqual([expect.objectContaining({ path: '$.monitors[0].removed_at' })]);
  });
});
