import type { ComponentStatus } from './status/summary';
import type { BannerState, RowState, DetectedNotice } from './status/state';
import { DateTime } from 'luxon';
import { durationWords } from './duration-words';

/** The public page's words, Japanese first. */
export const langs = ['ja', 'en'] as const;
export type Lang = (typeof langs)[number];

export function isLang(v: unknown): v is Lang {
  return v === 'ja' || v === 'en';
}

/**
 * One vocabulary for the states a person reads, on the public page, the admin pages, the
 * online report and the PDF alike (the words of the contract: 計画停止, 復旧, 達成/未達成).
 */
export const glossary = {
  incidentState: {
    investigating: { ja: '調査中', en: 'Investigating' },
    identified: { ja: '原因特定', en: 'Identified' },
    monitoring: { ja: '経過観察中', en: 'Monitoring' },
    resolved: { ja: '復旧済み', en: 'Resolved' },
  },
  maintenanceState: {
    scheduled: { ja: '予定', en: 'Scheduled' },
    in_progress: { ja: '実施中', en: 'In progress' },
    completed: { ja: '完了', en: 'Completed' },
    cancelled: { ja: '中止', en: 'Cancelled' },
  },
  /** An incident's severity (a critical one is also a 重大障害 for the contract's timers). */
  incidentSeverity: {
    minor: { ja: '軽微', en: 'Minor' },
    major: { ja: '重大', en: 'Major' },
    critical: { ja: '重大（緊急）', en: 'Critical' },
  },
  /** A timer or an SLA row: met, missed, still running, or not started (its starting time is not recorded). */
  judgement: {
    met: { ja: '達成', en: 'Met' },
    missed: { ja: '未達成', en: 'Not met' },
    pending: { ja: '進行中', en: 'Running' },
    /** A running month or year not yet missed: what remains can still meet it (SLA.md). */
    on_track: { ja: '見込み', en: 'On track' },
    not_started: { ja: '起点未記録', en: 'Not started' },
  },
} as const;

type GlossaryGroup = keyof typeof glossary;

/** The group's words in one language, keyed by state. */
export function termsOf<G extends GlossaryGroup>(group: G, lang: Lang): Record<keyof (typeof glossary)[G], string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(glossary[group])) out[k] = (v as { ja: string; en: string })[lang];
  return out as Record<keyof (typeof glossary)[G], string>;
}

/** 達成 / 未達成 (or – when it cannot be judged). */
/** A judgement as far as it can be made: met, missed, on track (a running period), or not judged. */
export interface Judged { met: boolean | null; onTrack?: boolean }

export function judgeText(j: boolean | null | Judged, lang: Lang = 'ja'): string {
  const { met, onTrack } = typeof j === 'object' && j !== null ? j : { met: j, onTrack: false };
  if (met === null) return onTrack ? glossary.judgement.on_track[lang] : '–';
  return glossary.judgement[met ? 'met' : 'missed'][lang];
}

/** The class a judgement is shown with: ok, ng, pending (on track) or muted. */
export function judgeClass(j: Judged): 'ok' | 'ng' | 'pending' | 'muted' {
  return j.met === null ? (j.onTrack ? 'pending' : 'muted') : j.met ? 'ok' : 'ng';
}

