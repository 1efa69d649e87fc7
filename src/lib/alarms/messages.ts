import { DateTime } from 'luxon';
import { zoneLabel } from '../i18n';
import { reasonText } from '../probe/reason-text';

export interface AlarmMailFacts {
  event: 'outage' | 'recovery' | 'warning' | 'warning_cleared' | 'flapping';
  severity: 'warning' | 'critical';
  serviceJa: string;
  serviceEn: string | null;
  monitorSlug: string;
  monitorType: string;
  target: string;
  message: string;
  startedAt: number;
  detectedAt: number;
  recoveredAt: number | null;
  zone: string;
  /** The admin page of the alarm or incident, when the site's address is known. */
  link: string | null;
  /** Outage episodes of a flapping alarm (more than one). */
  episodes?: number;
}

/** Words of outage and recovery notices, [Japanese, English]: the mail puts both, a chat message one. */
const W = {
  outageTag: ['【障害検知】', '[Outage] '],
  recoveryTag: ['【復旧】', '[Recovered] '],
  outageLead: ['監視で障害を検知しました。', 'The probe confirmed an outage.'],
  recoveryLead: ['監視対象が復旧しました。', 'The monitor has recovered.'],
  service: ['サービス', 'Service'],
  reason: ['内容', 'Reason'],
  started: ['発生', 'Started'],
  detected: ['検知', 'Detected'],
  recovered: ['復旧', 'Recovered'],
  downFor: ['停止時間', 'Down for'],
  minutes: ['分', 'min'],
  draftOpened: ['インシデントの下書きを作成しました。確認して公開してください。', 'A draft incident was opened: review and publish it.'],
} as const;
const both = (w: readonly [string, string]) => `${w[0]} / ${w[1]}`;
const settled = (episodes: number): [string, string] => [`障害と復旧を${episodes}回繰り返した後、安定しました。`, `Settled after ${episodes} outage episodes.`];

const stamp = (ms: number, zone: string) => `${DateTime.fromMillis(ms, { zone }).toFormat('yyyy-LL-dd HH:mm:ss')} ${zoneLabel(zone)}`;
const downMinutes = (f: AlarmMailFacts) => `${Math.max(0, Math.round(((f.recoveredAt ?? f.detectedAt) - f.startedAt) / 60_000))}`;

/**
 * An outage or recovery in one language, for chat and webhook destinations: the mail's
 * words without the probe's own output or the monitor's name (chat channels are read more
 * widely than the operators' mailbox).
 */
export function alarmNotice(f: AlarmMailFacts & { event: 'outage' | 'recovery' }, lang: 'ja' | 'en'): { title: string; text: string } {
  const i = lang === 'en' ? 1 : 0;
  const service = lang === 'en' ? (f.serviceEn ?? f.serviceJa) : f.serviceJa;
  const t = (ms: number) => stamp(ms, f.zone);
  if (f.event === 'outage') {
    const reason = reasonText(f.message, lang);
    return {
      title: `${W.outageTag[i]}${service}: ${reason}`,
      text: [W.outageLead[i], `${W.service[i]}: ${service}`, `${W.reason[i]}: ${reason}`, `${W.started[i]}: ${t(f.startedAt)}`, `${W.detected[i]}: ${t(f.detectedAt)}`, W.draftOpened[i]].join('\n'),
    };
  }
  return {
    title: `${W.recoveryTag[i]}${service}`,
    text: [W.recoveryLead[i], `${W.service[i]}: ${service}`, `${W.started[i]}: ${t(f.startedAt)}`, `${W.recovered[i]}: ${t(f.recoveredAt ?? f.detectedAt)}`,
      `${W.downFor[i]}: ${downMinutes(f)} ${W.minutes[i]}`, ...((f.episodes ?? 1) > 1 ? [settled(f.episodes!)[i]] : [])].join('\n'),
  };
}

