import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { parseConfig } from '../../src/lib/config';
import { monthFigures } from '../../src/lib/sla/month';
import { slaJson } from '../../src/lib/sla/contract';
import { createUser } from '../../src/lib/auth/users';
import { systemActor } from '../../src/lib/audit';
import {
  raiseFromForm, raiseByAdmin, changeStatus, logMinutes, issueSurvey, answerSurvey, readSurvey, startSurveyCampaign, type DeskOptions,
} from '../../src/lib/support/verbs';
import { deskTimer, surveyMeets, surveyAverageText } from '../../src/lib/support/figures';
import type { SupportJson } from '../../src/lib/support/report';
import { runScript } from '../helpers/site';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const config = parseConfig({});
const opts: DeskOptions = { baseUrl: 'http://status.test', siteName: config.site.name, zone: config.zone, support: config.support };
const J = (s: string) => new Date(`${s}+09:00`).getTime();
const MIN = 60_000;

describe('the desk\'s timers, hours and survey, by hand', () => {
  it('acknowledged in 1 h 59 min is met, 2 h 01 min missed, exactly 2 h met; nothing yet is pending until the limit passes', () => {
    const t0 = J('2026-10-05T10:00:00');
    expect(deskTimer(t0, t0 + 119 * MIN, 120 * MIN, t0 + 200 * MIN)).toBe('met');
    expect(deskTimer(t0, t0 + 121 * MIN, 120 * MIN, t0 + 200 * MIN)).toBe('missed');
    expect(deskTimer(t0, t0 + 120 * MIN, 120 * MIN, t0 + 200 * MIN)).toBe('met');
    expect(deskTimer(t0, null, 120 * MIN, t0 + 119 * MIN)).toBe('pending');
    expect(deskTimer(t0, null, 120 * MIN, t0 + 121 * MIN)).toBe('missed');
  });
  it('a survey average of 64.9 is not met; 65.0 is; the average is truncated, never rounded up', () => {
    // 40 answers: 31 × (80, 60, 60, 60, 60) = 64 each, 9 × (80, 80, 60, 60, 60) = 68 each → 2596 / 40 = 64.9.
    const sum = 31 * 320 + 9 * 340;
    expect(surveyAverageText(sum, 40)).toBe('64.9');
    expect(surveyMeets(sum, 40, 65)).toBe(false);
    expect(surveyMeets(325, 1, 65)).toBe(true);
    expect(surveyAverageText(324, 1)).toBe('64.8');
    // 3 answers averaging 64.93…: shown 64.9, not met.
    expect(surveyAverageText(974, 3)).toBe('64.9');
    expect(surveyMeets(974, 3, 65)).toBe(false);
    expect(surveyMeets(0, 0, 65)).toBeNull();
  });
});

