import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { searchIncidents, similarIncidents } from '../../src/lib/incidents/search';
import { editIncident, addIncidentUpdate, getIncident } from '../../src/lib/incidents/verbs';
import { systemActor } from '../../src/lib/audit';
import type { Interchange } from '../../src/lib/interchange/format';

/** Full-text search over incidents and their updates (FTS5, trigram), and the similar past incidents shown on an incident's page. */
const incident = (key: string, title: string, extra: Partial<NonNullable<Interchange['incidents']>[number]> = {}): NonNullable<Interchange['incidents']>[number] => ({
  key, kind: 'failure', severity: 'minor', title: { ja: title }, services: [{ service: 'elearning', impact: 'partial_outage' }],
  started_at: '2026-06-01T10:00:00+09:00', recovered_at: '2026-06-01T11:00:00+09:00', force_majeure: false, ...extra,
});

describe('searching incidents', () => {
  const t = tempDb();
  const id = (key: string) => (t.db.$client.prepare('SELECT id FROM incidents WHERE key = ?').get(key) as { id: number }).id;
  beforeAll(() => {
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'elearning', name: { ja: 'eラーニングシステム' }, sla_target_pct: 99.9 }, { slug: 'web', name: { ja: '広報啓発WEBサイト' }, sla_target_pct: 99.9 }],
      incidents: [
        incident('old-disk', '学習履歴が保存できない', { cause: '夜間バッチがデータベースサーバーのディスク容量を使い切ったため書き込みに失敗した', cause_category: 'ハードウェア',
          fix: '不要なログを削除', prevention: 'ディスク使用率の監視を追加' }),
        incident('old-cert', 'WEBサイトに接続できない', { services: [{ service: 'web', impact: 'major_outage' }], cause: 'サーバー証明書の更新漏れ', cause_category: '作業ミス',
          updates: [{ at: '2026-06-01T10:30:00+09:00', status: 'identified', body: { ja: '証明書の有効期限切れを確認しました' } }] }),
        incident('draft', '監視の誤報', { draft: true, cause: 'ディスク容量の誤検知' }),
        incident('now', 'ログインできない', { started_at: '2026-11-01T10:00:00+09:00', recovered_at: undefined, cause: 'ディスクの空き不足の疑い', cause_category: 'ハードウェア' }),
      ],
    }));
  });
  afterAll(() => t.close());

  it('finds a Japanese phrase in the middle of a cause, and not in drafts', () => {
    const hits = searchIncidents(t.db, 'ディスク容量を使い');
    expect(hits.map((h) => h.key)).toEqual(['old-disk']);
    expect(hits[0]!.snippet).toContain('【ディスク容量を使い】');
    expect(searchIncidents(t.db, 'ディスク容量').map((h) => h.key)).toEqual(['old-disk']);
  });

  it('finds the words of updates, needs every word, and scans for short words', () => {
    expect(searchIncidents(t.db, '有効期限切れ').map((h) => h.key)).toEqual(['old-cert']);
    expect(searchIncidents(t.db, '有効期限 ディスク')).toEqual([]);
    expect(searchIncidents(t.db, '証明').map((h) => h.key)).toEqual(['old-cert']);
    expect(searchIncidents(t.db, '"; DROP TABLE incidents; --')).toEqual([]);
  });

  it('follows edits of incidents and new updates', async () => {
    const i = getIncident(t.db, id('old-cert'))!;
    editIncident(t.db, systemActor('t'), i.id, { kind: i.kind, severity: i.severity, titleJa: i.titleJa, titleEn: null, services: i.services.map((s) => ({ serviceId: s.serviceId, impact: s.impact as 'major_outage' })),
      cause: '自動更新の設定が外れていた', fix: null, prevention: null, causeKnown: true, forceMajeure: false, forceMajeureReason: null });
    expect(searchIncidents(t.db, '更新漏れ')).toEqual([]);
    expect(searchIncidents(t.db, '自動更新の設定').map((h) => h.key)).toEqual(['old-cert']);
    await addIncidentUpdate(t.db, systemActor('t'), i.id, { status: 'resolved', bodyJa: '証明書を再発行しました', bodyEn: null, published: true });
    expect(searchIncidents(t.db, '再発行しま').map((h) => h.key)).toEqual(['old-cert']);
  });

  it('shows, for a new incident, the past one with the same service, category and words first, with what was learnt', () => {
    const similar = similarIncidents(t.db, id('now'));
    expect(similar[0]).toMatchObject({ key: 'old-disk', fix: '不要なログを削除', prevention: 'ディスク使用率の監視を追加', causeCategory: 'ハードウェア' });
    expect(similar[0]!.reasons.sort()).toEqual(['category', 'service', 'text']);
    // Never itself, a draft, or one still open.
    expect(similar.map((s) => s.key)).not.toContain('now');
    expect(similar.map((s) => s.key)).not.toContain('draft');
  });
});
