import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { axeViolations } from '../helpers/axe';
import { startFixtureSite } from '../integration/page-fixture';
import { rawRequest } from '../security/raw-http';

/**
 * What a learner on a phone reads: each service's state in one line under the banner, the
 * subscribe and contact links at the top, day bars wide enough to tap, the support form's
 * errors in the page's language beside each field, and the site's own 404 page everywhere.
 */
const shots = resolve(process.env.SCREENSHOT_DIR ?? 'test-results/public-words');

let site: Awaited<ReturnType<typeof startFixtureSite>>;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  [site, browser] = await Promise.all([startFixtureSite(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

const phones = [
  { name: 'phone-390', width: 390, height: 844, js: true },
  { name: 'phone-360-nojs', width: 360, height: 740, js: false },
  { name: 'phone-320', width: 320, height: 640, js: true },
] as const;

describe('the public page on a phone', () => {
  for (const p of phones) {
    it(`${p.name}: one line per service under the banner, header links, day bars at least 24 px wide`, async () => {
      const context = await browser.newContext({ viewport: { width: p.width, height: p.height }, javaScriptEnabled: p.js, hasTouch: true, isMobile: true });
      const page = await context.newPage();
      await page.goto(`${site.url}/`);
      // One line per service, right under the banner, each naming the service and its state and leading to its card.
      const lines = page.locator('[data-testid="service-lines"] li');
      expect(await lines.allInnerTexts()).toEqual([expect.stringMatching(/^広報WEBサイト\s+正常$/), expect.stringMatching(/^eラーニング\s+障害$/)]);
      const banner = await page.getByTestId('overall').boundingBox();
      const box = await page.getByTestId('service-lines').boundingBox();
      expect(box!.y).toBeGreaterThan(banner!.y);
      expect(box!.y + box!.height).toBeLessThan(p.height);
      const href = await lines.nth(1).locator('a').getAttribute('href');
      expect(href).toBe('#service-learn');
      await lines.nth(1).locator('a').click();
      expect(await page.locator('#service-learn').getAttribute('data-service')).toBe('learn');
      expect((await page.locator('#service-learn').boundingBox())!.y).toBeLessThan(p.height);
      await page.evaluate(() => window.scrollTo(0, 0));

      // Subscribe and contact in the header, on the first screen.
      for (const [id, path, text] of [['header-subscribe', '/subscribe/', '通知を受け取る'], ['header-support', '/support/', '問い合わせ']] as const) {
        const link = page.locator('header.site').getByTestId(id);
        expect(await link.getAttribute('href')).toBe(path);
        expect(await link.innerText()).toBe(text);
        const b = (await link.boundingBox())!;
        expect(b.y + b.height).toBeLessThan(p.height);
        expect(b.height).toBeGreaterThanOrEqual(24);
      }

      // Every bar shown is a touch target of at least 24 px; the last shown is today.
      for (const slug of ['web', 'learn']) {
        const widths = await page.locator(`ol.bars[data-bars="${slug}"] li`).evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0).map((r) => ({ w: r.width, h: r.height })));
        expect(widths.length).toBeGreaterThanOrEqual(10);
        for (const w of widths) {
          expect(w.w).toBeGreaterThanOrEqual(24);
          expect(w.h).toBeGreaterThanOrEqual(24);
        }
      }
      // The figures above the bars stay inside their card.
      const overflow = await page.locator('li.service').evaluateAll((cards) => cards.flatMap((card) => {
        const right = card.getBoundingClientRect().right;
        return Array.from(card.querySelectorAll('.uptime div')).filter((d) => d.getBoundingClientRect().right > right).map((d) => d.textContent);
      }));
      expect(overflow).toEqual([]);
      // The page stays complete: all 90 days are in it (read by screen readers and without CSS).
      expect(await page.locator('ol.bars[data-bars="learn"] li').count()).toBe(90);
      await page.screenshot({ path: join(shots, `${p.name}.png`), fullPage: true });
      // axe runs as a script in the page: only where scripts run.
      if (p.js) expect(await axeViolations(page)).toEqual([]);
      await context.close();
    });
  }

  it('in English too', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${site.url}/en/`);
    expect(await page.locator('[data-testid="service-lines"] li').allInnerTexts()).toEqual([expect.stringMatching(/^Public website\s+Operational$/), expect.stringMatching(/^E-learning\s+Outage$/)]);
    expect(await page.locator('header.site').getByTestId('header-support').getAttribute('href')).toBe('/en/support/');
    expect(await page.locator('header.site').getByTestId('header-subscribe').getAttribute('href')).toBe('/en/subscribe/');
    await page.screenshot({ path: join(shots, 'en-phone.png') });
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });
});

describe('the support form', () => {
  for (const lang of ['ja', 'en'] as const) {
    it(`${lang}: says what is wrong beside each field, in the page's language, and keeps what was typed`, async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      await page.goto(`${site.url}${lang === 'en' ? '/en' : ''}/support/`);
      // Addresses a browser lets through but that are not deliverable; a text of only spaces.
      await page.fill('#email', 'taro@example');
      await page.fill('#name', '山田 太郎');
      await page.fill('#body', '   ');
      await page.locator('input[name=category]').nth(1).check();
      await Promise.all([page.waitForNavigation(), page.click('form.subscribe button[type=submit]')]);
      expect(await page.getByTestId('outcome').innerText()).toBe(lang === 'ja' ? '入力を確認してください' : 'Please check the form');
      expect(await page.locator('[data-error-for=email]').innerText()).toBe(lang === 'ja' ? 'メールアドレスの形式が正しくありません。' : 'This is not a valid e-mail address.');
      expect(await page.locator('[data-error-for=body]').innerText()).toBe(lang === 'ja' ? '入力してください。' : 'Please fill this in.');
      expect(await page.locator('[data-error-for=name]').count()).toBe(0);
      // Each message sits right below its field and is tied to it.
      expect(await page.locator('#email').getAttribute('aria-describedby')).toBe('email-error');
      expect(await page.locator('#email').getAttribute('aria-invalid')).toBe('true');
      const field = (await page.locator('#email').boundingBox())!;
      const message = (await page.locator('[data-error-for=email]').boundingBox())!;
      expect(message.y).toBeGreaterThanOrEqual(field.y + field.height - 1);
      expect(message.y).toBeLessThan(field.y + field.height + 40);
      expect(await page.inputValue('#email')).toBe('taro@example');
      expect(await page.inputValue('#name')).toBe('山田 太郎');
      expect(await page.locator('input[name=category]').nth(1).isChecked()).toBe(true);
      const text = await page.locator('main').innerText();
      expect(text).not.toMatch(/\$\.|Invalid|Too small|email:|body:/);
      await page.screenshot({ path: join(shots, `support-errors-${lang}.png`), fullPage: true });
      expect(await axeViolations(page)).toEqual([]);
      await context.close();
    });
  }
});