/** The mail an operator receives, Japanese first with English below. */
export function alarmMail(f: AlarmMailFacts): { subject: string; text: string } {
  const t = (ms: number) => stamp(ms, f.zone);
  // The reason as a sentence in both languages; the probe's own words below it, for the record.
  const reasonJa = reasonText(f.message, 'ja');
  const reason = (label: string) => [`${label}: ${reasonJa} / ${reasonText(f.message, 'en')}`, `監視の出力 / Probe output: ${f.message}`];
  const service = `${f.serviceJa}${f.serviceEn ? ` / ${f.serviceEn}` : ''}`;
  const safeTarget = f.monitorType === 'mysql' || f.monitorType === 'ftp' || f.monitorType === 'push' ? redact(f.target, f.monitorType) : f.target;
  let subject: string;
  const lines: string[] = [];
  switch (f.event) {
    case 'outage':
      subject = `${W.outageTag[0]}${f.serviceJa} ${f.monitorSlug}: ${reasonJa}`;
      lines.push(both(W.outageLead), '',
        `${both(W.service)}: ${service}`, `監視 / Monitor: ${f.monitorSlug} (${f.monitorType} ${safeTarget})`,
        ...reason(both(W.reason)), `${both(W.started)}: ${t(f.startedAt)}`, `${both(W.detected)}: ${t(f.detectedAt)}`, '',
        both(W.draftOpened));
      break;
    case 'recovery':
      subject = `${W.recoveryTag[0]}${f.serviceJa} ${f.monitorSlug}`;
      lines.push(both(W.recoveryLead), '',
        `${both(W.service)}: ${service}`, `監視 / Monitor: ${f.monitorSlug} (${f.monitorType} ${safeTarget})`,
        `${both(W.started)}: ${t(f.startedAt)}`, `${both(W.recovered)}: ${t(f.recoveredAt ?? f.detectedAt)}`,
        `${both(W.downFor)}: ${downMinutes(f)} ${both(W.minutes)}`);
      if ((f.episodes ?? 1) > 1) lines.push(both(settled(f.episodes!)));
      break;
    case 'flapping':
      subject = `【不安定】${f.serviceJa} ${f.monitorSlug}: 障害と復旧を繰り返しています`;
      lines.push('監視対象が障害と復旧を短い間隔で繰り返しています。安定するまで個別の通知は送りません。 / The monitor keeps failing and recovering; no further mail is sent until it settles.', '',
        `サービス / Service: ${service}`, `監視 / Monitor: ${f.monitorSlug} (${f.monitorType} ${safeTarget})`,
        ...reason('内容 / Reason'), `最初の発生 / First started: ${t(f.startedAt)}`, `再発 / Again at: ${t(f.detectedAt)}`, '',
        '障害の下書きは一つのまま、各回をまとめて記録します。 / The one draft incident collects every episode.');
      break;
    case 'warning':
      subject = `【${f.severity === 'critical' ? '重大警告' : '警告'}】${f.serviceJa} ${f.monitorSlug}: ${reasonJa}`;
      lines.push(`しきい値を超えました (${f.severity === 'critical' ? '重大' : '警告'})。稼働率には影響しません。 / A threshold was crossed (${f.severity}); this is not downtime.`, '',
        `サービス / Service: ${service}`, `監視 / Monitor: ${f.monitorSlug} (${f.monitorType} ${safeTarget})`,
        ...reason('内容 / Reason'), `検知 / Detected: ${t(f.detectedAt)}`);
      break;
    case 'warning_cleared':
      subject = `【警告解除】${f.serviceJa} ${f.monitorSlug}: ${reasonJa}`;
      lines.push('しきい値の警告が解除されました。 / The threshold warning has cleared.', '',
        `サービス / Service: ${service}`, `監視 / Monitor: ${f.monitorSlug} (${f.monitorType} ${safeTarget})`,
        ...reason('内容 / Was'), `検知 / Detected: ${t(f.detectedAt)}`, `解除 / Cleared: ${t(f.recoveredAt ?? f.detectedAt)}`);
      break;
  }
  if (f.link) lines.push('', f.link);
  // Subjects are one line and not endless.
  subject = subject.replace(/[\r\n]+/g, ' ');
  if (subject.length > 150) subject = `${subject.slice(0, 149)}…`;
  return { subject, text: `${lines.join('\n')}\n` };
}

/** Targets that carry secrets (passwords in URLs, push tokens) are shown without them. */
export function redact(target: string, type: string): string {
  if (type === 'push') return `${target.slice(0, 4)}…`;
  try {
    const u = new URL(target);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return target;
  }
}
