import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { parseConfig } from '../../src/lib/config';

const read = (p: string) => readFileSync(p, 'utf8');

/** The deployment files say what the README promises of them. */
describe('deploy/', () => {
  it('runs the site with PROBE=off and the worker apart, both stopped by SIGTERM', () => {
    const site = read('deploy/systemd/status-site.service');
    const worker = read('deploy/systemd/status-worker.service');
    expect(site).toMatch(/^Environment=.*\bPROBE=off\b/m);
    expect(site).toMatch(/^ExecStart=\/usr\/bin\/node build\/start\.mjs$/m);
    expect(worker).toMatch(/^ExecStart=\/usr\/bin\/node (--[a-z-]+=\d+ )*build\/probe\.mjs$/m);
    expect(worker).not.toMatch(/PROBE=off/);
    for (const unit of [site, worker]) {
      expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
      expect(unit).toMatch(/^KillMode=mixed$/m);
      expect(unit).toMatch(/^EnvironmentFile=\/etc\/status\/status\.env$/m);
    }
    for (const script of ['scripts/start.ts', 'scripts/probe.ts']) expect(existsSync(script)).toBe(true);
  });

  it('builds the image on node:20-bookworm-slim with the tools better-sqlite3 needs', () => {
    const docker = read('deploy/Dockerfile');
    expect(docker).toMatch(/^FROM node:20-bookworm-slim/m);
    expect(docker).toMatch(/python3 make g\+\+/);
    expect(docker).toMatch(/^VOLUME \["\/data"\]/m);
    expect(docker).toMatch(/DATABASE_PATH=\/data\/status\.db/);
    // No compiler at run time: the image builds the programs and runs them with node.
    expect(docker).toMatch(/^RUN npm run build\b/m);
    expect(docker).toMatch(/^CMD \["node", "build\/start\.mjs"\]$/m);
    expect(docker).not.toMatch(/tsx/);
  });

  it('proxies over HTTPS, caches the public page and never admin pages or logged-in visitors', () => {
    const nginx = read('deploy/nginx/status.conf');
    expect(nginx).toMatch(/listen 443 ssl/);
    expect(nginx).toMatch(/return 301 https:/);
    expect(nginx).toMatch(/proxy_cache status_cache;/);
    expect(nginx).toMatch(/proxy_no_cache \$cookie_sid;/);
    const publicLocation = /location ~ \^\/\((.*?)\)\$/.exec(nginx)![1]!;
    const re = new RegExp(`^/(${publicLocation})$`);
    expect(re.test('/')).toBe(true);
    expect(re.test('/en/')).toBe(true);
    expect(re.test('/api/v2/summary.json')).toBe(true);
    expect(re.test('/admin/')).toBe(false);
    expect(re.test('/reports/2026-10')).toBe(false);
  });

  it('lists every file the deploy README explains', () => {
    const readme = read('deploy/README.md');
    for (const f of ['systemd/status-site.service', 'systemd/status-worker.service', 'nginx/status.conf', 'Dockerfile', 'status.env.example', 'config.example.json']) {
      expect(readme).toContain(`\`${f}\``);
      expect(existsSync(`deploy/${f}`)).toBe(true);
    }
    expect(parseConfig(JSON.parse(read('deploy/config.example.json'))).backup.copy_to).toBe('/mnt/backup/status');
  });
});
