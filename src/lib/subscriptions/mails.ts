import type { OutgoingMail } from '../mail/outbox';
import type { Lang } from '../i18n';

/** The words of subscriber mail. Plain text, with the links spelled out. */
export function confirmationMail(to: string, lang: Lang, siteName: string, confirmUrl: string): OutgoingMail {
  const text = lang === 'en'
    ? `You (or someone with this address) asked to receive e-mail from ${siteName}.\n\nTo confirm, open this link and press the button:\n${confirmUrl}\n\nIf you did not ask for this, ignore this mail: nothing will be sent.\n`
    : `${siteName} からのメール通知の登録を受け付けました。\n\n登録を完了するには、次のリンクを開いてボタンを押してください。\n${confirmUrl}\n\nお心当たりのない場合は、このメールを破棄してください。登録はされません。\n`;
  return {
    to,
    subject: lang === 'en' ? `[${siteName}] Confirm your subscription` : `[${siteName}] メール通知登録の確認`,
    text,
    kind: 'subscriber_confirm',
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

/** A notice to one subscriber, with the one-click unsubscribe headers of RFC 2369 and RFC 8058. */
export function noticeMail(to: string, lang: Lang, siteName: string, subject: string, body: string, link: string, unsubscribeUrl: string): OutgoingMail {
  const footer = lang === 'en'
    ? `\n\nDetails: ${link}\n\n--\nYou receive this because you subscribed to ${siteName}.\nUnsubscribe: ${unsubscribeUrl}\n`
    : `\n\n詳細: ${link}\n\n--\n${siteName} のメール通知に登録されているため、このメールをお送りしています。\n配信停止: ${unsubscribeUrl}\n`;
  return {
    to,
    subject: `[${siteName}] ${subject}`,
    text: `${body}${footer}`,
    kind: 'subscriber_notice',
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'Auto-Submitted': 'auto-generated',
      Precedence: 'bulk',
    },
  };
}
