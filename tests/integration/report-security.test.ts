import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { certWarnings } from '../../src/lib/report/data';
import { octoberScenario } from './sla-fixture';

const jst = (s: string) => DateTime.fromISO(s, { zone: 'Asia/Tokyo' }).toMillis();
const squash = (s: string) => s.replace(/\s+/g, '');
const SIGNED_TARGET = 'https://reader-u7x:pw-q1@files.example/report.csv?X-Amz-Signature=sig-a1b2c3&key=key-z9y8x7';

describe('the security section of the monthly report lists the probe\'s certificate warnings', () => {
  const t = tempDb();
  const out = join(t.dir, 'report.pdf');
  let text = '';
  beforeAll(() => {
    importInterchange(t.db, validateInterchange(octoberScenario()));
    const c = t.db.$client;
    const monitor = (slug: string) => (c.prepare('SELECT id FROM monitors WHERE slug = ?').get(slug) as { id: number }).id;
    const warn = (slug: string, code: string, severity: string, message: string, start: string, end: string | null) =>
      c.prepare(`INSERT INTO alarms (monitor_id, kind, code, severity, message, started_at, detected_at, recovered_at, recovery_detected_at)
        VALUES (?, 'warning', ?, ?, ?, ?, ?, ?, ?)`).run(monitor(slug), code, severity, message, jst(start), jst(start), end === null ? null : jst(end), end === null ? null : jst(end));
    // Raised in September, cleared on 3 October (a renewed certificate): in the month.
    warn('web-http', 'tls_expiry', 'warning', 'TLS certificate expires in 12 days (2026-10-10)', '2026-09-28T09:00', '2026-10-03T10:15');
    // Raised in October and still open at the month's end (cleared in November): open.
    warn('el-http', 'tls_expiry', 'critical', 'TLS certificate expires in 6 days (2026-11-02)', '2026-10-27T08:00', '2026-11-04T12:00');
    // Not in October: cleared in September, raised in November; a disk warning is no certificate's.
    warn('el-http2', 'tls_expiry', 'warning', 'TLS certificate expires in 20 days (2026-09-30)', '2026-09-01T00:00', '2026-09-20T00:00');
    warn('el-http2', 'tls_expiry', 'warning', 'TLS certificate expires in 25 days (2026-12-05)', '2026-11-10T00:00', null);
    warn('el-http2', 'disk:/', 'warning', 'disk / 91 % full, over 90 %', '2026-10-05T00:00', null);

    // A target holding credentials: the report, which the client reads, masks them.
    c.prepare("UPDATE monitors SET target = ? WHERE slug = 'web-http'").run(SIGNED_TARGET);

    const r = spawnSync(process.execPath, ['--import', 'tsx', resolve('scripts/report.ts'), '--month', '2026-10', '--out', out],
      { env: { ...process.env, LOG_LEVEL: 'warn', DATABASE_PATH: t.path }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    text = spawnSync('pdftotext', ['-enc', 'UTF-8', '-layout', out, '-'], { encoding: 'utf8' }).stdout;
  });
  afterAll(() => t.close());

  it('takes the warnings open at any time in the month, with their state at its end', () => {
    const list = certWarnings(t.db, { start: jst('2026-10-01T00:00'), end: jst('2026-11-01T00:00') });
    expect(list.map((w) => [w.monitorSlug, w.severity, w.startedAt, w.clearedAt])).toEqual([
      ['web-http', 'warning', jst('2026-09-28T09:00'), jst('2026-10-03T10:15')],
      ['el-http', 'critical', jst('2026-10-27T08:00'), null],
    ]);
  });

  it('prints them in section 11 of the PDF', () => {
    const section = text.slice(text.lastIndexOf('11. セキュリティ'), text.lastIndexOf('12. 問合せ'));
    const flat = squash(section);
    expect(flat).toContain(squash('当月のSSL証明書の警告 2 件（うち月末時点で未解除 1 件）。'));
    // The reason in the client's words with the expiry date beside it, never the probe's English.
    expect(flat).toContain('SSL証明書の有効期限まであと12日です');
    expect(flat).toContain('（2026-10-10）');
    expect(flat).toContain(squash('2026-10-03 10:15'));
    expect(flat).toContain('SSL証明書の有効期限まであと6日です');
    expect(flat).toContain('（2026-11-02）');
    expect(flat).toContain('未解除');
    expect(flat).toContain('重大');
    expect(flat).not.toContain('TLScertificate');
    expect(flat).not.toContain('あと20日');
    expect(flat).not.toContain('あと25日');
    expect(flat).not.toContain('disk');
  });

  it('shows targets in section 8 with the user name, password and every query value masked', () => {
    const flat = squash(text.slice(text.lastIndexOf('8. 監視実績'), text.lastIndexOf('9. ')));
    expect(flat).toContain('files.example/report.csv');
    for (const secret of ['reader-u7x', 'pw-q1', 'sig-a1b2c3', 'key-z9y8x7']) expect(flat).not.toContain(secret);
    expect(squash(text)).not.toMatch(/reader-u7x|pw-q1|sig-a1b2c3|key-z9y8x7/);
  });
});
