import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { tempDb } from '../helpers/temp';
import { importInterchange } from '../../src/lib/interchange/import';
import { parseConfig } from '../../src/lib/config';
import { statuspageAnswer, apiEndpoints, type ApiContext } from '../../src/lib/status/statuspage';
import { pageFixture } from './page-fixture';

/**
 * The field lists of Atlassian Statuspage's public API v2, as its documentation and
 * real answers (githubstatus.com and others) give them. Clients read these names.
 */
const PAGE = ['id', 'name', 'url', 'time_zone', 'updated_at'];
const STATUS = ['indicator', 'description'];
const COMPONENT = ['id', 'name', 'status', 'created_at', 'updated_at', 'position', 'description', 'showcase', 'start_date', 'group_id', 'page_id', 'group', 'only_show_if_degraded'];
const INCIDENT = ['id', 'name', 'status', 'created_at', 'updated_at', 'monitoring_at', 'resolved_at', 'impact', 'shortlink', 'started_at', 'page_id', 'incident_updates', 'components'];
const UPDATE = ['id', 'status', 'body', 'incident_id', 'created_at', 'updated_at', 'display_at', 'affected_components', 'deliver_notifications', 'custom_tweet', 'tweet_id'];
const MAINTENANCE = [...INCIDENT, 'scheduled_for', 'scheduled_until'];
const COMPONENT_STATUSES = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'];
const INDICATORS = ['none', 'minor', 'major', 'critical', 'maintenance'];
const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'];
const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/;

const sorted = (o: object) => Object.keys(o).sort();

describe('Statuspage v2 answers', () => {
  let t: ReturnType<typeof tempDb>;
  let ctx: ApiContext;
  beforeAll(() => {
    t = tempDb();
    const now = Date.now();
    importInterchange(t.db, pageFixture(now));
    ctx = { db: t.db, config: parseConfig({}), now, lang: 'ja', baseUrl: 'https://status.example.jp' };
  });
  afterAll(() => t.close());

  it('summary has exactly the documented top-level keys and field lists', () => {
    const s = statuspageAnswer(ctx, 'summary') as Record<string, any>;
    expect(sorted(s)).toEqual(['components', 'incidents', 'page', 'scheduled_maintenances', 'status']);
    expect(sorted(s.page)).toEqual([...PAGE].sort());
    expect(sorted(s.status)).toEqual([...STATUS].sort());
    for (const c of s.components) expect(sorted(c)).toEqual([...COMPONENT].sort());
    for (const i of s.incidents) {
      expect(sorted(i)).toEqual([...INCIDENT].sort());
      for (const u of i.incident_updates) expect(sorted(u)).toEqual([...UPDATE].sort());
    }
    for (const m of s.scheduled_maintenances) expect(sorted(m)).toEqual([...MAINTENANCE].sort());
  });

  it('uses Statuspage values: statuses, indicator, impact, times with the zone', () => {
    const s = statuspageAnswer(ctx, 'summary') as Record<string, any>;
    expect(s.page.time_zone).toBe('Asia/Tokyo');
    expect(s.page.url).toBe('https://status.example.jp/');
    expect(s.page.updated_at).toMatch(ISO);
    expect(s.page.updated_at.endsWith('+09:00')).toBe(true);
    expect(INDICATORS).toContain(s.status.indicator);
    expect(s.status.indicator).toBe('critical');
    const learn = s.components.find((c: any) => c.id === 'learn');
    expect(learn).toMatchObject({ name: 'eラーニング', status: 'major_outage', position: 2, group: false, group_id: null, only_show_if_degraded: false });
    for (const c of s.components) expect(COMPONENT_STATUSES).toContain(c.status);
    expect(s.incidents).toHaveLength(1);
    const inc = s.incidents[0];
    expect(inc).toMatchObject({ id: 'login-failure', name: 'ログインできない障害', status: 'identified', impact: 'major', resolved_at: null, monitoring_at: null });
    expect(inc.shortlink).toBe('https://status.example.jp/incidents/login-failure');
    expect(inc.incident_updates.map((u: any) => u.status)).toEqual(['identified', 'investigating']);
    expect(inc.incident_updates[0].body).toBe('データベースの障害を特定しました。');
    expect(inc.components.map((c: any) => c.id)).toEqual(['learn']);
    expect(INCIDENT_STATUSES).toContain(inc.status);
    const m = s.scheduled_maintenances[0];
    expect(m).toMatchObject({ id: 'inspection-next', status: 'scheduled', impact: 'maintenance' });
    expect(MAINTENANCE_STATUSES).toContain(m.status);
    expect(m.scheduled_for).toMatch(ISO);
    expect(Date.parse(m.scheduled_until) - Date.parse(m.scheduled_for)).toBe(120 * 60_000);
  });

  it('never shows drafts or unpublished updates', () => {
    const all = JSON.stringify(statuspageAnswer(ctx, 'incidents'));
    expect(all).not.toContain('draft-probe');
    expect(all).not.toContain('内部メモ');
    const list = (statuspageAnswer(ctx, 'incidents') as any).incidents;
    expect(list.map((i: any) => i.id)).toEqual(['login-failure', 'slow-pages']);
    expect(list[1]).toMatchObject({ status: 'resolved', impact: 'minor' });
    expect(list[1].resolved_at).toMatch(ISO);
  });

  it('answers each endpoint with its own keys, and English with ?lang=en', () => {
    const keys: Record<string, string[]> = {
      summary: ['components', 'incidents', 'page', 'scheduled_maintenances', 'status'],
      status: ['page', 'status'],
      components: ['components', 'page'],
      incidents: ['incidents', 'page'],
      'incidents/unresolved': ['incidents', 'page'],
      'scheduled-maintenances': ['page', 'scheduled_maintenances'],
      'scheduled-maintenances/upcoming': ['page', 'scheduled_maintenances'],
      'scheduled-maintenances/active': ['page', 'scheduled_maintenances'],
    };
    for (const e of apiEndpoints) expect(sorted(statuspageAnswer(ctx, e))).toEqual(keys[e]);
    expect((statuspageAnswer(ctx, 'scheduled-maintenances/active') as any).scheduled_maintenances).toEqual([]);
    expect((statuspageAnswer(ctx, 'scheduled-maintenances/upcoming') as any).scheduled_maintenances).toHaveLength(1);
    const en = statuspageAnswer({ ...ctx, lang: 'en' }, 'summary') as any;
    expect(en.status.description).toBe('Major System Outage');
    expect(en.incidents[0].name).toBe('Learners cannot sign in');
    expect(en.components[0].name).toBe('Public website');
    expect(en.page.url).toBe('https://status.example.jp/en/');
  });
});
