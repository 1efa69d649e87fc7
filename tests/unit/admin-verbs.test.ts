import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import type { Db } from '../../src/lib/db';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { createIncident, setIncidentTime, getIncident, addIncidentUpdate, dismissDraft, mergeDraft } from '../../src/lib/incidents/verbs';
import { timersOf } from '../../src/lib/incidents/timers';
import { acknowledgeAlarmAndRecord } from '../../src/lib/incidents/acknowledge';
import { scheduleStop, autoAdvanceStops, getStop, transitionStop } from '../../src/lib/maintenance/verbs';
import { listAudit, systemActor } from '../../src/lib/audit';
import { AppError } from '../../src/lib/errors';

const admin = { id: 1, email: 'admin@example.jp' };
const H = 3_600_000;
let t: ReturnType<typeof tempDb>;
let db: Db;

beforeEach(() => {
  t = tempDb();
  db = t.db;
  importInterchange(db, validateInterchange({
    version: 1,
    services: [{ slug: 'elearning', name: { ja: 'eラーニング' }, sla_target_pct: 99.9 }],
    monitors: [{ slug: 'web', service: 'elearning', type: 'http', target: 'http://127.0.0.1:9/', interval_s: 60, confirm: 2, counts_for_availability: true }],
  }));
});
afterEach(() => t.close());

const base = { kind: 'failure' as const, severity: 'major' as const, titleJa: '障害', titleEn: '', services: [{ serviceId: 1, impact: 'major_outage' as const }], cause: '', fix: '', prevention: '', causeKnown: null, forceMajeure: false, forceMajeureReason: '', firstUpdate: null };

describe('incident verbs', () => {
  it('records times, judges timers, and audits each change', () => {
    const now = Date.UTC(2026, 9, 1, 0, 0);
    const i = createIncident(db, admin, { ...base, startedAt: now - 2 * H }, now);
    expect(i.key).toBe(`20261001-${i.id}`);
    setIncidentTime(db, admin, i.id, 'awareAt', now - H, now);
    setIncidentTime(db, admin, i.id, 'clientNotifiedAt', now, now);
    const timers = timersOf(getIncident(db, i.id)!, now);
    expect(timers.find((x) => x.key === 'client_notified')!.state).toBe('met');
    expect(timers.find((x) => x.key === 'recovery')).toMatchObject({ state: 'pending', deadline: now - H + 4 * H });
    expect(listAudit(db).map((e) => e.action)).toEqual(['incident.set_time', 'incident.set_time', 'incident.create']);
  });

  it('refuses times before the start or in the future, and writes nothing', () => {
    const now = Date.UTC(2026, 9, 1);
    const i = createIncident(db, admin, { ...base, startedAt: now - H }, now);
    expect(() => setIncidentTime(db, admin, i.id, 'awareAt', now - 2 * H, now)).toThrow(AppError);
    expect(() => setIncidentTime(db, admin, i.id, 'recoveredAt', now + H, now)).toThrow(/in_future/);
    expect(() => createIncident(db, admin, { ...base, forceMajeure: true, startedAt: now }, now)).toThrow(/required_with_force_majeure/);
    expect(getIncident(db, i.id)!.awareAt).toBe(now);
    expect(listAudit(db)).toHaveLength(1);
  });

  it('calls the notifier only for published updates, after the commit', async () => {
    const now = Date.UTC(2026, 9, 1);
    const i = createIncident(db, admin, { ...base, startedAt: now }, now);
    const told: number[] = [];
    const notify = { onPublished: (_: number, u: number) => { told.push(u); } };
    const internal = await addIncidentUpdate(db, admin, i.id, { status: 'investigating', bodyJa: '内部メモ', bodyEn: '', published: false }, now, notify);
    const pub = await addIncidentUpdate(db, admin, i.id, { status: 'identified', bodyJa: '<b>原因</b>を特定', bodyEn: '', published: true }, now, notify);
    expect(told).toEqual([pub]);
    expect(told).not.toContain(internal);
    expect(getIncident(db, i.id)!.updates.find((u) => u.id === pub)!.bodyJa).toBe('<b>原因</b>を特定');
  });

  it('acknowledging an alarm records awareness on its incident where none is set', () => {
    const now = Date.UTC(2026, 9, 1);
    const draft = db.$client.prepare("INSERT INTO incidents (key, kind, severity, title_ja, started_at, draft, created_at, updated_at) VALUES ('d1', 'failure', 'major', '検知', ?, 1, ?, ?)").run(now - H, now, now).lastInsertRowid;
    const alarm = db.$client.prepare("INSERT INTO alarms (monitor_id, kind, code, severity, message, started_at, detected_at, incident_id) VALUES (1, 'outage', 'down', 'critical', 'down', ?, ?, ?)").run(now - H, now - H + 60_000, draft).lastInsertRowid;
    const r = acknowledgeAlarmAndRecord(db, admin, Number(alarm), now);
    expect(r).toMatchObject({ setAware: true });
    expect(getIncident(db, Number(draft))!.awareAt).toBe(now);
    // A second acknowledgement changes nothing.
    expect(acknowledgeAlarmAndRecord(db, admin, Number(alarm), now + H)).toMatchObject({ setAware: false, setDetected: false });
    expect(getIncident(db, Number(draft))!.awareAt).toBe(now);
  });

  it('dismisses or merges drafts, never both', () => {
    const now = Date.UTC(2026, 9, 1);
    const real = createIncident(db, admin, { ...base, startedAt: now - H }, now);
    const mk = (k: string) => Number(db.$client.prepare("INSERT INTO incidents (key, kind, severity, title_ja, started_at, draft, created_at, updated_at) VALUES (?, 'failure', 'minor', '候補', ?, 1, ?, ?)").run(k, now - 2 * H, now, now).lastInsertRowid);
    const a = mk('a');
    const b = mk('b');
    dismissDraft(db, admin, a, '監視側のネットワーク障害', now);
    expect(() => mergeDraft(db, admin, a, real.id, now)).toThrow(/not an open draft/);
    const merged = mergeDraft(db, admin, b, real.id, now);
    expect(merged.startedAt).toBe(now - 2 * H);
    expect(getIncident(db, b)!.mergedIntoId).toBe(real.id);
  });
});

