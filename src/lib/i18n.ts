import type { ComponentStatus } from './status/summary';

/** The public page's words, Japanese first. */
export const langs = ['ja', 'en'] as const;
export type Lang = (typeof langs)[number];

const ja = {
  htmlLang: 'ja',
  sampleBanner: 'これはサンプルデータです。実際のサービスの状態ではありません。',
  overall: {
    operational: 'すべてのサービスは正常に稼働しています',
    degraded_performance: '一部のサービスで応答が遅くなっています',
    partial_outage: '一部のサービスで障害が発生しています',
    major_outage: 'サービスで障害が発生しています',
    under_maintenance: '計画メンテナンス中です',
  } satisfies Record<ComponentStatus, string>,
  status: {
    operational: '正常',
    degraded_performance: '低速',
    partial_outage: '一部障害',
    major_outage: '障害',
    under_maintenance: 'メンテナンス中',
  } satisfies Record<ComponentStatus, string>,
  probeDead: '監視が停止しているため、最新の状態を確認できていません。',
  uptime90: '過去90日の稼働率',
  daysAgo90: '90日前',
  today: '今日',
  noData: 'データなし',
  dayTitle: (date: string, pct: string, downMin: number) => `${date}: 稼働率 ${pct}%${downMin > 0 ? `、停止 ${downMin}分` : ''}`,
  dayNoData: (date: string) => `${date}: 監視データなし`,
  updatedAt: '最終更新',
  zoneNote: '時刻は日本時間 (JST) です',
  switchLang: 'English',
  legend: { up: '稼働', partial: '一部停止', down: '停止', none: 'データなし' },
};

type Words = typeof ja;

const en: Words = {
  htmlLang: 'en',
  sampleBanner: 'This is sample data. It does not show the state of real services.',
  overall: {
    operational: 'All services are operating normally',
    degraded_performance: 'Some services are responding slowly',
    partial_outage: 'Some services are partly down',
    major_outage: 'A service is down',
    under_maintenance: 'Planned maintenance in progress',
  },
  status: {
    operational: 'Operational',
    degraded_performance: 'Slow',
    partial_outage: 'Partial outage',
    major_outage: 'Outage',
    under_maintenance: 'Maintenance',
  },
  probeDead: 'Monitoring has stopped, so the latest state is not confirmed.',
  uptime90: 'Uptime, last 90 days',
  daysAgo90: '90 days ago',
  today: 'Today',
  noData: 'No data',
  dayTitle: (date, pct, downMin) => `${date}: ${pct}% available${downMin > 0 ? `, ${downMin} min down` : ''}`,
  dayNoData: (date) => `${date}: no monitoring data`,
  updatedAt: 'Updated',
  zoneNote: 'Times are Japan Standard Time (JST)',
  switchLang: '日本語',
  legend: { up: 'Up', partial: 'Partly down', down: 'Down', none: 'No data' },
};

export const words: Record<Lang, Words> = { ja, en };

export function serviceName(s: { nameJa: string; nameEn: string | null }, lang: Lang): string {
  return lang === 'en' && s.nameEn ? s.nameEn : s.nameJa;
}
