import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import type { Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { scheduleStop, editStop, transitionStop, autoAdvanceStops, getStop, currentWarnings, ruleOptionsOf } from '../../src/lib/maintenance/verbs';
import { announceStop } from '../../src/lib/maintenance/announce';
import { remindUpcomingMaintenances } from '../../src/lib/subscriptions/notify';
import { monthFigures } from '../../src/lib/sla/month';
import { parseConfig } from '../../src/lib/config';
import { systemActor } from '../../src/lib/audit';
import { dashboardData } from '../../src/lib/monitors/dashboard';

const admin = { id: 1, email: 'admin@example.jp' };
const H = 3_600_000;
const DAY = 24 * H;
const config = parseConfig({ client: { contacts: ['client@example.jp', 'client2@example.jp'] } });
const mail = { baseUrl: 'http://status.example.jp', config };
let t: ReturnType<typeof tempDb>;
let db: Db;

beforeEach(() => {
  t = tempDb();
  db = t.db;
  importInterchange(db, validateInterchange({
    version: 1,
    services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム' }, sla_target_pct: 99.9 }, { slug: 'web', name: { ja: '広報啓発WEBサイト' }, sla_target_pct: 99.9 }],
    monitors: [{ slug: 'lms', service: 'elearning', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 60, confirm: 2, counts_for_availability: true }],
  }));
  const sub = db.$client.prepare(`INSERT INTO subscribers (email, lang, incidents, maintenances, all_services, confirmed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0)`);
  sub.run('all@example.jp', 'ja', 1, 1, 1, 1); // confirmed, every service
  sub.run('en@example.jp', 'en', 0, 1, 1, 1); // confirmed, English, planned stops only
  sub.run('incidents-only@example.jp', 'ja', 1, 0, 1, 1); // does not want planned stops
  sub.run('pending@example.jp', 'ja', 1, 1, 1, null); // never confirmed
  const webOnly = sub.run('web@example.jp', 'ja', 1, 1, 0, 1).lastInsertRowid;
  db.$client.prepare('INSERT INTO subscriber_services (subscriber_id, service_id) VALUES (?, 2)').run(webOnly);
});
afterEach(() => t.close());

interface Mail { kind: string; to: string; subject: string; text: string }
const outbox = (): Mail[] => db.$client.prepare('SELECT kind, to_addr AS "to", subject, text FROM mail_outbox ORDER BY id').all() as Mail[];
const addresses = (kind: string) => outbox().filter((m) => m.kind === kind).map((m) => m.to).sort();

// 2026-12-21 is a Monday; 19:00 JST is 10:00 UTC. Saved 17 days ahead.
const start = Date.UTC(2026, 11, 21, 10, 0);
const saved = start - 17 * DAY;
const input = { category: 'inspection' as const, titleJa: '定期点検', titleEn: 'Inspection', bodyJa: '', bodyEn: '', serviceIds: [1], scheduledStart: start, scheduledEnd: start + 2 * H, clientApprovedAt: null, holdOpen: false };

describe('announcing a planned stop', () => {
  it('mails the client and each subscriber who wants it once, and its sending is the notice time', () => {
    const r = scheduleStop(db, admin, input, false, saved, { ...ruleOptionsOf(config), mail, announce: true });
    if (!r.saved) throw new Error('not saved');
    expect(r.stop.announcedAt).toBe(saved);
    expect(addresses('client_notice.maintenance_announced')).toEqual(['client2@example.jp', 'client@example.jp']);
    const client = outbox().find((m) => m.kind === 'client_notice.maintenance_announced')!;
    expect(client.subject).toBe('【計画停止予定通知】定期点検');
    expect(client.text).toContain('予定日時: 2026-12-21 19:00 (JST) 〜 2026-12-21 21:00 (JST)');
    // The subscribers of e-learning who chose planned stops and confirmed; not the web-only, the unconfirmed or the incidents-only ones.
    expect(addresses('subscriber_notice')).toEqual(['all@example.jp', 'en@example.jp']);
    const ja = outbox().find((m) => m.to === 'all@example.jp')!;
    expect(ja.subject).toContain('計画停止のお知らせ: 定期点検 (2026-12-21 (月) 19:00 – 21:00 JST)');
    expect(outbox().find((m) => m.to === 'en@example.jp')!.subject).toContain('Planned maintenance: Inspection (2026-12-21 (Mon) 19:00 – 21:00 JST)');
    // Announcing again sends nothing more.
    expect(announceStop(db, admin, getStop(db, r.stop.id)!, mail, saved + H)).toEqual({ client: false, subscribers: 0 });
    expect(outbox()).toHaveLength(4);
    // The notice row counts 17 days.
    const f = monthFigures({ db, config, now: start + 3 * H }, '2026-12');
    expect(f.stops[0]).toMatchObject({ noticeDays: 17, noticeMet: true, announcedAt: saved });
  });

  it('a stop saved without announcing is not announced; the notice counts from when it is sent', () => {
    const r = scheduleStop(db, admin, input, false, saved, { ...ruleOptionsOf(config), mail, announce: false });
    if (!r.saved) throw new Error('not saved');
    expect(r.stop.announcedAt).toBeNull();
    expect(outbox()).toEqual([]);
    expect(dashboardData(db, saved).nextStop).toMatchObject({ id: r.stop.id, announced: false });
    expect(monthFigures({ db, config, now: start - DAY }, '2026-12').stops[0]).toMatchObject({ noticeDays: null, noticeMet: false });
    // Saved 17 days ahead, announced only 10 days ahead: the notice is 10 days, the rule broken.
    expect(currentWarnings(db, getStop(db, r.stop.id)!, ruleOptionsOf(config), start - 10 * DAY)).toEqual(['notice']);
    announceStop(db, admin, getStop(db, r.stop.id)!, mail, start - 10 * DAY);
    expect(getStop(db, r.stop.id)!.announcedAt).toBe(start - 10 * DAY);
    expect(dashboardData(db, start - 10 * DAY).nextStop).toMatchObject({ id: r.stop.id, announced: true });
    expect(monthFigures({ db, config, now: start + 3 * H }, '2026-12').stops[0]).toMatchObject({ noticeDays: 10, noticeMet: false });
  });

  it('sends no reminder of a stop nobody was told of; once announced, the reminder goes', () => {
    const r = scheduleStop(db, admin, input, false, saved, { ...ruleOptionsOf(config), mail, announce: false });
    if (!r.saved) throw new Error('not saved');
    expect(remindUpcomingMaintenances(db, 24 * H, { ...mail, now: start - 2 * H })).toBe(0);
    expect(outbox()).toEqual([]);
    announceStop(db, admin, getStop(db, r.stop.id)!, mail, start - 3 * H);
    const announced = addresses('subscriber_notice').length;
    expect(remindUpcomingMaintenances(db, 24 * H, { ...mail, now: start - 2 * H })).toBe(2);
    expect(addresses('subscriber_notice')).toHaveLength(announced + 2);
  });

  it('tells a change of time, the reminder, the start and the end, each once', () => {
    const r = scheduleStop(db, admin, input, false, saved, { ...ruleOptionsOf(config), mail, announce: true });
    if (!r.saved) throw new Error('not saved');
    // Moved an hour later, inside no announced window: a new notice, and the notice counts from it.
    const later = { ...input, scheduledStart: start + H, scheduledEnd: start + 3 * H };
    expect(editStop(db, admin, r.stop.id, later, false, saved + DAY, { ...ruleOptionsOf(config), mail }).saved).toBe(true);
    editStop(db, admin, r.stop.id, later, false, saved + DAY + H, { ...ruleOptionsOf(config), mail });
    expect(addresses('client_notice.maintenance_changed')).toEqual(['client2@example.jp', 'client@example.jp']);
    expect(outbox().filter((m) => m.kind === 'subscriber_notice' && m.subject.includes('計画停止の日時変更'))).toHaveLength(1);
    expect(outbox().find((m) => m.kind === 'client_notice.maintenance_changed')!.text).toContain('変更前の予定日時: 2026-12-21 19:00 (JST)');
    expect(getStop(db, r.stop.id)!.announcedAt).toBe(saved + DAY);
    // Shortened inside the announced window: covered by the notice, which keeps its time.
    editStop(db, admin, r.stop.id, { ...later, scheduledEnd: start + 2 * H }, false, saved + 2 * DAY, { ...ruleOptionsOf(config), mail });
    expect(getStop(db, r.stop.id)!.announcedAt).toBe(saved + DAY);

    const before = outbox().length;
    const remind = remindUpcomingMaintenances(db, 24 * H, { ...mail, now: start });
    expect(remind).toBe(2);
    // The reminder names the stop and its time.
    expect(outbox().slice(before).filter((m) => m.subject.endsWith('まもなく計画停止: 定期点検 (2026-12-21 (月) 20:00 – 21:00 JST)'))).toHaveLength(1);
    const job = systemActor('maintenance-auto');
    autoAdvanceStops(db, job, start + 3 * H, mail);
    autoAdvanceStops(db, job, start + 3 * H + 60_000, mail);
    expect(addresses('client_notice.maintenance_started')).toHaveLength(2);
    expect(addresses('client_notice.maintenance_finished')).toHaveLength(2);
    expect(outbox().filter((m) => m.kind === 'subscriber_notice' && m.subject.includes('計画停止を開始'))).toHaveLength(1);
    expect(outbox().filter((m) => m.kind === 'subscriber_notice' && m.subject.includes('計画停止を終了'))).toHaveLength(1);
  });

  it('tells a cancellation to those who were told, and nothing to anyone of a stop never announced', () => {
    const quiet = scheduleStop(db, admin, { ...input, category: 'security' }, false, saved, { ...ruleOptionsOf(config), mail, announce: false });
    if (!quiet.saved) throw new Error('not saved');
    transitionStop(db, admin, quiet.stop.id, 'cancel', saved + H, saved + H, mail);
    expect(outbox()).toEqual([]);
    const told = scheduleStop(db, admin, input, false, saved, { ...ruleOptionsOf(config), mail, announce: true });
    if (!told.saved) throw new Error('not saved');
    transitionStop(db, admin, told.stop.id, 'cancel', saved + 2 * H, saved + 2 * H, mail);
    expect(addresses('client_notice.maintenance_cancelled')).toHaveLength(2);
    expect(outbox().filter((m) => m.kind === 'subscriber_notice' && m.subject.includes('計画停止の中止')).map((m) => m.to).sort()).toEqual(['all@example.jp']);
    expect(outbox().filter((m) => m.kind === 'subscriber_notice' && m.subject.includes('Maintenance cancelled')).map((m) => m.to)).toEqual(['en@example.jp']);
  });
});