const ja = {
  htmlLang: 'ja',
  skip: '本文へ移動',
  sampleBanner: 'これはサンプルデータです。実際のサービスの状態ではありません。',
  overall: {
    operational: 'すべてのサービスは正常に稼働しています',
    degraded_performance: '一部のサービスで応答が遅くなっています',
    partial_outage: '一部のサービスで障害が発生しています',
    major_outage: 'サービスで障害が発生しています',
    under_maintenance: '計画停止を実施しています',
  } satisfies Record<ComponentStatus, string>,
  banner: {
    operational: 'すべてのサービスは正常に稼働しています。',
    degraded_performance: '一部のサービスで応答が遅くなっています。',
    partial_outage: '一部のサービスで障害が発生しています。',
    major_outage: 'サービスで障害が発生しています。',
    under_maintenance: '計画停止を実施しています。',
    monitoring_interrupted: '一部のサービスで監視を一時停止しています。最新の状態を確認できていません。',
    incident_notice: '障害についてのお知らせがあります。',
  } satisfies Record<BannerState, string>,
  row: {
    operational: '正常',
    degraded_performance: '低速',
    partial_outage: '一部障害',
    major_outage: '障害',
    under_maintenance: '計画停止中',
    monitoring_interrupted: '監視を一時停止しています',
  } satisfies Record<RowState, string>,
  rowInterrupted: '監視を一時停止しています。最新の状態を確認できていません。',
  detected: {
    major_outage: (service: string) => `${service}: 自動監視で停止を検知しました。状況を確認しています。`,
    partial_outage: (service: string) => `${service}: 自動監視で一部の停止を検知しました。状況を確認しています。`,
    degraded_performance: (service: string) => `${service}: 応答が遅くなっています。状況を確認しています。`,
  } satisfies Record<DetectedNotice['status'], (service: string) => string>,
  pastIncidents: '過去7日間の障害',
  noIncidentsThatDay: 'この日に報告された障害はありません。',
  status: {
    operational: '正常',
    degraded_performance: '低速',
    partial_outage: '一部障害',
    major_outage: '障害',
    under_maintenance: '計画停止中',
  } satisfies Record<ComponentStatus, string>,
  probeDead: '監視が停止しているため、最新の状態を確認できていません。',
  services: 'サービスの状態',
  uptime: '稼働率',
  uptime24h: '24時間',
  uptime30d: '30日',
  uptime90d: '90日',
  watchedFrom: (n: number) => `${n} か所から監視`,
  uptime90: '過去90日の稼働率',
  daysAgo90: '90日前',
  /** On a phone, fewer days, each bar wide enough to tap. */
  daysAgoPhone: '12日前',
  daysAgoNarrow: '10日前',
  today: '今日',
  noData: 'データなし',
  dayTitle: (date: string, pct: string, downMin: number) => `${date}: 稼働率 ${pct}%${downMin > 0 ? `、停止 ${downMin}分` : ''}`,
  dayNoData: (date: string) => `${date}: 監視データなし`,
  dayOutage: '停止',
  dayIncidents: '障害情報',
  dayHint: '日ごとの棒を選ぶと、その日の稼働状況を表示します。',
  responseTime: '応答時間',
  responseMean: (range: string, ms: number | null) => (ms === null ? `${range}: データなし` : `${range}の平均: ${ms} ms`),
  ranges: { h24: '24時間', d7: '7日', d30: '30日' },
  chartLabel: (service: string, range: string) => `${service}の応答時間（${range}、ミリ秒）`,
  activeIncidents: '発生中の障害',
  noActiveIncidents: '現在、発生中の障害はありません。',
  maintenances: '計画停止',
  maintenanceInProgress: '実施中',
  maintenanceUpcoming: '予定',
  noMaintenances: '予定されている計画停止はありません。',
  window: '停止時間',
  windowScheduled: '予定していた停止時間',
  windowActual: '実際の停止時間',
  affected: '対象',
  incidentStatus: termsOf('incidentState', 'ja') as Record<string, string>,
  maintenanceStatus: termsOf('maintenanceState', 'ja') as Record<string, string>,
  impact: {
    degraded_performance: '低速',
    partial_outage: '一部障害',
    major_outage: '障害',
  } as Record<string, string>,
  category: {
    inspection: '定期点検',
    preventive: '予防保守',
    security: 'セキュリティ保守',
    functional: 'サービス機能保守',
    external: 'システム外要因',
  } as Record<string, string>,
  startedAt: '発生',
  resolvedAt: '復旧',
  duration: '継続時間',
  timeline: '経過',
  permalink: 'この障害のページ',
  history: '過去の障害・計画停止',
  historyMonth: (month: string) => `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月の障害・計画停止`,
  historyIndex: '障害・計画停止の履歴',
  olderMonths: 'これまでの月',
  noHistory: 'この月に記録された障害・計画停止はありません。',
  incidents: '障害',
  backToStatus: '稼働状況に戻る',
  backToMonth: (month: string) => `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月の一覧`,
  prevMonth: '前の月',
  nextMonth: '次の月',
  updatedAt: '最終更新',
  zoneNote: '時刻は日本時間 (JST) です',
  switchLang: 'English',
  switchLangLabel: 'Read this page in English',
  legend: { up: '稼働', partial: '一部停止', down: '停止', none: 'データなし' },
  subscribe: 'メールで通知を受け取る',
  /** The header's short links (the footer keeps the long ones). */
  headerSubscribe: '通知を受け取る',
  headerSupport: '問い合わせ',
  headerNav: 'サイト内の主なページ',
  /** The one line per service under the banner. */
  serviceLines: 'サービスごとの状態',
  feeds: '購読',
  feedAtom: 'Atom フィード',
  feedRss: 'RSS フィード',
  feedIcs: '計画停止カレンダー (iCal)',
  api: 'API (Statuspage v2 互換)',
  refreshNote: 'このページは自動で更新されます。',
  minutes: (n: number) => `${n}分`,
  ongoing: '継続中',
  notFound: 'ページが見つかりません',
  sub: {
    title: 'メールで通知を受け取る',
    intro: '障害の発生・経過と計画停止（予告と開始前）をメールでお知らせします。登録には確認メールのリンクを開く必要があります。メールアドレスは通知の送信にのみ使い、公開しません。',
    email: 'メールアドレス',
    what: '受け取る通知',
    incidents: '障害',
    maintenances: '計画停止',
    services: '対象のサービス（選ばない場合はすべて）',
    submit: '確認メールを送る',
    sent: '確認メールを送りました。メールのリンクを開いて登録を完了してください。（すでに登録済みのアドレスにも、設定変更の確認メールを送ります。）',
    tooMany: '短時間に多くの申し込みがありました。しばらくしてからもう一度お試しください。',
    invalid: '入力内容を確認してください。',
    errors: {
      email: 'メールアドレスの形式が正しくありません。「taro@example.jp」のように入力してください。',
      what: '受け取る通知を1つ以上選んでください。',
      services: '選べないサービスが含まれています。もう一度選んでください。',
    },
    confirmTitle: '登録の確認',
    confirmLead: '下のボタンを押すと登録が完了します。',
    confirmButton: '登録を完了する',
    confirmed: '登録が完了しました。今後、選んだ通知をメールでお送りします。',
    badLink: 'このリンクは無効か、期限が切れています。もう一度お申し込みください。',
    unsubTitle: '配信停止',
    unsubLead: '下のボタンを押すと、このアドレスへの通知を停止し、登録を削除します。',
    unsubButton: '配信を停止する',
    unsubscribed: '配信を停止し、登録を削除しました。',
  },
  support: {
    link: '問い合わせ・不具合の報告',
    title: '問い合わせ・不具合の報告',
    intro: 'サービスについてのご質問、不具合の報告、ご要望をお寄せください。受付後、受付番号を記載した受領確認のメールをお送りします。お名前・メールアドレス・内容は対応のためにのみ使い、公開しません。',
    email: 'メールアドレス',
    name: 'お名前',
    optional: '任意',
    service: 'サービス',
    category: '種別',
    body: '内容',
    bodyHint: (n: number) => `${n}文字以内`,
    submit: '送信する',
    sent: (no: string) => `受け付けました（受付番号 ${no}）。受領確認のメールをお送りします。`,
    tooMany: '短時間に多くの送信がありました。しばらくしてからもう一度お試しください。',
    tooLarge: '送信された内容が大きすぎます。',
    invalid: '入力を確認してください',
    signedInAs: (email: string) => `${email} としてログインしています。この問い合わせは委託者からのものとして記録され、「問い合わせ一覧」で経過を確認できます。`,
    categories: { bug: '不具合', question: '質問', request: '要望' },
    statuses: { received: '受付', in_progress: '対応中', consulting: '協議中', done: '完了', declined: '見送り', dismissed: '対象外（迷惑・範囲外）' },
    channels: { phone: '電話', mail: 'メール', form: 'フォーム', in_person: '対面' },
    survey: {
      title: '満足度アンケート',
      intro: 'サポートの対応について、5つの質問にお答えください（約1分）。回答は一度だけ送信できます。',
      questions: { q1: '対応の早さ', q2: '説明の分かりやすさ', q3: '問題の解決・回答の内容', q4: '担当者の対応', q5: '総合的な満足度' },
      choices: { satisfied: '満足', mostly_satisfied: 'ほぼ満足', neutral: '普通', somewhat_dissatisfied: 'やや不満', dissatisfied: '不満' },
      comment: 'ご意見（任意）',
      submit: '回答を送信する',
      thanks: 'ご回答ありがとうございました。',
      used: 'このアンケートはすでに回答済みです。',
      expired: 'このアンケートのリンクは期限が切れています。',
      invalidLink: 'このアンケートのリンクは無効です。',
      answerAll: 'すべての質問に回答してください。',
    },
  },
};

