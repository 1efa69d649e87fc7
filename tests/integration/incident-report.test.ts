import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openDatabase, type Db } from '../../src/lib/db';
import { importInterchange } from '../../src/lib/interchange/import';
import { systemActor } from '../../src/lib/audit';
import { parseConfig } from '../../src/lib/config';
import { parseInstant } from '../../src/lib/time';
import { monthFigures } from '../../src/lib/sla/month';
import { issueIncidentReport } from '../../src/lib/report/incident';
import type { RunningSite } from '../helpers/site';
import { tempDir } from '../helpers/temp';
import { signInCookie, formPoster, startSiteWithConfig, ADMIN, CLIENT } from './admin-fixture';
import { goldenIncidentScenario, GOLDEN_INCIDENT_KEY } from './incident-report-fixture';

/**
 * The 障害報告書 of a golden incident, issued from its admin page: every field is in the PDF's
 * text, the client reads it through the mailed link, and the issuing is what stamps the
 * `failure.written_report` timer (the time cannot be typed any more).
 */
describe('the written failure report (障害報告書)', () => {
  const dir = tempDir();
  const CONTACTS = ['tantou@city.example.lg.jp', 'kakaricho@city.example.lg.jp'];
  let ctx: Awaited<ReturnType<typeof startSiteWithConfig>>;
  let site: RunningSite;
  let db: Db;
  let post: ReturnType<typeof formPoster>;
  let admin = '';
  let client = '';
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    const scenario = goldenIncidentScenario();
    scenario.incidents!.push(
      { key: 'still-open', kind: 'failure', severity: 'minor', title: { ja: '調査中の障害' }, services: [{ service: 'elearning', impact: 'partial_outage' }],
        started_at: '2026-11-01T10:00:00+09:00', aware_at: '2026-11-01T10:00:00+09:00', force_majeure: false },
      { key: 'no-cause', kind: 'failure', severity: 'minor', title: { ja: '原因未記入の障害' }, services: [{ service: 'elearning', impact: 'degraded_performance' }],
        started_at: '2026-11-02T10:00:00+09:00', aware_at: '2026-11-02T10:00:00+09:00', recovered_at: '2026-11-02T10:30:00+09:00', force_majeure: false },
    );
    ctx = await startSiteWithConfig(scenario, { client: { contacts: CONTACTS }, report: { client: '〇〇市 御中', contractor: '株式会社保守' } },
      [{ ...ADMIN, role: 'admin' }, { ...CLIENT, role: 'client' }]);
    ({ site, db } = ctx);
    for (const r of db.$client.prepare('SELECT id, key FROM incidents').all() as { id: number; key: string }[]) ids[r.key] = r.id;
    admin = await signInCookie(site.url, ADMIN);
    client = await signInCookie(site.url, CLIENT);
    post = formPoster(site.url, admin);
  }, 90_000);
  afterAll(async () => {
    await ctx?.stop();
    dir.remove();
  });

  const reportRows = () => db.$client.prepare('SELECT incident_id AS incidentId, version, created_at AS createdAt, sha256 FROM incident_reports ORDER BY id').all() as { incidentId: number; version: number; createdAt: number; sha256: string }[];
  const mails = () => db.$client.prepare("SELECT to_addr AS toAddr, subject, text, created_at AS createdAt FROM mail_outbox WHERE kind = 'incident_report' ORDER BY id").all() as { toAddr: string; subject: string; text: string; createdAt: number }[];
  const writtenAt = (id: number) => (db.$client.prepare('SELECT written_report_at AS at FROM incidents WHERE id = ?').get(id) as { at: number | null }).at;

  it('refuses an incident still open, and empty fields unless the admin accepts them; nothing is issued or sent', async () => {
    const open = await (await fetch(`${site.url}/admin/incidents/${ids['still-open']}`, { headers: { cookie: admin } })).text();
    expect(open).toContain('復旧を記録すると発行できます');
    expect((await post(`/admin/incidents/${ids['still-open']}`, { action: 'report' })).status).toBe(400);

    const page = await (await fetch(`${site.url}/admin/incidents/${ids['no-cause']}`, { headers: { cookie: admin } })).text();
    expect(page).toMatch(/未記入の項目: 原因、原因の判明・不明、原因の分類、対処、再発防止策/);
    const refused = await post(`/admin/incidents/${ids['no-cause']}`, { action: 'report' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('未記入の項目があります');
    expect(reportRows()).toEqual([]);
    expect(mails()).toEqual([]);
    expect(writtenAt(ids['no-cause']!)).toBeNull();
  });

  it('cannot have its time typed: the written report time is stamped by issuing', async () => {
    const page = await (await fetch(`${site.url}/admin/incidents/${ids[GOLDEN_INCIDENT_KEY]}`, { headers: { cookie: admin } })).text();
    expect(page).not.toContain('data-time="writtenReportAt"');
    const typed = await post(`/admin/incidents/${ids[GOLDEN_INCIDENT_KEY]}`, { action: 'time', field: 'writtenReportAt', op: 'now' });
    expect(typed.status).toBe(400);
    expect(writtenAt(ids[GOLDEN_INCIDENT_KEY]!)).toBeNull();
  });

  it('is issued from the incident page to every contact, kept with its SHA-256, and stamps written_report from the sending', async () => {
    const id = ids[GOLDEN_INCIDENT_KEY]!;
    const page = await (await fetch(`${site.url}/admin/incidents/${id}`, { headers: { cookie: admin } })).text();
    // The page shows what the client will read before it is issued.
    expect(page).toContain('data-testid="incident-report"');
    expect(page).toContain('誤検知と判定したため算入していません');
    const before = Date.now();
    const res = await post(`/admin/incidents/${id}`, { action: 'report' });
    expect(res.status).toBe(303);
    const after = Date.now();

    const rows = reportRows();
    expect(rows).toHaveLength(1);
    const sent = mails();
    expect(sent.map((m) => m.toAddr)).toEqual(CONTACTS);
    expect(sent[0]!.subject).toBe('【障害報告書】eラーニングの学習履歴が保存できない（第1版）');
    expect(sent[0]!.text).toMatch(new RegExp(`http://127\\.0\\.0\\.1:\\d+/reports/incidents/${GOLDEN_INCIDENT_KEY}/v1\\.pdf`));
    expect(sent[0]!.text).toContain(rows[0]!.sha256);
    // Measured from the sending: the stamp is the instant the mail was queued, never a typed time.
    const stamped = writtenAt(id)!;
    expect(stamped).toBe(sent[0]!.createdAt);
    expect(stamped).toBe(rows[0]!.createdAt);
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(after);

    // The month's SLA row takes the incident's timer from that stamp (recovered on 10-25, sent today: past 24 h).
    const config = parseConfig({ client: { contacts: CONTACTS } });
    const october = monthFigures({ db, config, now: Date.now() }, '2026-10');
    const timer = october.incidents.find((i) => i.key === GOLDEN_INCIDENT_KEY)!.timers.find((t) => t.key === 'written_report')!;
    expect(timer.doneAt).toBe(stamped);
    expect(timer.state).toBe(stamped - parseInstant('2026-10-25T12:00:00+09:00')! <= 24 * 3_600_000 ? 'met' : 'missed');
    const row = october.rows.find((r) => r.key === 'failure.written_report')!;
    expect(row.measured.ja).toBe(timer.state === 'met' ? '達成 1/1 件' : '達成 0/1 件');

    // A second issue is a new version; the stamp keeps the first sending.
    expect((await post(`/admin/incidents/${id}`, { action: 'report' })).status).toBe(303);
    expect(reportRows().map((r) => r.version)).toEqual([1, 2]);
    expect(writtenAt(id)).toBe(stamped);
    expect(() => db.$client.prepare('DELETE FROM incident_reports').run()).toThrow(/never deleted/);
  });

  it('reads, as the client gets it through the link, every field of the record', async () => {
    expect((await fetch(`${site.url}/reports/incidents/${GOLDEN_INCIDENT_KEY}/v1.pdf`, { redirect: 'manual' })).status).toBe(303);
    const res = await fetch(`${site.url}/reports/incidents/${GOLDEN_INCIDENT_KEY}/v1.pdf`, { headers: { cookie: client } });
    expect(res.status).toBe(200);
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(reportRows()[0]!.sha256);
    const file = join(dir.dir, 'report.pdf');
    writeFileSync(file, pdf);
    const p = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    expect(p.status).toBe(0);
    // Lines wrap anywhere in Japanese text: compare without white space.
    const text = p.stdout.replace(/\s+/g, '');
    const flat = (s: string) => s.replace(/\s+/g, '');
    const fields = [
      '障害報告書', '〇〇市 御中', '株式会社保守', 'eラーニングの学習履歴が保存できない', GOLDEN_INCIDENT_KEY, '第1版',
      // Services and impact.
      'eラーニングシステム: 一部停止',
      // 発生・認知・復旧.
      '発生日時 2026-10-25 10:00', '認知日時 2026-10-25 10:05', '復旧日時 2026-10-25 12:00', '障害継続時間 2時間',
      // The outage minutes that counted, and why: confirmation, the planned stop, the false positive.
      'eラーニングシステム 2026-10-25 10:00 1時間 30分 0秒 10分',
      '2回連続の失敗で停止と確認。最初の失敗 2026-10-25 10:00:00 から次の成功 2026-10-25 10:40:00 まで',
      '誤検知と判定したため算入していません（理由: 監視サーバー側の回線工事）',
      '計画停止「データベース保守」',
      '算入した停止: 2026-10-25 10:00:00 〜 2026-10-25 11:00:00（1時間、監視）',
      // The public updates with their times.
      '2026-10-25 10:15 公開情報（調査中）: 学習履歴の保存ができない事象を調査しています',
      // The SLA timers and their verdicts.
      '発生通知（12時間以内） 2026-10-25 22:05 – 未達成', '復旧（4時間以内） 2026-10-25 14:05 2026-10-25 12:00 達成',
      // Cause (known), category, fix, prevention.
      'データベースサーバーのディスク容量が不足し、書き込みが失敗したため', '原因の判明 判明', '原因の分類 ハードウェア',
      '古いログを別ディスクへ退避し、容量を確保した', 'ディスク使用率の監視を追加し、80%で警告する',
    ];
    for (const f of fields) expect(text, f).toContain(flat(f));
    // The written report's own timer is judged from this sending.
    expect(text).toMatch(/障害報告書（24時間以内）2026-10-2612:00\d{4}-\d\d-\d\d\d\d:\d\d(達成|未達成)/);
    // The client's list names only issued reports.
    const list = await (await fetch(`${site.url}/reports/incidents/`, { headers: { cookie: client } })).text();
    expect(list).toContain(`/reports/incidents/${GOLDEN_INCIDENT_KEY}/v2.pdf`);
    expect(list).not.toContain('調査中の障害');
  });

  it('records client notices in the timeline with their sent times, and a sending within 24 h of recovery meets the timer', async () => {
    // The verb itself, at a chosen instant: the day after recovery.
    const local = openDatabase(join(dir.dir, 'second.db'));
    try {
      importInterchange(local, goldenIncidentScenario());
      const id = (local.$client.prepare('SELECT id FROM incidents WHERE key = ?').get(GOLDEN_INCIDENT_KEY) as { id: number }).id;
      const config = parseConfig({ client: { contacts: CONTACTS } });
      const { sendClientNotice } = await import('../../src/lib/incidents/client-notice');
      sendClientNotice(local, systemActor('t'), id, { kind: 'recovery', note: '' }, { contacts: CONTACTS, zone: 'Asia/Tokyo', siteUrl: 'https://s' }, parseInstant('2026-10-25T12:20:00+09:00')!);
      const at = parseInstant('2026-10-26T09:00:00+09:00')!;
      const issued = await issueIncidentReport(local, config, systemActor('t'), id, { siteUrl: 'https://s', now: at });
      const file = join(dir.dir, 'second.pdf');
      writeFileSync(file, issued.pdf);
      const text = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, '');
      expect(text).toContain('2026-10-2512:20委託者へ復旧通知を送付（2名、送信待ち）');
      expect(text).toContain('障害報告書（24時間以内）2026-10-2612:002026-10-2609:00達成');
      // Once the mail server has taken the notices, the next version says when; it lists the first version's sending too.
      local.$client.prepare("UPDATE mail_outbox SET sent_at = ?, next_attempt_at = NULL WHERE kind = 'client_notice.recovery'").run(parseInstant('2026-10-25T12:21:00+09:00')!);
      const second = await issueIncidentReport(local, config, systemActor('t'), id, { siteUrl: 'https://s', now: parseInstant('2026-10-27T09:00:00+09:00')! });
      writeFileSync(file, second.pdf);
      const text2 = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, '');
      expect(text2).toContain('2026-10-2512:20委託者へ復旧通知を送付（2名、送信完了2026-10-2512:21）');
      expect(text2).toContain('2026-10-2609:00委託者へ障害報告書第1版を送付（2名、送信待ち）');
      // The timer keeps the first sending.
      expect(text2).toContain('障害報告書（24時間以内）2026-10-2612:002026-10-2609:00達成');
      const row = monthFigures({ db: local, config, now: parseInstant('2026-11-05T00:00:00+09:00')! }, '2026-10').rows.find((r) => r.key === 'failure.written_report')!;
      expect(row).toMatchObject({ met: true, measured: { ja: '達成 1/1 件' } });
    } finally {
      local.$client.close();
    }
  });

  it('is found by the admin search mid-sentence, shown among similar past incidents, and counted in the statistics', async () => {
    const get = async (path: string, cookie: string) => {
      const res = await fetch(`${site.url}${path}`, { headers: { cookie, 'accept-language': 'ja' } });
      return { status: res.status, text: await res.text() };
    };
    const search = await get(`/admin/incidents/search?q=${encodeURIComponent('容量が不足し')}`, admin);
    expect(search.status).toBe(200);
    expect(search.text).toContain('【容量が不足し】');
    expect(search.text).toContain(`/admin/incidents/${ids[GOLDEN_INCIDENT_KEY]}`);
    // The incident opened later on the same service is shown the golden one, with its cause, fix and prevention.
    const open = await get(`/admin/incidents/${ids['still-open']}`, admin);
    const similar = open.text.slice(open.text.indexOf('data-testid="similar-incidents"'));
    expect(similar).toContain('eラーニングの学習履歴が保存できない');
    expect(similar).toContain('ディスク使用率の監視を追加し、80%で警告する');
    const stats = await get('/admin/incidents/statistics?fy=2026', client);
    expect(stats.status).toBe(200);
    expect(stats.text).toContain('data-testid="failure-statistics"');
    expect(stats.text).toMatch(/ハードウェア<\/span><\/td><td[^>]*><span>1<\/span>/);
  });

  it('has the fiscal year on the client\'s report pages, running as 速報, as a page and a PDF', async () => {
    const page = await fetch(`${site.url}/reports/year/2026`, { headers: { cookie: client } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('2026年度（2026年4月〜2027年3月）');
    expect(html).toContain('data-testid="year-provisional"');
    expect(html).toContain('障害統計と傾向');
    expect(html).toContain('eラーニングの学習履歴が保存できない');
    expect((await fetch(`${site.url}/reports/year/1999`, { headers: { cookie: client } })).status).toBe(404);
    expect((await fetch(`${site.url}/reports/year/2026`, { redirect: 'manual' })).status).toBe(303);
    const pdf = await fetch(`${site.url}/reports/year/2026/report.pdf`, { headers: { cookie: client } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const list = await (await fetch(`${site.url}/reports/year/`, { headers: { cookie: client } })).text();
    expect(list).toContain('href="/reports/year/2026"');
  });
});