describe('golden month: October 2026 at the desk', () => {
  const t = tempDb();
  let adminA: { id: number; email: string };
  let adminB: { id: number; email: string };
  const NOW = J('2026-11-01T00:30:00');
  const sent = (outboxId: number, at: number) => t.db.$client.prepare('UPDATE mail_outbox SET sent_at = ?, next_attempt_at = NULL WHERE id = ?').run(at, outboxId);
  const ackOutbox = (id: number) => t.db.$client.prepare('SELECT ack_outbox_id FROM support_items WHERE id = ?').pluck().get(id) as number;
  const lastStatusOutbox = (id: number) => t.db.$client.prepare("SELECT outbox_id FROM support_events WHERE item_id = ? AND kind = 'status' ORDER BY id DESC LIMIT 1").pluck().get(id) as number;
  const form = (email: string, category: 'bug' | 'question' | 'request', at: number) =>
    raiseFromForm(t.db, { email, name: '受講者 <b>', service: 'elearning', category, body: `<script>alert(1)</script> ${email}` }, { userId: null, lang: 'ja' }, at, opts);

  beforeAll(async () => {
    importInterchange(t.db, validateInterchange({ version: 1, services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning' }, sla_target_pct: 99.9 }] }));
    const a = await createUser(t.db, systemActor('test'), { email: 'a@ops.example.jp', role: 'admin', password: 'correct horse battery staple' });
    const b = await createUser(t.db, systemActor('test'), { email: 'b@ops.example.jp', role: 'admin', password: 'correct horse battery staple' });
    adminA = { id: a.id, email: 'a@ops.example.jp' };
    adminB = { id: b.id, email: 'b@ops.example.jp' };

    // 1. Form, acknowledged after 1 h 59 min. Its status mail fails for good.
    const i1 = form('one@learners.example.jp', 'bug', J('2026-10-05T10:00:00'));
    sent(ackOutbox(i1), J('2026-10-05T11:59:00'));
    changeStatus(t.db, adminB, i1, { to: 'in_progress' }, J('2026-10-05T13:00:00'), opts);
    t.db.$client.prepare('UPDATE mail_outbox SET next_attempt_at = NULL, failed_at = ? WHERE id = ?').run(J('2026-10-06T13:00:00'), lastStatusOutbox(i1));
    // 2. Form, acknowledged after 2 h 01 min.
    const i2 = form('two@learners.example.jp', 'question', J('2026-10-06T10:00:00'));
    sent(ackOutbox(i2), J('2026-10-06T12:01:00'));
    // 3. A phone call, an application: acknowledged at reception, closed and told by phone the same day.
    const i3 = raiseByAdmin(t.db, adminA, { channel: 'phone', category: 'request', service: 'elearning', name: '委託者 担当', body: 'アカウント追加の申請', receivedAt: J('2026-10-07T09:00:00') }, J('2026-10-07T09:05:00'), opts);
    changeStatus(t.db, adminA, i3, { to: 'done', reportedVia: 'phone' }, J('2026-10-07T15:00:00'), opts);
    // 4. A mail that arrived, an application: acknowledged in 30 min, reported closed after 24 h 00 min 30 s.
    const i4 = raiseByAdmin(t.db, adminA, { channel: 'mail', category: 'request', email: 'four@client.example.jp', body: '設定変更の申請', receivedAt: J('2026-10-20T09:00:00') }, J('2026-10-20T09:01:00'), opts);
    sent(ackOutbox(i4), J('2026-10-20T09:30:00'));
    changeStatus(t.db, adminA, i4, { to: 'in_progress' }, J('2026-10-20T10:00:00'), opts);
    sent(lastStatusOutbox(i4), J('2026-10-20T10:00:05'));
    changeStatus(t.db, adminA, i4, { to: 'done', note: '設定しました。' }, J('2026-10-21T09:00:00'), opts);
    sent(lastStatusOutbox(i4), J('2026-10-21T09:00:30'));
    // 5. Received at 23:30 on the 31st: not acknowledged yet, its 2 hours still running at 00:30.
    form('five@learners.example.jp', 'question', J('2026-10-31T23:30:00'));

    // Minutes: 95 + 120 + 90 = 305 in October; September's and November's do not count.
    logMinutes(t.db, adminB, i1, { minutes: 95, workedAt: J('2026-10-01T00:00:00') }, J('2026-10-05T14:00:00'));
    logMinutes(t.db, adminA, i3, { minutes: 120, workedAt: J('2026-10-07T12:00:00') }, J('2026-10-07T16:00:00'));
    logMinutes(t.db, adminA, i4, { minutes: 90, workedAt: J('2026-10-20T11:00:00') }, J('2026-10-20T12:00:00'));
    logMinutes(t.db, adminA, i4, { minutes: 60, workedAt: J('2026-09-30T23:59:00') }, J('2026-10-20T12:00:00'));
    logMinutes(t.db, adminA, i4, { minutes: 45, workedAt: J('2026-11-01T00:00:00') }, NOW);

    // Survey: 40 answers in October averaging 64.9, one in September (all 満足) outside the month.
    const answer = (choices: string[], at: number) => {
      const token = issueSurvey(t.db, { itemId: null, campaign: null, email: 'someone@learners.example.jp', lang: 'ja' }, at - 3_600_000, opts);
      const [q1, q2, q3, q4, q5] = choices as ['satisfied', 'satisfied', 'satisfied', 'satisfied', 'satisfied'];
      expect(answerSurvey(t.db, token, { q1, q2, q3, q4, q5 }, at)).toBe('answered');
    };
    for (let n = 0; n < 31; n++) answer(['mostly_satisfied', 'neutral', 'neutral', 'neutral', 'neutral'], J('2026-10-10T12:00:00') + n * MIN);
    for (let n = 0; n < 9; n++) answer(['mostly_satisfied', 'mostly_satisfied', 'neutral', 'neutral', 'neutral'], J('2026-10-11T12:00:00') + n * MIN);
    answer(['satisfied', 'satisfied', 'satisfied', 'satisfied', 'satisfied'], J('2026-09-30T23:00:00'));
  });
  afterAll(() => t.close());

  it('gives the hand-computed rows', () => {
    const json = slaJson(monthFigures({ db: t.db, config, now: NOW }, '2026-10'));
    const row = (k: string) => json.rows.find((r) => r.key === k)!;
    expect(row('support.acknowledged')).toMatchObject({ measured: '3/4 met', met: false, note: '1 pending' });
    expect(row('support.status_report')).toMatchObject({ measured: '3/4 reported', met: false });
    expect(row('support.processing')).toMatchObject({ measured: '1/2 met', met: false });
    expect(row('maintenance_support')).toMatchObject({ target: '≥ 5 h a month', measured: '5 h 5 min (305 min)', met: true });
    expect(row('support.survey')).toMatchObject({ measured: 'average 64.9 (40 answers)', met: false });
    expect(json.support).toEqual({
      items_opened: 5, items_closed: 2, open_at_end: 3, minutes: 305,
      acknowledged: { met: 3, missed: 1, pending: 1 },
      status_reports: { changes: 4, met: 3, missed: 1, pending: 0 },
      processing: { met: 1, missed: 1, pending: 0 },
      survey: { answers: 40, average: 64.9, distribution: { satisfied: 0, mostly_satisfied: 49, neutral: 151, somewhat_dissatisfied: 0, dissatisfied: 0 } },
    });
    // Only figures: no requester's address, name or text reaches the JSON.
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/learners\.example|client\.example|受講者|script|アカウント追加|設定変更/);
  });

  it('the item figures carry the timers per item', () => {
    const f = monthFigures({ db: t.db, config, now: NOW }, '2026-10').support;
    expect(f.items.map((i) => [i.channel, i.ack, i.processing])).toEqual([
      ['form', 'met', null], ['form', 'missed', null], ['phone', 'met', 'met'], ['mail', 'met', 'missed'], ['form', 'pending', null],
    ]);
    // An hour later, the fifth item's 2 hours have passed with no acknowledgement.
    const later = monthFigures({ db: t.db, config, now: J('2026-11-01T01:31:00') }, '2026-10').support;
    expect(later.ack).toEqual({ met: 3, missed: 2, pending: 0 });
  });

  it('refuses bad input and writes nothing', () => {
    const count = () => t.db.$client.prepare('SELECT (SELECT count(*) FROM support_items) + (SELECT count(*) FROM mail_outbox) + (SELECT count(*) FROM support_events)').pluck().get();
    const before = count();
    expect(() => raiseFromForm(t.db, { email: 'x@example.jp', service: 'elearning', category: 'complaint' as 'bug', body: 'x' }, { userId: null, lang: 'ja' }, NOW, opts)).toThrow(/category/);
    expect(() => raiseFromForm(t.db, { email: 'not-an-address', service: 'elearning', category: 'bug', body: 'x' }, { userId: null, lang: 'ja' }, NOW, opts)).toThrow(/email/);
    expect(() => raiseFromForm(t.db, { email: 'x@example.jp', service: 'nope', category: 'bug', body: 'x' }, { userId: null, lang: 'ja' }, NOW, opts)).toThrow(/service/);
    expect(() => raiseFromForm(t.db, { email: 'x@example.jp', service: 'elearning', category: 'bug', body: 'x'.repeat(4001) }, { userId: null, lang: 'ja' }, NOW, opts)).toThrow(/body/);
    expect(() => raiseByAdmin(t.db, adminA, { channel: 'mail', category: 'bug', body: 'x', receivedAt: NOW }, NOW, opts)).toThrow(/email/);
    const phone = t.db.$client.prepare("SELECT id FROM support_items WHERE channel = 'phone'").pluck().get() as number;
    // A closed item cannot go to 協議中; a change with no address needs the call recorded.
    expect(() => changeStatus(t.db, adminA, phone, { to: 'consulting' }, NOW, opts)).toThrow(/cannot go/);
    expect(() => changeStatus(t.db, adminA, phone, { to: 'in_progress' }, NOW, opts)).toThrow(/reportedVia/);
    expect(() => logMinutes(t.db, adminA, phone, { minutes: 0, workedAt: NOW }, NOW)).toThrow(/minutes/);
    expect(count()).toBe(before);
  });

  it('one acknowledgement per item, and a survey link works once, then is refused; an old one has expired', () => {
    const acks = t.db.$client.prepare("SELECT count(*) FROM mail_outbox WHERE kind = 'support_ack'").pluck().get();
    expect(acks).toBe(4); // forms 1, 2, 5 and the mail item 4; the phone item is acknowledged at reception
    const token = issueSurvey(t.db, { itemId: null, campaign: null, email: 'once@learners.example.jp', lang: 'en' }, NOW, opts);
    expect(readSurvey(t.db, token, NOW + 1000)).toMatchObject({ state: 'open', lang: 'en' });
    const all = { q1: 'satisfied', q2: 'satisfied', q3: 'satisfied', q4: 'satisfied', q5: 'satisfied' } as const;
    expect(answerSurvey(t.db, token, all, NOW + 2000)).toBe('answered');
    expect(answerSurvey(t.db, token, all, NOW + 3000)).toBe('used');
    expect(readSurvey(t.db, token, NOW + 3000).state).toBe('used');
    const old = issueSurvey(t.db, { itemId: null, campaign: null, email: 'late@learners.example.jp', lang: 'ja' }, NOW, opts);
    expect(answerSurvey(t.db, old, all, NOW + 31 * 86_400_000)).toBe('expired');
    expect(readSurvey(t.db, 'x'.repeat(32), NOW).state).toBe('invalid');
  });

  it('`npm run support:export` gives the month\'s items without personal data unless asked, and records when it was asked', async () => {
    const env = { DATABASE_PATH: t.path, LOG_LEVEL: 'error' };
    const audited = () => t.db.$client.prepare("SELECT count(*) FROM audit_log WHERE action = 'support.export_personal_data'").pluck().get();
    const plain = await runScript('scripts/support-export.ts', ['--month', '2026-10'], env);
    expect(plain.status, plain.stderr).toBe(0);
    const lines = plain.stdout.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('number,channel,category,status,service,received_at,acknowledged_at,closed_at,acknowledgement,processing,minutes_in_month');
    expect(lines[1]).toBe('#1,form,bug,in_progress,elearning,2026-10-05T10:00:00+09:00,2026-10-05T11:59:00+09:00,,met,,95');
    expect(lines).toHaveLength(6);
    expect(plain.stdout).not.toMatch(/learners\.example|client\.example|受講者|script|アカウント追加/);
    expect(audited()).toBe(0);
    const full = await runScript('scripts/support-export.ts', ['--month', '2026-10', '--with-personal-data'], env);
    expect(full.status, full.stderr).toBe(0);
    expect(full.stdout).toContain('one@learners.example.jp,受講者 <b>,<script>alert(1)</script> one@learners.example.jp');
    expect(audited()).toBe(1);
    const bad = await runScript('scripts/support-export.ts', ['--month', '2026-13'], env);
    expect(bad.status).toBe(2);
  });

  it('closing an item with an address sends its survey; the yearly campaign asks every recent requester once', () => {
    const invitations = (email: string) => t.db.$client.prepare('SELECT count(*) FROM survey_invitations WHERE email = ?').pluck().get(email);
    expect(invitations('four@client.example.jp')).toBe(1);
    const first = startSurveyCampaign(t.db, adminA, J('2026-11-02T09:00:00'), opts);
    expect(first).toEqual({ campaign: '2026', sent: 1 });
    expect(invitations('four@client.example.jp')).toBe(2);
    expect(startSurveyCampaign(t.db, adminA, J('2026-11-03T09:00:00'), opts).sent).toBe(0);
  });
});

describe('the report\'s support section is what `npm run sla -- --json` gives', () => {
  it('in the PDF issued by `npm run report`, for the golden month', async () => {
    const t = tempDb();
    try {
      importInterchange(t.db, validateInterchange({ version: 1, services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning' }, sla_target_pct: 99.9 }] }));
      const a = await createUser(t.db, systemActor('test'), { email: 'a@ops.example.jp', role: 'admin', password: 'correct horse battery staple' });
      const admin = { id: a.id, email: 'a@ops.example.jp' };
      const i1 = raiseFromForm(t.db, { email: 'one@learners.example.jp', name: '<script>x</script>', service: 'elearning', category: 'bug', body: 'ひみつの本文' }, { userId: null, lang: 'ja' }, J('2026-10-05T10:00:00'), opts);
      t.db.$client.prepare('UPDATE mail_outbox SET sent_at = ?, next_attempt_at = NULL WHERE id = (SELECT ack_outbox_id FROM support_items WHERE id = ?)').run(J('2026-10-05T11:59:00'), i1);
      const i2 = raiseByAdmin(t.db, admin, { channel: 'phone', category: 'request', service: 'elearning', body: '申請の本文', receivedAt: J('2026-10-07T09:00:00') }, J('2026-10-07T09:01:00'), opts);
      changeStatus(t.db, admin, i2, { to: 'done', reportedVia: 'phone' }, J('2026-10-07T15:00:00'), opts);
      logMinutes(t.db, admin, i2, { minutes: 330, workedAt: J('2026-10-07T12:00:00') }, J('2026-10-07T16:00:00'));
      const token = issueSurvey(t.db, { itemId: null, campaign: null, email: 's@learners.example.jp', lang: 'ja' }, J('2026-10-08T09:00:00'), opts);
      answerSurvey(t.db, token, { q1: 'satisfied', q2: 'satisfied', q3: 'mostly_satisfied', q4: 'neutral', q5: 'satisfied' }, J('2026-10-08T10:00:00'));

      const env = { DATABASE_PATH: t.path, LOG_LEVEL: 'error' };
      const sla = await runScript('scripts/sla.ts', ['--month', '2026-10', '--json'], env);
      expect(sla.status).toBe(0);
      const s = (JSON.parse(sla.stdout) as { support: SupportJson }).support;
      expect(s).toMatchObject({ items_opened: 2, items_closed: 1, open_at_end: 1, minutes: 330, acknowledged: { met: 2, missed: 0, pending: 0 }, survey: { answers: 1, average: 88 } });
      const out = join(t.dir, 'report.pdf');
      const r = await runScript('scripts/report.ts', ['--month', '2026-10', '--out', out], env);
      expect(r.status, r.stderr).toBe(0);
      const text = spawnSync('pdftotext', ['-enc', 'UTF-8', '-layout', out, '-'], { encoding: 'utf8' }).stdout;
      const section = text.slice(text.lastIndexOf('12. 問合せ・作業実績'), text.lastIndexOf('13. 付録'));
      // pdftotext keeps or drops the spaces between cells and inside them as it likes.
      const squash = (x: string) => x.replace(/\s+/g, '');
      expect(squash(section)).toContain(squash(`${s.items_opened} 件 ${s.items_closed} 件 ${s.open_at_end} 件 ${s.acknowledged.met}/${s.acknowledged.met + s.acknowledged.missed} 件`));
      expect(squash(section)).toContain(`（${s.minutes}分）`);
      expect(squash(section)).toContain(`満足度調査回答満足ほぼ満足普通やや不満不満平均点${s.survey.answers}件31100${s.survey.average}.0点`);
      // Figures and item numbers only: no requester's name, address or text.
      expect(text).not.toMatch(/learners\.example|script|ひみつ|申請の本文/);
    } finally {
      t.close();
    }
  });
});