export type Words = typeof ja;

const en: Words = {
  htmlLang: 'en',
  skip: 'Skip to content',
  sampleBanner: 'This is sample data. It does not show the state of real services.',
  overall: {
    operational: 'All services are operating normally',
    degraded_performance: 'Some services are responding slowly',
    partial_outage: 'Some services are partly down',
    major_outage: 'A service is down',
    under_maintenance: 'Planned maintenance in progress',
  },
  banner: {
    operational: 'All services are operating normally.',
    degraded_performance: 'Some services are responding slowly.',
    partial_outage: 'Some services are partly down.',
    major_outage: 'A service is down.',
    under_maintenance: 'Planned maintenance is in progress.',
    monitoring_interrupted: 'Monitoring of some services is interrupted; their latest state is not confirmed.',
    incident_notice: 'There is a notice about an incident.',
  },
  row: {
    operational: 'Operational',
    degraded_performance: 'Slow',
    partial_outage: 'Partial outage',
    major_outage: 'Outage',
    under_maintenance: 'Maintenance',
    monitoring_interrupted: 'Monitoring interrupted',
  },
  rowInterrupted: 'Monitoring is interrupted; the latest state is not confirmed.',
  detected: {
    major_outage: (service) => `${service}: monitoring detected an outage. We are checking the situation.`,
    partial_outage: (service) => `${service}: monitoring detected a partial outage. We are checking the situation.`,
    degraded_performance: (service) => `${service}: responses are slow. We are checking the situation.`,
  },
  pastIncidents: 'Past incidents (7 days)',
  noIncidentsThatDay: 'No incidents reported.',
  status: {
    operational: 'Operational',
    degraded_performance: 'Slow',
    partial_outage: 'Partial outage',
    major_outage: 'Outage',
    under_maintenance: 'Maintenance',
  },
  probeDead: 'Monitoring has stopped, so the latest state is not confirmed.',
  services: 'Services',
  uptime: 'Uptime',
  uptime24h: '24 hours',
  uptime30d: '30 days',
  uptime90d: '90 days',
  watchedFrom: (n: number) => (n === 1 ? 'Monitored from 1 location' : `Monitored from ${n} locations`),
  uptime90: 'Uptime, last 90 days',
  daysAgo90: '90 days ago',
  daysAgoPhone: '12 days ago',
  daysAgoNarrow: '10 days ago',
  today: 'Today',
  noData: 'No data',
  dayTitle: (date, pct, downMin) => `${date}: ${pct}% available${downMin > 0 ? `, ${downMin} min down` : ''}`,
  dayNoData: (date) => `${date}: no monitoring data`,
  dayOutage: 'Down',
  dayIncidents: 'Incidents',
  dayHint: 'Choose a bar to see that day in detail.',
  responseTime: 'Response time',
  responseMean: (range, ms) => (ms === null ? `${range}: no data` : `Mean over ${range}: ${ms} ms`),
  ranges: { h24: '24 hours', d7: '7 days', d30: '30 days' },
  chartLabel: (service, range) => `Response time of ${service} (${range}, milliseconds)`,
  activeIncidents: 'Current incidents',
  noActiveIncidents: 'No incidents right now.',
  maintenances: 'Planned maintenance',
  maintenanceInProgress: 'In progress',
  maintenanceUpcoming: 'Scheduled',
  noMaintenances: 'No planned maintenance is scheduled.',
  window: 'Window',
  windowScheduled: 'Scheduled window',
  windowActual: 'Actual window',
  affected: 'Affects',
  incidentStatus: termsOf('incidentState', 'en'),
  maintenanceStatus: termsOf('maintenanceState', 'en'),
  impact: { degraded_performance: 'Slow', partial_outage: 'Partial outage', major_outage: 'Outage' },
  category: {
    inspection: 'Periodic inspection',
    preventive: 'Preventive maintenance',
    security: 'Security maintenance',
    functional: 'Functional maintenance',
    external: 'External cause',
  },
  startedAt: 'Began',
  resolvedAt: 'Resolved',
  duration: 'Duration',
  timeline: 'Updates',
  permalink: 'Page of this incident',
  history: 'Past incidents and maintenance',
  historyMonth: (month) => `Incidents and maintenance, ${DateTime.fromFormat(month, 'yyyy-LL').setLocale('en').toFormat('LLLL yyyy')}`,
  historyIndex: 'Incident and maintenance history',
  olderMonths: 'Earlier months',
  noHistory: 'Nothing was recorded this month.',
  incidents: 'Incidents',
  backToStatus: 'Back to the status page',
  backToMonth: (month) => `All of ${DateTime.fromFormat(month, 'yyyy-LL').setLocale('en').toFormat('LLLL yyyy')}`,
  prevMonth: 'Previous month',
  nextMonth: 'Next month',
  updatedAt: 'Updated',
  zoneNote: 'Times are Japan Standard Time (JST)',
  switchLang: '日本語',
  switchLangLabel: '日本語で読む',
  legend: { up: 'Up', partial: 'Partly down', down: 'Down', none: 'No data' },
  subscribe: 'Get notified by e-mail',
  headerSubscribe: 'Subscribe',
  headerSupport: 'Contact',
  headerNav: 'Main pages',
  serviceLines: 'Each service',
  feeds: 'Subscribe',
  feedAtom: 'Atom feed',
  feedRss: 'RSS feed',
  feedIcs: 'Maintenance calendar (iCal)',
  api: 'API (Statuspage v2 compatible)',
  refreshNote: 'This page refreshes itself.',
  minutes: (n) => `${n} min`,
  ongoing: 'ongoing',
  notFound: 'Page not found',
  sub: {
    title: 'Get notified by e-mail',
    intro: 'We send e-mail when an incident begins and progresses, and about planned maintenance (when announced and before it starts). You confirm through a link in a mail. Your address is used only to send these notices and is never shown.',
    email: 'E-mail address',
    what: 'Notices',
    incidents: 'Incidents',
    maintenances: 'Planned maintenance',
    services: 'Services (none chosen means all)',
    submit: 'Send the confirmation mail',
    sent: 'We sent a confirmation mail. Open its link to finish. (An address already subscribed gets a mail to confirm the new choice.)',
    tooMany: 'Too many requests in a short time. Please try again later.',
    invalid: 'Please check the form.',
    errors: {
      email: 'This is not a valid e-mail address. Write it like taro@example.jp.',
      what: 'Choose at least one kind of notice.',
      services: 'A service in the list cannot be chosen. Please choose again.',
    },
    confirmTitle: 'Confirm your subscription',
    confirmLead: 'Press the button to finish subscribing.',
    confirmButton: 'Confirm',
    confirmed: 'You are subscribed. We will mail you the notices you chose.',
    badLink: 'This link is not valid or has expired. Please subscribe again.',
    unsubTitle: 'Unsubscribe',
    unsubLead: 'Press the button to stop the notices and delete your subscription.',
    unsubButton: 'Unsubscribe',
    unsubscribed: 'You are unsubscribed and your address is deleted.',
  },
  support: {
    link: 'Contact us / report a problem',
    title: 'Contact us / report a problem',
    intro: 'Send us a question, a problem or a request about the services. We confirm receipt by e-mail with your item number. Your name, address and text are used only to handle it and are never shown.',
    email: 'E-mail address',
    name: 'Name',
    optional: 'optional',
    service: 'Service',
    category: 'Kind',
    body: 'Text',
    bodyHint: (n: number) => `up to ${n} characters`,
    submit: 'Send',
    sent: (no: string) => `Received (item ${no}). We are sending you a confirmation by e-mail.`,
    tooMany: 'Too many messages in a short time. Please try again later.',
    tooLarge: 'What you sent is too large.',
    invalid: 'Please check the form',
    signedInAs: (email: string) => `You are signed in as ${email}. This item is recorded as the client's, and you can follow it under "Support items".`,
    categories: { bug: 'Problem', question: 'Question', request: 'Request' },
    statuses: { received: 'Received', in_progress: 'In progress', consulting: 'Under discussion', done: 'Done', declined: 'Declined', dismissed: 'Not handled (spam or out of scope)' },
    channels: { phone: 'Phone', mail: 'Mail', form: 'Form', in_person: 'In person' },
    survey: {
      title: 'Satisfaction survey',
      intro: 'Please answer five questions about how we handled your request (about a minute). The answers can be sent once.',
      questions: { q1: 'Speed of our answer', q2: 'Clarity of our explanations', q3: 'The solution or answer', q4: 'The staff who handled it', q5: 'Overall satisfaction' },
      choices: { satisfied: 'Satisfied', mostly_satisfied: 'Mostly satisfied', neutral: 'Neutral', somewhat_dissatisfied: 'Somewhat dissatisfied', dissatisfied: 'Dissatisfied' },
      comment: 'Comments (optional)',
      submit: 'Send the answers',
      thanks: 'Thank you for your answers.',
      used: 'This survey has already been answered.',
      expired: 'This survey link has expired.',
      invalidLink: 'This survey link is not valid.',
      answerAll: 'Please answer every question.',
    },
  },
};

