import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { waitFor, type RunningSite } from '../helpers/site';
import { startProbedAdminSite, signInOnDashboard, OPS_ADMIN as ADMIN } from '../helpers/probed-admin-site';
import type { Db } from '../../src/lib/db';
import { CheckStore } from '../../src/lib/checks/store';
import { listAudit } from '../../src/lib/audit';

let site: RunningSite;
let browser: Browser;
let db: Db;
let stop: () => Promise<void>;
const startedAt = Date.now();

beforeAll(async () => {
  ({ site, browser, db, stop } = await startProbedAdminSite('admin-clock-', (setup) => {
    // A worker whose clock ran an hour ahead wrote these: six checks, the last three down.
    new CheckStore(setup).record([0, 1, 2, 3, 4, 5].map((i) => ({
      monitorId: 1, at: startedAt + 3_600_000 + i * 5000, status: i < 3 ? 'up' as const : 'down' as const, latencyMs: i < 3 ? 40 : null, error: i < 3 ? null : 'HTTP 503',
    })));
  }));
});

afterAll(async () => {
  await stop?.();
});

const healthWarnings = async () => ((await (await fetch(`${site.url}/healthz`)).json()) as { warnings: string[] }).warnings;

describe('a clock step on the operators dashboard', () => {
  it('shows the checks the worker set aside until an admin marks the step reviewed (audited); /healthz warns until then', async () => {
    // The worker with the right clock sets the future checks aside as it starts, then checks on the true clock.
    await waitFor(() => (db.$client.prepare('SELECT count(*) FROM quarantined_checks').pluck().get() as number) === 6, 30_000, 200);
    await waitFor(() => (db.$client.prepare('SELECT count(*) FROM checks WHERE at <= ?').pluck().get(Date.now()) as number) >= 1, 30_000, 200);
    expect(db.$client.prepare('SELECT count(*) FROM checks WHERE at > ?').pluck().get(Date.now() + 5000)).toBe(0);
    expect(await healthWarnings()).toContain('clock_step');

    const context = await browser.newContext({ locale: 'ja-JP', extraHTTPHeaders: { 'accept-language': 'ja-JP' } });
    const page = await context.newPage();
    await signInOnDashboard(page, site.url);

    const warning = page.locator('[data-testid=monitoring-warning] li[data-cause=clock_step]');
    expect(await warning.textContent()).toContain('未来の時刻が記録された確認結果は集計から除き');
    const panel = page.locator('[data-testid=clock-step]');
    expect(await panel.count()).toBe(1);
    const text = await panel.innerText();
    expect(text).toContain('時刻の変化で除外した確認結果');
    expect(text).toMatch(/時刻の変化 3[56]\d\d 秒 戻り/);
    expect(text).toContain('確認結果 6 件を集計から除外しました');
    const row = await panel.locator('tbody tr').allInnerTexts();
    expect(row).toHaveLength(1);
    expect(row[0]).toMatch(/elearning-web\s+このサーバー\s+6\s+3\s+/);

    await page.click('[data-testid=clock-step-review]');
    await page.waitForURL(`${site.url}/admin/?saved=clock-steps#clock-steps`);
    expect(await page.innerText('#clock-steps [data-testid=action-result]')).toBe('時刻の変化を確認済みにしました。');
    expect(await page.locator('[data-testid=clock-step]').count()).toBe(0);
    expect(await page.locator('li[data-cause=clock_step]').count()).toBe(0);
    expect(await healthWarnings()).not.toContain('clock_step');
    const audit = listAudit(db, { entity: 'clock_step' });
    expect(audit.map((e) => [e.action, e.actor])).toEqual([['clock_step.review', ADMIN.email], ['clock_step.set_aside', 'system:probe']]);
    // The checks stay set aside, kept as they were.
    expect(db.$client.prepare('SELECT count(*) FROM quarantined_checks').pluck().get()).toBe(6);
    await context.close();
  });

  it('refuses the review to anyone not signed in as an admin', async () => {
    const res = await fetch(`${site.url}/admin/clock-steps/1/review`, { method: 'POST', redirect: 'manual', headers: { origin: site.url } });
    expect([302, 303, 401, 403]).toContain(res.status);
    expect(db.$client.prepare('SELECT count(*) FROM audit_log WHERE action = ?').pluck().get('clock_step.review')).toBe(1);
  });
});
