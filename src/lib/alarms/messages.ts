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

/** The mail an operator receives, Japanese first with English below. */
export function alarmMail(f: AlarmMailFacts): { subject: string; text: string } {
  const t = (ms: number) => `${DateTime.fromMillis(ms, { zone: f.zone }).toFormat('yyyy-LL-dd HH:mm:ss')} ${zoneLabel(f.zone)}`;
  // The reason as a sentence in both languages; the probe's own words below it, for the record.
  const reasonJa = reasonText(f.message, 'ja');
  const reason = (label: string) => [`${label}: ${reasonJa} / ${reasonText(f.message, 'en')}`, `監視の出力 / Probe output: ${f.message}`];
  const service = `${f.serviceJa}${f.serviceEn ? ` / ${f.serviceEn}` : ''}`;
  const safeTarget = f.monitorType === 'mysql' || f.monitorType === 'ftp' || f.monitorType === 'push' ? redact(f.target, f.monitorType) : f.target;
  const minutes = (ms: number) => `${Math.max(0, Math.round(ms / 60_000))}`;
  let subject: string;
  const lines: string[] = [];
  switch (f.event) {
    case 'outage':
      subject = `【障害検知】${f.serviceJa} ${f.monitorSlug}: ${reasonJa}`;
      lines.push('監視で障害を検知しました。 / The probe confirmed an outage.', '',
        `サービス / Service: ${service}`, `監視 / Monitor: ${f.monitorSlug} (${f.monitorType} ${safeTarget})`,
        ...reason('内容 / Reason'), `発生 / Started: ${t(f.startedAt)}`, `検知 / Detected: ${t(f.detectedAt)}`, '',
        'インシデントの下書きを作成しました。確認して公開してください。 / A draft incident was opened: review and publish it.');
      break;
    case 'recovery':
      subject = `【復旧】${f.serviceJa} ${f.monitorSlug}`;
      lines.push('監視対象が復旧しました。 / The monitor has recovered.', '',
        `サービス / Service: ${service}`, `監視 / Monitor: ${f.monitorSlug} (${f.monitorType} ${safeTarget})`,
        `発生 / Started: ${t(f.startedAt)}`, `復旧 / Recovered: ${t(f.recoveredAt ?? f.detectedAt)}`,
        `停止時間 / Down for: ${minutes((f.recoveredAt ?? f.detectedAt) - f.startedAt)} 分 / min`);
      if ((f.episodes ?? 1) > 1) lines.push(`障害と復旧を${f.episodes}回繰り返した後、安定しました。 / Settled after ${f.episodes} outage episodes.`);
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