describe('every address that does not exist', () => {
  it('gets the site’s own 404 page, the same for a missing incident, an unknown address and a malformed one', async () => {
    // Paths as sent, not normalised by a client: malformed ones are refused by the serving thread itself.
    const main = async (path: string) => {
      const res = await rawRequest(site.url, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type'], path).toMatch(/^text\/html/);
      expect(res.body, path).toContain('<header class="site">');
      return /<main id="content">[\s\S]*<\/main>/.exec(res.body)![0];
    };
    const ja = await main('/incidents/no-such-incident');
    expect(ja).toContain('ページが見つかりません');
    for (const path of ['/no-such-page', '/subscribe/nothing-here', '/a/%2e%2e/b', '/x/%2F/y', '/admin%2fusers']) expect(await main(path), path).toBe(ja);
    const en = await main('/en/incidents/no-such-incident');
    expect(en).toContain('Page not found');
    for (const path of ['/en/no-such-page', '/en/%2e%2e/x']) expect(await main(path), path).toBe(en);

    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${site.url}/no-such-page`);
    expect(await page.locator('h1').innerText()).toBe('ページが見つかりません');
    expect(await page.locator('header.site').getByTestId('header-support').isVisible()).toBe(true);
    await page.screenshot({ path: join(shots, '404.png') });
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });
});
