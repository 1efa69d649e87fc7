import { describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe';
import { parseConfig } from '../../src/lib/config';
import { issueSurvey } from '../../src/lib/support/verbs';
import { adminBrowserForTests } from '../helpers/admin-browser';
import { ADMIN } from '../integration/admin-fixture';

const world = adminBrowserForTests();

const newPage = (lang = 'ja-JP') => world.newPage(lang);

const NAME = '<script>window.__pwned = 1</script>山田';
const BODY = '<img src=x onerror="window.__pwned = 2">ログインできません & "至急"';

describe('the support desk in Chromium', () => {
  it('a learner finds the form from the public page\'s footer and sends an inquiry; an admin reads it as text and answers it', async () => {
    const page = await newPage();
    await page.goto(`${world.url}/`);
    await page.click('footer >> text=問い合わせ・不具合の報告');
    await page.waitForURL(`${world.url}/support/`);
    expect(await page.textContent('h1')).toBe('問い合わせ・不具合の報告');
    await page.fill('#email', 'learner@learners.example.jp');
    await page.fill('#name', NAME);
    await page.selectOption('#service', 'website');
    await page.check('input[name=category][value=question]');
    await page.fill('#body', BODY);
    await page.click('form button[type=submit]');
    await page.waitForSelector('[data-testid=outcome]');
    expect(await page.textContent('[data-testid=outcome]')).toMatch(/^受け付けました（受付番号 #\d+）。/);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.context().close();

    const admin = await newPage();
    await admin.goto(`${world.url}/admin/support/`);
    await admin.fill('#email', ADMIN.email);
    await admin.fill('#password', ADMIN.password);
    await admin.click('button[type=submit]');
    await admin.waitForURL(`${world.url}/admin/support/`);
    const id = world.db.$client.prepare('SELECT max(id) FROM support_items').pluck().get() as number;
    await admin.click(`a[href="/admin/support/${id}"]`);
    await admin.waitForURL(`${world.url}/admin/support/${id}`);
    expect(await admin.textContent('[data-testid=body]')).toBe(BODY);
    expect(await admin.textContent('[data-testid=requester]')).toContain(NAME);
    expect(await admin.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await admin.textContent('[data-testid=status]')).toBe('受付');

    await admin.selectOption('#f-to', 'in_progress');
    await admin.click('form:has(input[value=status]) button[type=submit]');
    await admin.waitForURL(/saved=status/);
    expect(await admin.textContent('[data-testid=status]')).toBe('対応中');
    // The site here runs without the worker, so the requester's mail waits in the outbox.
    expect(await admin.textContent('[data-testid=timeline]')).toContain('受付 → 対応中 (メール送信待ち)');

    await admin.fill('#f-minutes', '30');
    await admin.click('form:has(input[value=minutes]) button[type=submit]');
    await admin.waitForURL(/saved=minutes/);
    expect(await admin.textContent('[data-testid=minutes-total]')).toBe('30');
    await admin.context().close();
  });

  it('a survey link opens the five questions, takes the answers once, and says so the second time', async () => {
    const config = parseConfig({});
    const token = issueSurvey(world.db, { itemId: null, campaign: null, email: 'survey@learners.example.jp', lang: 'ja' }, Date.now(),
      { baseUrl: world.url, siteName: config.site.name, zone: config.zone, support: config.support });
    const page = await newPage();
    await page.goto(`${world.url}/survey/${token}`);
    expect(await page.locator('fieldset').count()).toBe(5);
    expect(await axeViolations(page, ['serious', 'critical'])).toEqual([]);
    for (const q of ['q1', 'q2', 'q3', 'q4', 'q5']) await page.check(`input[name=${q}][value=mostly_satisfied]`);
    await page.click('form button[type=submit]');
    await page.waitForSelector('[data-testid=outcome]');
    expect(await page.textContent('[data-testid=outcome]')).toBe('ご回答ありがとうございました。');
    await page.goto(`${world.url}/survey/${token}`);
    expect(await page.textContent('[data-testid=outcome]')).toBe('このアンケートはすでに回答済みです。');
    expect(await page.locator('form.subscribe').count()).toBe(0);
    await page.context().close();
  });

  it('the form in both languages has no serious accessibility violation', async () => {
    for (const path of ['/support/', '/en/support/']) {
      const page = await newPage(path.startsWith('/en') ? 'en-US' : 'ja-JP');
      await page.goto(`${world.url}${path}`);
      expect({ path, violations: await axeViolations(page, ['serious', 'critical']) }).toEqual({ path, violations: [] });
      await page.context().close();
    }
  });
});
