import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { startSite, runScript } from '../helpers/site';
import { tempDir } from '../helpers/temp';

/**
 * A newcomer's first `npm start` says where to sign in and, while no admin exists, the exact
 * command that creates one; the command works as printed; afterwards it is no longer shown.
 * Mistyped addresses get the site's own 404 page in the address's language, with a way home.
 */
describe('first run', () => {
  const dir = tempDir();
  const dbPath = join(dir.dir, 'fresh.db');
  afterAll(() => dir.remove());

  it('prints the sign-in address and the command for the first admin, until one exists', async () => {
    const first = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off' });
    let printed = '';
    try {
      await new Promise((r) => setTimeout(r, 300));
      printed = first.output();
      expect(printed).toContain(`Sign in at ${first.url}/login`);
      expect(printed).toContain('No admin account exists yet');
      const login = await fetch(`${first.url}/login`);
      expect(login.status).toBe(200);

      // Own 404 pages, by the path's language, for public and admin addresses alike.
      const ja = await fetch(`${first.url}/no-such-page`);
      expect(ja.status).toBe(404);
      const jaHtml = await ja.text();
      expect(jaHtml).toContain('<html lang="ja"');
      expect(jaHtml).toContain('ページが見つかりません');
      expect(jaHtml).toContain('href="/favicon.svg"');
      expect(jaHtml).toMatch(/<a href="\/" data-testid="home-link">稼働状況のページへ<\/a>/);
      expect(jaHtml).not.toMatch(/astro/i);
      const en = await fetch(`${first.url}/en/no-such-page`);
      expect(en.status).toBe(404);
      const enHtml = await en.text();
      expect(enHtml).toContain('<html lang="en"');
      expect(enHtml).toContain('Page not found');
      expect(enHtml).toMatch(/<a href="\/en\/" data-testid="home-link">/);
    } finally {
      await first.stop();
    }
    const command = /^\s*(DATABASE_PATH=\S+ )?npm run user:add -- (.+)$/m.exec(printed);
    expect(command?.[1]?.trim()).toBe(`DATABASE_PATH=${dbPath}`);
    const args = command![2]!.split(' ');
    expect(args).toEqual(['--email', 'admin@example.jp', '--role', 'admin']);
    const created = await runScript('scripts/user-add.ts', args, { DATABASE_PATH: dbPath }, 'a long enough password\n');
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain('created admin admin@example.jp');

    const second = await startSite({ DATABASE_PATH: dbPath, PROBE: 'off' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(second.output()).toContain(`Sign in at ${second.url}/login`);
      expect(second.output()).not.toContain('npm run user:add');
    } finally {
      await second.stop();
    }
  }, 120_000);
});
