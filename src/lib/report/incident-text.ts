import { formatDuration, formatInstant } from '../sla/format';
import { timerNames } from '../sla/timers';
import { termsOf } from '../i18n';
import { missingFieldJa, type IncidentReportData } from './incident';

/**
 * What the 障害報告書 says, as headings, fields, paragraphs and tables: the PDF and the admin
 * incident page both render this, so the page shows exactly what the client will read.
 */
export type ReportBlock =
  | { kind: 'para'; text: string; small?: boolean }
  | { kind: 'fields'; rows: [string, string][] }
  | { kind: 'table'; headers: string[]; widths: number[]; align?: ('left' | 'right' | 'center')[]; rows: string[][] };

export interface ReportSection {
  title: string;
  blocks: ReportBlock[];
}

export interface IncidentReportText {
  cover: [string, string][];
  missing: string[];
  sections: ReportSection[];
  generatedAt: string;
}

const impactJa: Record<string, string> = { major_outage: '全面停止', partial_outage: '一部停止', degraded_performance: '性能低下' };
const sourceJa: Record<string, string> = { probe: '監視', incident: '障害記録（全面停止）', 'probe+incident': '監視・障害記録' };

export function incidentReportText(data: IncidentReportData, version: number): IncidentReportText {
  const i = data.incident;
  const at = (ms: number | null) => formatInstant(ms, data.zone, 'yyyy-LL-dd HH:mm');
  const atS = (ms: number | null) => formatInstant(ms, data.zone, 'yyyy-LL-dd HH:mm:ss');
  const zoneNote = data.zone === 'Asia/Tokyo' ? '日本時間' : data.zone;
  const severity = termsOf('incidentSeverity', 'ja')[i.severity];
  const judgement = termsOf('judgement', 'ja');

  const cover: [string, string][] = [
    ['障害番号', i.key],
    ['版', `第${version}版`],
    ['発行日時', `${at(data.generatedAt)}（${zoneNote}）`],
    ['対象サービス', i.services.map((s) => `${s.nameJa}（${impactJa[s.impact] ?? s.impact}）`).join('、') || '–'],
  ];

  const overview: ReportSection = {
    title: '1. 障害の概要',
    blocks: [{
      kind: 'fields',
      rows: [
        ['件名', i.titleJa],
        ['種別', i.kind === 'security' ? 'セキュリティ障害' : '障害'],
        ['重大度', severity],
        ['影響', i.services.map((s) => `${s.nameJa}: ${impactJa[s.impact] ?? s.impact}`).join('\n') || '–'],
        ['発生日時', at(i.startedAt)],
        ['検知日時', at(i.detectedAt)],
        ['認知日時', `${at(i.awareAt)}（保守管理者が障害を認知した日時。通知の期限の起点）`],
        ['復旧日時', i.recoveredAt === null ? '未復旧' : at(i.recoveredAt)],
        ['障害継続時間', i.recoveredAt === null ? '–' : formatDuration(i.recoveredAt - i.startedAt)],
        ...(i.forceMajeure ? [['不可抗力', i.forceMajeureReason ?? '理由未記入'] as [string, string]] : []),
      ],
    }],
  };

  const outage: ReportSection = { title: '2. 停止時間の算定', blocks: [] };
  outage.blocks.push({
    kind: 'para',
    text: '稼働率に算入した停止時間は、稼働率に算入する監視項目が確認回数だけ連続して失敗したとき最初の失敗から次の成功までの時間と、障害記録で「全面停止」とした時間の和集合から、計画停止（通知または委託者の承認があるもの）と不可抗力の時間を除いたものです。誤検知と判定した停止は含みません。一部停止・性能低下は報告しますが停止時間には含めません。',
    small: true,
  });
  if (data.services.length === 0) outage.blocks.push({ kind: 'para', text: '対象サービスが記録されていません。' });
  outage.blocks.push({
    kind: 'table',
    headers: ['サービス', '算定した範囲', '停止時間（算入）', '計画停止と重複（除外）', '不可抗力（除外）', '誤検知（除外）'],
    widths: [90, 120, 70, 70, 60, 60],
    align: ['left', 'left', 'right', 'right', 'right', 'right'],
    rows: data.services.map((s) => [s.nameJa, `${at(s.window.start)}\n〜 ${at(s.window.end)}`, formatDuration(s.downtimeMs),
      formatDuration(s.plannedExcludedMs), formatDuration(s.forceMajeureMs), formatDuration(s.falsePositiveMs)]),
  });
  for (const s of data.services) {
    const reasons: string[] = [];
    if (s.impact !== 'major_outage') reasons.push(`障害記録の影響は「${impactJa[s.impact] ?? s.impact}」のため、障害記録そのものは停止時間に数えていません（監視が停止を確認した時間のみ算入）。`);
    for (const o of s.monitorOutages) {
      reasons.push(o.falsePositiveReason === null
        ? `監視 ${o.monitorSlug}: ${o.confirm}回連続の失敗で停止と確認。最初の失敗 ${atS(o.start)} から次の成功 ${atS(o.end)} まで（${formatDuration(o.end - o.start)}）。`
        : `監視 ${o.monitorSlug}: ${atS(o.start)} からの停止（${formatDuration(o.end - o.start)}）は誤検知と判定したため算入していません（理由: ${o.falsePositiveReason}）。`);
    }
    if (s.monitorOutages.length === 0) reasons.push('監視は確認回数に達する連続した失敗を記録していません。');
    for (const st of s.stops) reasons.push(`計画停止「${st.titleJa}」（${at(st.start)} 〜 ${at(st.end)}）と重なる時間は、通知または承認の条件を満たす分を除外しています。`);
    if (s.forceMajeureMs > 0) reasons.push('不可抗力と判定したため、発生から復旧までを除外しています。');
    if (s.outages.length) {
      reasons.push(`算入した停止: ${s.outages.map((o) => `${atS(o.start)} 〜 ${atS(o.end)}（${formatDuration(o.end - o.start)}、${sourceJa[o.source] ?? o.source}）`).join('、')}。`);
    }
    outage.blocks.push({ kind: 'para', text: `${s.nameJa}\n・${reasons.join('\n・')}` });
  }

  const timeline: ReportSection = {
    title: '3. 経過（公開情報と委託者への通知）',
    blocks: [{
      kind: 'table', headers: ['日時', '内容'], widths: [90, 380],
      rows: ([
        [i.startedAt, '障害発生'],
        [i.detectedAt, '監視が検知'],
        [i.awareAt, '保守管理者が認知'],
        [i.responseStartedAt, '対応着手'],
        ...data.timeline.map((l) => [l.at, l.text]),
        [i.recoveredAt, '復旧'],
      ] as [number | null, string][]).filter((e): e is [number, string] => e[0] !== null).sort((a, b) => a[0] - b[0]).map(([t, text]) => [at(t), text]),
    }],
  };

  const timers: ReportSection = {
    title: '4. SLA時間の判定',
    blocks: [
      { kind: 'para', text: '各期限は保守管理者の認知日時から起算します（第一報は検知から、障害報告書は復旧から）。', small: true },
      {
        kind: 'table', headers: ['項目', '期限', '実施', '判定'], widths: [120, 120, 120, 80], align: ['left', 'left', 'left', 'center'],
        rows: data.timers.map((t) => [`${timerNames[t.key].ja}（${formatDuration(t.limitMs)}以内）`, at(t.deadline),
          t.key === 'written_report' && t.doneAt === null ? '本書の送付時' : at(t.doneAt), judgement[t.state]]),
      },
    ],
  };

  const causeState = i.causeKnown === null ? '未判定' : i.causeKnown ? '判明' : '不明';
  const cause: ReportSection = {
    title: '5. 原因',
    blocks: [{ kind: 'fields', rows: [['原因', i.cause ?? '（未記入）'], ['原因の判明', causeState], ['原因の分類', i.causeCategory ?? '（未分類）']] }],
  };
  const fix: ReportSection = { title: '6. 対処', blocks: [{ kind: 'para', text: i.fix ?? '（未記入）' }] };
  const prevention: ReportSection = { title: '7. 再発防止策', blocks: [{ kind: 'para', text: i.prevention ?? '（未記入）' }] };

  return {
    cover,
    missing: data.missing.map((m) => missingFieldJa[m]),
    sections: [overview, outage, timeline, timers, cause, fix, prevention],
    generatedAt: formatInstant(data.generatedAt, data.zone, 'yyyy-LL-dd HH:mm:ss'),
  };
}