describe('planned stops', () => {
  // The notice is measured from when the stop is announced: here, the `now` each save is given.
  const stop = (start: number, category: 'inspection' | 'security' = 'inspection') => ({
    category, titleJa: '点検', titleEn: '', bodyJa: '', bodyEn: '', serviceIds: [1],
    scheduledStart: start, scheduledEnd: start + 2 * H, clientApprovedAt: null, holdOpen: false,
  });
  // 2026-10-07 is a Wednesday; 19:00 JST is 10:00 UTC.
  const start = Date.UTC(2026, 9, 7, 10, 0);

  it('asks for confirmation when the notice, the window or the month\'s count of regular stops is broken, and records them', () => {
    const late = scheduleStop(db, admin, stop(start), false, start - 3 * 24 * H);
    expect(late).toEqual({ saved: false, warnings: ['notice'] });
    const daytime = scheduleStop(db, admin, stop(start - 6 * H), false, start - 30 * 24 * H);
    expect(daytime).toEqual({ saved: false, warnings: ['window'] });
    expect(db.$client.prepare('SELECT count(*) AS n FROM maintenances').get()).toEqual({ n: 0 });
    const ok = scheduleStop(db, admin, stop(start), true, start - 3 * 24 * H);
    expect(ok.saved && ok.stop.ruleWarnings).toEqual(['notice']);
    expect(ok.saved && ok.stop.warningsConfirmedAt).toBe(start - 3 * 24 * H);
    // A second regular stop in October: the one already saved counts.
    const second = scheduleStop(db, admin, stop(start + 7 * 24 * H), false, start - 30 * 24 * H);
    expect(second).toEqual({ saved: false, warnings: ['frequency'] });
    const adHoc = scheduleStop(db, admin, stop(start + 7 * 24 * H, 'security'), false, start - 30 * 24 * H);
    expect(adHoc.saved && adHoc.warnings).toEqual([]);
    const november = scheduleStop(db, admin, stop(start + 28 * 24 * H), false, start - 30 * 24 * H);
    expect(november.saved && november.warnings).toEqual([]);
  });

  it('starts and finishes on its own at its times, unless held open', () => {
    const a = scheduleStop(db, admin, stop(start), false, start - 20 * 24 * H);
    const b = scheduleStop(db, admin, { ...stop(start + 24 * H, 'security'), holdOpen: true }, false, start - 20 * 24 * H);
    if (!a.saved || !b.saved) throw new Error('not saved');
    const job = systemActor('maintenance-auto');
    expect(autoAdvanceStops(db, job, start - 1)).toEqual({ started: [], finished: [] });
    expect(autoAdvanceStops(db, job, start + 1)).toEqual({ started: [a.stop.id], finished: [] });
    expect(getStop(db, a.stop.id)).toMatchObject({ status: 'in_progress', actualStart: start });
    expect(autoAdvanceStops(db, job, start + 2 * H + 5)).toEqual({ started: [], finished: [a.stop.id] });
    expect(getStop(db, a.stop.id)).toMatchObject({ status: 'completed', actualEnd: start + 2 * H });
    autoAdvanceStops(db, job, start + 30 * H);
    expect(getStop(db, b.stop.id)!.status).toBe('in_progress');
    transitionStop(db, admin, b.stop.id, 'finish', start + 31 * H);
    expect(getStop(db, b.stop.id)).toMatchObject({ status: 'completed', actualEnd: start + 31 * H });
    expect(() => transitionStop(db, admin, b.stop.id, 'cancel', start + 32 * H)).toThrow(/completed/);
  });
});
