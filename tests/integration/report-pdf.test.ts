import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { formatDuration } from '../../src/lib/sla/format';
import type { SlaJson } from '../../src/lib/sla/contract';
import { octoberScenario } from './sla-fixture';

const tsx = (script: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', resolve(script), ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8' });
const squash = (s: string) => s.replace(/\s+/g, '');

describe('the monthly PDF report', () => {
  const t = tempDb();
  const env = { DATABASE_PATH: t.path };
  const out = join(t.dir, 'out', 'report.pdf');
  let text = '';
  let json: SlaJson;
  beforeAll(() => {
    importInterchange(t.db, validateInterchange(octoberScenario()));
    const r = tsx('scripts/report.ts', ['--month', '2026-10', '--out', out], env);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    const s = tsx('scripts/sla.ts', ['--month', '2026-10', '--json'], env);
    expect(s.status).toBe(0);
    json = JSON.parse(s.stdout) as SlaJson;
    const p = spawnSync('pdftotext', ['-enc', 'UTF-8', out, '-'], { encoding: 'utf8' });
    expect(p.status).toBe(0);
    text = p.stdout;
  });
  afterAll(() => t.close());

  it('names monitors by their service, target and kind, never by an internal slug', () => {
    const flat = squash(text);
    const start = flat.lastIndexOf('8.監視実績');
    const section = flat.slice(start, flat.indexOf('検知件数:', start));
    expect(section).toContain('HTTP(S)ページの応答');
    // Each row starts with the service's name, then the target: the slug (`web-http`) would come first otherwise.
    expect(section).toMatch(/(広報啓発WEBサイト|eラーニングシステム)http:\/\/127\.0\.0\.1:9\//);
    expect(section).not.toMatch(/[a-z-]+http:\/\/127\.0\.0\.1/);
  });

  it('is an A4 PDF with page numbers and a table of contents', () => {
    const info = spawnSync('pdfinfo', [out], { encoding: 'utf8' }).stdout;
    expect(info).toMatch(/Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
    expect(pages).toBeGreaterThan(5);
    expect(text).toContain(`1 / ${pages}`);
    expect(text).toContain(`${pages} / ${pages}`);
    expect(text).toContain('目次');
    const fonts = spawnSync('pdffonts', [out], { encoding: 'utf8' }).stdout;
    expect(fonts).toMatch(/\+NotoSansJP-Regular\s+CID TrueType\s+Identity-H\s+yes yes yes/);
  });

  it('has the Japanese sections of the report', () => {
    for (const h of ['SLA月次報告書', '2026年10月分', '1. 表紙・概要', '2. 稼働率の算定', '3. 日別稼働カレンダー', '4. 応答時間', '5. 障害一覧', '6. 計画停止実績',
      '7. SLA項目達成表', '8. 監視実績', '9. MTTD / MTTA / MTTR / MTBF', '10. バックアップ', '11. セキュリティ', '12. 問合せ・作業実績、課題・改善提案', '13. 付録（算定方法）']) {
      expect(text, h).toContain(h);
    }
  });

  it('shows the same figures as npm run sla -- --json', () => {
    const flat = squash(text);
    expect(json.services.map((s) => s.availability_pct)).toEqual(['99.345', '99.730']);
    for (const s of json.services) {
      expect(flat).toContain(squash(`${s.availability_pct} %`));
      expect(flat).toContain(squash(`${s.year_to_date.availability_pct} %`));
      expect(flat).toContain(squash(formatDuration(s.downtime_s * 1000)));
      expect(flat).toContain(squash(formatDuration(s.excluded_s * 1000 - s.force_majeure_s * 1000)));
      expect(flat).toContain(squash(formatDuration(s.unmonitored_s * 1000)));
      expect(flat).toContain(squash(`月 ${formatDuration(s.allowed_left_s! * 1000)}`));
      for (const o of s.outages) expect(flat).toContain(squash(formatDuration(o.duration_s * 1000)));
    }
  });

  it('lists every incident and every planned stop', () => {
    const flat = squash(text);
    expect(json.incidents).toHaveLength(3);
    for (const i of json.incidents) {
      expect(flat).toContain(squash(i.title));
      expect(flat).toContain(i.key);
    }
    for (const key of ['m1', 'm2', 'm3', 'm4']) expect(flat).toContain(`（${key}）`);
  });

  it('writes the CSV of outages and incidents beside the PDF', () => {
    const csv = readFileSync(out.replace(/\.pdf$/, '.csv'), 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    for (const i of json.incidents) expect(csv).toContain(i.key);
    expect(csv).toContain('outage,web,,2026-10-20T22:00:00+09:00,2026-10-20T22:30:00+09:00,1800,probe');
  });

  it('a second issue is a new version; the first is kept unchanged and cannot be altered', () => {
    const v1 = t.db.$client.prepare('SELECT sha256, pdf FROM reports WHERE month = ? AND version = 1').get('2026-10') as { sha256: string; pdf: Buffer };
    expect(v1.sha256).toMatch(/^[0-9a-f]{64}$/);
    const r = tsx('scripts/report.ts', ['--month', '2026-10'], env);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/sla-report-2026-10-v2\.pdf$/);
    expect(existsSync(r.stdout.trim())).toBe(true);
    const versions = t.db.$client.prepare('SELECT version, sha256 FROM reports WHERE month = ? ORDER BY version').all('2026-10') as { version: number; sha256: string }[];
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[0]!.sha256).toBe(v1.sha256);
    expect(() => t.db.$client.prepare('UPDATE reports SET size = 0 WHERE version = 1').run()).toThrow(/never changed/);
    expect(() => t.db.$client.prepare('DELETE FROM reports').run()).toThrow(/never deleted/);
  });

  it('refuses a bad month with a clear message and a non-zero exit', () => {
    for (const [script, args] of [['scripts/sla.ts', ['--month', '2026-13']], ['scripts/report.ts', ['--month', '10/2026']], ['scripts/sla.ts', []]] as const) {
      const r = tsx(script, [...args], env);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/month/);
    }
  });
});