export const words: Record<Lang, Words> = { ja, en };

/** The error pages' words (they must render even when the site's configuration cannot be read). */
export const errorWords = {
  ja: {
    notFound: { title: 'ページが見つかりません', lead: 'お探しのページは見つかりませんでした。アドレスに誤りがないかご確認ください。' },
    serverError: { title: 'ページを表示できません', lead: '申し訳ありません。一時的な問題によりページを表示できませんでした。しばらくしてから再度お試しください。' },
    home: '稼働状況のページへ',
    admin: '管理画面へ',
    reports: 'SLA月次報告へ',
    otherLanguage: 'English',
  },
  en: {
    notFound: { title: 'Page not found', lead: 'We could not find that page. Please check the address.' },
    serverError: { title: 'This page cannot be shown', lead: 'Sorry, a temporary problem kept this page from being shown. Please try again in a moment.' },
    home: 'Go to the status page',
    admin: 'Admin pages',
    reports: 'Monthly SLA reports',
    otherLanguage: '日本語',
  },
} as const;

export function serviceName(s: { nameJa: string; nameEn: string | null }, lang: Lang): string {
  return lang === 'en' && s.nameEn ? s.nameEn : s.nameJa;
}

export function localized(ja: string, en: string | null | undefined, lang: Lang): string {
  return lang === 'en' && en ? en : ja;
}

