import type { OutgoingMail } from '../mail/outbox';
import { words, type Lang } from '../i18n';
import { itemNumber, type SupportStatus } from './model';

/**
 * The words of the desk's mail to a requester. Plain text; the requester's own text is
 * never quoted back, so a form cannot be used to send arbitrary text to someone else's
 * address. Subjects carry only the item number and fixed words.
 */
const headers = { 'Auto-Submitted': 'auto-replied' };

/** The desk that answers (config support.desk): its name, hours and reply time, in both languages. */
export interface DeskWords {
  name: { ja: string; en: string };
  hours: { ja: string; en: string };
  reply_business_days: number;
  contact: { ja: string; en: string };
}

const signature = (desk: DeskWords, lang: Lang) => `--\n${desk.name[lang]}\n${desk.hours[lang]}\n${desk.contact[lang] ? `${desk.contact[lang]}\n` : ''}`;

export function acknowledgementMail(to: string, lang: Lang, desk: DeskWords, itemId: number, statusUrl: string | null): OutgoingMail {
  const no = itemNumber(itemId);
  const days = desk.reply_business_days;
  const text = lang === 'en'
    ? `Thank you for writing to us. We have received your message.\n\nItem number: ${no}\n\nOur hours: ${desk.hours.en}\nA member of our staff will reply within ${days === 1 ? '1 business day' : `${days} business days`}. We will also write to you each time its status changes. Please quote the item number if you write to us about it.\n${statusUrl ? `\nSigned-in clients can follow it at ${statusUrl}\n` : ''}\nIf you did not send this, please ignore this mail.\n\n${signature(desk, 'en')}`
    : `お問い合わせいただきありがとうございます。以下の受付番号で受け付けました。\n\n受付番号: ${no}\n\n受付時間: ${desk.hours.ja}\n担当者から${days}営業日以内にご連絡します。対応状況が変わるたびにもメールでお知らせします。お問い合わせの際は受付番号をお書き添えください。\n${statusUrl ? `\n委託者の方はログインして ${statusUrl} で経過を確認できます。\n` : ''}\nお心当たりのない場合は、このメールを破棄してください。\n\n${signature(desk, 'ja')}`;
  return {
    to, kind: 'support_ack', headers,
    subject: lang === 'en' ? `[${desk.name.en}] Received: item ${no}` : `[${desk.name.ja}] 受付のお知らせ（受付番号 ${no}）`,
    text,
  };
}

export function statusMail(to: string, lang: Lang, siteName: string, itemId: number, status: SupportStatus, note: string | null): OutgoingMail {
  const no = itemNumber(itemId);
  const name = words[lang].support.statuses[status];
  const text = lang === 'en'
    ? `The status of your item ${no} at ${siteName} is now: ${name}.\n${note ? `\n${note}\n` : ''}`
    : `${siteName} の受付番号 ${no} の対応状況が「${name}」になりました。\n${note ? `\n${note}\n` : ''}`;
  return {
    to, kind: 'support_status', headers,
    subject: lang === 'en' ? `[${siteName}] Item ${no}: ${name}` : `[${siteName}] 受付番号 ${no}: ${name}`,
    text,
  };
}

export function surveyMail(to: string, lang: Lang, siteName: string, url: string, expiresText: string, itemId: number | null): OutgoingMail {
  const about = itemId === null ? '' : lang === 'en' ? ` about item ${itemNumber(itemId)}` : `（受付番号 ${itemNumber(itemId)}）`;
  const text = lang === 'en'
    ? `Thank you for contacting ${siteName}. Please tell us how we did${about}: five questions, about a minute.\n\n${url}\n\nThe link works once, until ${expiresText}.\n`
    : `${siteName} をご利用いただきありがとうございます。サポートの対応${about}について、満足度アンケート（5問・約1分）にご協力ください。\n\n${url}\n\nリンクは一度だけ、${expiresText} まで有効です。\n`;
  return {
    to, kind: 'support_survey', headers: { 'Auto-Submitted': 'auto-generated' },
    subject: lang === 'en' ? `[${siteName}] Satisfaction survey` : `[${siteName}] 満足度アンケートのお願い`,
    text,
  };
}
