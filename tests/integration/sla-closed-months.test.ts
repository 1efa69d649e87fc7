import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { parseConfig } from '../../src/lib/config';
import { monthFigures } from '../../src/lib/sla/month';
import { slaJson } from '../../src/lib/sla/contract';
import { closeEndedMonths } from '../../src/lib/sla/closing';
import { saveService } from '../../src/lib/monitors/verbs';
import { markFalsePositive } from '../../src/lib/incidents/verbs';
import { issueReport } from '../../src/lib/report/issue';
import { listAudit } from '../../src/lib/audit';
import { parseInstant } from '../../src/lib/time';
import { octoberScenario } from './sla-fixture';

const ms = (s: string) => parseInstant(s)!;
const admin = { id: 1, email: 'admin@example.jp' };
const D = 86_400_000;
/** The month's figures (an incident still open keeps running past the month: its own duration is not one of them). */
const figuresOf = (j: ReturnType<typeof slaJson>) => ({ period: j.period, services: j.services, rows: j.rows, counts: j.counts });

function firstPage(pdf: Buffer, dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, pdf);
  const p = spawnSync('pdftotext', ['-enc', 'UTF-8', '-f', '1', '-l', '1', '-layout', file, '-'], { encoding: 'utf8' });
  expect(p.status).toBe(0);
  return p.stdout;
}

describe('a closed month keeps the settings it closed with', () => {
  const t = tempDb();
  const config = parseConfig({});
  // 3 November: October has ended; the site closes it (start, or the job at 00:00 on the 1st).
  const closedAt = ms('2026-11-01T00:00:00+09:00');
  let october: ReturnType<typeof slaJson>;
  beforeAll(() => {
    importInterchange(t.db, validateInterchange(octoberScenario()));
    expect(closeEndedMonths(t.db, config, closedAt)).toEqual(['2026-09', '2026-10']);
    october = slaJson(monthFigures({ db: t.db, config, now: ms('2026-11-03T00:00:00+09:00') }, '2026-10'));
  });
  afterAll(() => t.close());

  it('a target raised in November leaves October alone, and November uses it', () => {
    const now = ms('2026-11-10T10:00:00+09:00');
    saveService(t.db, admin, 2, { slug: 'elearning', nameJa: 'eラーニングシステム', nameEn: 'E-learning system', slaTargetPct: 99.99995, sortOrder: 1 }, now, config);
    const after = slaJson(monthFigures({ db: t.db, config, now }, '2026-10'));
    expect(figuresOf(after)).toEqual(figuresOf(october));
    expect(after.services.find((s) => s.slug === 'elearning')!.target_pct).toBe(99.9);
    expect(slaJson(monthFigures({ db: t.db, config, now }, '2026-11')).services.find((s) => s.slug === 'elearning')!.target_pct).toBe(99.99995);
  });

  it('new SLA rules, timer limits, notice days and window in the settings leave October alone', () => {
    const now = ms('2026-11-10T11:00:00+09:00');
    const stricter = parseConfig({ sla: { notice_days: 30, window_from_hour: 22, window_until_hour: 6, timers: { client_notify_h: 1, recovery_h: 1 }, rows: [] } });
    const after = slaJson(monthFigures({ db: t.db, config: stricter, now }, '2026-10'));
    expect(figuresOf(after)).toEqual(figuresOf(october));
    // The same settings do apply to a month still open.
    expect(slaJson(monthFigures({ db: t.db, config: stricter, now }, '2026-11')).rows).toEqual([]);
  });

  it('a service added later is not part of October', () => {
    saveService(t.db, admin, null, { slug: 'portal', nameJa: 'ポータル', nameEn: null, slaTargetPct: 99.5, sortOrder: 3 }, ms('2026-11-11T00:00:00+09:00'), config);
    const after = slaJson(monthFigures({ db: t.db, config, now: ms('2026-11-11T01:00:00+09:00') }, '2026-10'));
    expect(after.services.map((s) => s.slug)).toEqual(['web', 'elearning']);
  });

  it('the closing itself is kept for good: the database refuses to change or delete it', () => {
    expect(() => t.db.$client.prepare("UPDATE month_closings SET settings = '{}' WHERE month = '2026-10'").run()).toThrow(/keeps the settings/);
    expect(() => t.db.$client.prepare("DELETE FROM month_closings WHERE month = '2026-10'").run()).toThrow(/keeps the settings/);
  });
});

describe('a correction of the records makes a new version that says what changed', () => {
  const t = tempDb();
  const config = parseConfig({});
  const v1At = ms('2026-11-02T09:00:00+09:00');
  beforeAll(() => {
    importInterchange(t.db, validateInterchange(octoberScenario()));
  });
  afterAll(() => t.close());

  it('lists on the first page every figure that changed, with the correction that caused it', async () => {
    const v1 = await issueReport(t.db, config, '2026-10', { now: v1At });
    expect(firstPage(v1.pdf, t.dir, 'v1.pdf')).not.toContain('からの変更');
    // The admin finds the web outage of 20 October 20:05 was the probe's own fault (audited).
    const monitor = (t.db.$client.prepare("SELECT id FROM monitors WHERE slug = 'web-http'").get() as { id: number }).id;
    markFalsePositive(t.db, admin, monitor, ms('2026-10-20T20:05:00+09:00'), '監視サーバー側の回線障害', v1At + D);
    expect(listAudit(t.db)[0]).toMatchObject({ action: 'monitor.false_positive', actor: 'admin@example.jp' });
    const v2 = await issueReport(t.db, config, '2026-10', { now: v1At + 2 * D });
    const page = firstPage(v2.pdf, t.dir, 'v2.pdf');
    expect(page).toContain('前版（第1版）からの変更');
    // web: 17400 s of downtime becomes 15600 s (the 30 min overrun was the false positive).
    expect(page).toMatch(/広報啓発WEBサイト 停止時間\s+4時間50分\s+4時間20分 2026-11-03 09:00 誤検知の指定: web-http 2026-10-20 20:05/);
    expect(page).toMatch(/広報啓発WEBサイト 稼働率\(月\)\s+99\.345 %\s+99\.413 % 2026-11-03 09:00 誤検知の指定/);
    expect(page).toMatch(/稼働率（広報啓発WEBサイト） 実績\s+99\.345 %\s+99\.413 %/);
    expect(page).toContain('監視サーバー側の回線障害');
    // elearning's figures did not change, so they are not listed.
    expect(page).not.toContain('eラーニングシステム 稼働率(月)');
  });

  it('a version with no correction since the previous one says nothing changed', async () => {
    const v3 = await issueReport(t.db, config, '2026-10', { now: v1At + 3 * D });
    expect(v3.version).toBe(3);
    const page = firstPage(v3.pdf, t.dir, 'v3.pdf');
    expect(page).toContain('前版（第2版）からの変更');
    expect(page).toContain('前版から変わった数値はありません。');
  });
});
