import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Db } from '../../src/lib/db';
import type { RunningSite } from '../helpers/site';
import { signInCookie, formPoster, startSiteWithConfig, ADMIN } from './admin-fixture';

/**
 * The contract's notices to the client are actions: a button queues the mail to the
 * configured contacts in the outbox and stamps the notice's time (so 第一報 and 発生通知
 * stop counting); a published update ticked "also notify the client" counts as the notice
 * now due. A refused notice (no recovery yet, no words for the ETA) queues and stamps nothing.
 */
describe('notices to the client from the incident page', () => {
  const CONTACTS = ['tantou@city.example.lg.jp', 'kakaricho@city.example.lg.jp'];
  let ctx: Awaited<ReturnType<typeof startSiteWithConfig>>;
  let site: RunningSite;
  let db: Db;
  let post: ReturnType<typeof formPoster>;
  let cookie = '';

  beforeAll(async () => {
    ctx = await startSiteWithConfig({ version: 1, services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム', en: 'E-learning system' }, sla_target_pct: 99.9 }] },
      { client: { contacts: CONTACTS } }, [{ ...ADMIN, role: 'admin' }]);
    ({ site, db } = ctx);
    cookie = await signInCookie(site.url, ADMIN);
    post = formPoster(site.url, cookie);
  }, 90_000);
  afterAll(async () => {
    await ctx?.stop();
  });

  const outbox = () => db.$client.prepare('SELECT kind, to_addr AS toAddr, subject, text FROM mail_outbox ORDER BY id').all() as Array<{ kind: string; toAddr: string; subject: string; text: string }>;
  const row = (id: number) => db.$client.prepare('SELECT client_notified_at AS first, eta_notified_at AS eta, recovery_notified_at AS recovery FROM incidents WHERE id = ?').get(id) as { first: number | null; eta: number | null; recovery: number | null };

  it('sends each notice to every contact through the outbox and stamps its time', async () => {
    const created = await post('/admin/incidents/quick', { serviceId: '1', impact: 'major_outage', titleJa: '', bodyJa: '現在、障害が発生しています。' });
    expect(created.status).toBe(303);
    const id = Number(/\/admin\/incidents\/(\d+)/.exec(created.headers.get('location')!)![1]);
    const page = await (await fetch(`${site.url}/admin/incidents/${id}`, { headers: { cookie } })).text();
    expect(page).toContain('委託者への通知');
    expect(page).toContain('tantou@city.example.lg.jp');
    expect(page).toContain('「第一報を送る」');

    // Refused: the recovery notice before recovery, the ETA without its words. Nothing queued, nothing stamped.
    const early = await post(`/admin/incidents/${id}`, { action: 'notice', kind: 'recovery', note: '' });
    expect(early.status).toBe(400);
    expect(await early.text()).toContain('先に復旧日時を入力してください。');
    const noEta = await post(`/admin/incidents/${id}`, { action: 'notice', kind: 'eta', note: '' });
    expect(noEta.status).toBe(400);
    expect(await noEta.text()).toMatch(/data-error-for="note">入力してください。/);
    expect(outbox()).toEqual([]);
    expect(row(id)).toEqual({ first: null, eta: null, recovery: null });

    const before = Date.now();
    expect((await post(`/admin/incidents/${id}`, { action: 'notice', kind: 'first_report', note: '詳細は調査中です。' })).status).toBe(303);
    const first = outbox();
    expect(first.map((m) => m.toAddr).sort()).toEqual([...CONTACTS].sort());
    expect(first.every((m) => m.kind === 'client_notice.first_report' && m.subject.startsWith('【障害発生のご連絡（第一報）】'))).toBe(true);
    expect(first[0]!.text).toContain('詳細は調査中です。');
    expect(row(id).first).toBeGreaterThanOrEqual(before);
    const after = await (await fetch(`${site.url}/admin/incidents/${id}`, { headers: { cookie } })).text();
    expect(after).toMatch(/data-timer="client_notified"[\s\S]*?達成/);
    expect(after).toMatch(/data-timer="first_report"[\s\S]*?達成/);

    expect((await post(`/admin/incidents/${id}`, { action: 'notice', kind: 'eta', note: '本日18時頃の復旧を見込んでいます。' })).status).toBe(303);
    expect(row(id).eta).not.toBeNull();
    expect(outbox().filter((m) => m.kind === 'client_notice.eta')).toHaveLength(2);

    // Recovery recorded, then a published update ticked "also notify the client" is the recovery notice.
    expect((await post(`/admin/incidents/${id}`, { action: 'resolve', resolveBodyJa: '復旧しました。', resolvePublished: 'on' })).status).toBe(303);
    expect((await post(`/admin/incidents/${id}`, { action: 'update', status: 'resolved', bodyJa: '原因はディスクの故障でした。', published: 'on', notifyClient: 'on' })).status).toBe(303);
    expect(row(id).recovery).not.toBeNull();
    const recovery = outbox().filter((m) => m.kind === 'client_notice.recovery');
    expect(recovery).toHaveLength(2);
    expect(recovery[0]!.text).toContain('原因はディスクの故障でした。');
    const audit = db.$client.prepare("SELECT count(*) FROM audit_log WHERE action = 'incident.client_notice'").pluck().get();
    expect(audit).toBe(3);
  });

  it('a refused resolve keeps what was typed', async () => {
    const created = await post('/admin/incidents/quick', { serviceId: '1', impact: 'partial_outage', titleJa: '', bodyJa: '一部の機能が使えません。' });
    const id = Number(/\/admin\/incidents\/(\d+)/.exec(created.headers.get('location')!)![1]);
    const res = await post(`/admin/incidents/${id}`, { action: 'resolve', resolveBodyJa: '   ', resolveBodyEn: 'Recovered, thanks' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('>Recovered, thanks</textarea>');
    expect(html).toContain('data-error-for="resolveBodyJa">入力してください。');
  });
});