/** `2026-10-01 09:00 JST`, or with the weekday for windows: `2026-10-01 (木) 09:00 JST`. */
export function formatTime(at: number, lang: Lang, zone: string, withWeekday = false): string {
  const d = DateTime.fromMillis(at, { zone }).setLocale(lang === 'ja' ? 'ja' : 'en');
  const label = zoneLabel(zone);
  return withWeekday ? `${d.toFormat('yyyy-LL-dd (ccc) HH:mm')} ${label}` : `${d.toFormat('yyyy-LL-dd HH:mm')} ${label}`;
}

/** A window: the end's date is left out when it is the same day. */
export function formatWindow(start: number, end: number, lang: Lang, zone: string): string {
  const s = DateTime.fromMillis(start, { zone }).setLocale(lang === 'ja' ? 'ja' : 'en');
  const e = DateTime.fromMillis(end, { zone }).setLocale(lang === 'ja' ? 'ja' : 'en');
  const endText = s.hasSame(e, 'day') ? e.toFormat('HH:mm') : e.toFormat('yyyy-LL-dd (ccc) HH:mm');
  return `${s.toFormat('yyyy-LL-dd (ccc) HH:mm')} – ${endText} ${zoneLabel(zone)}`;
}

export function zoneLabel(zone: string): string {
  if (zone === 'Asia/Tokyo') return 'JST';
  return DateTime.now().setZone(zone).toFormat('ZZZZ');
}

/** Whole minutes (rounded) as `2時間5分` / `2 h 5 min`, zero parts left out. */
export function durationText(ms: number, lang: Lang): string {
  return durationWords(Math.max(0, Math.round(ms / 60_000)), lang, { units: ['h', 'min'], zeros: 'none' });
}

/** The same place in the other language: `/incidents/x` ⇄ `/en/incidents/x`. */
export function pathIn(lang: Lang, path: string): string {
  const bare = path.replace(/^\/en(\/|$)/, '/');
  return lang === 'en' ? `/en${bare === '/' ? '/' : bare}` : bare;
}
