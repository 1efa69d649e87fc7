import type { Lang } from '../i18n';

/**
 * A notification as destinations receive it, in one language: the generic webhook's JSON
 * (version 1, documented in the README), and the Slack and Teams bodies made from it.
 * Text comes from the mail builders (alarm and subscriber mail), never written twice.
 */
export type NoticeType =
  | 'alarm.outage' | 'alarm.recovery'
  | 'incident.update'
  | 'maintenance.announced' | 'maintenance.changed' | 'maintenance.cancelled' | 'maintenance.started' | 'maintenance.finished'
  | 'test';

export interface Notice {
  type: NoticeType;
  occurredAt: number;
  services: string[];
  title: string;
  text: string;
  /** The admin page (alarms) or the public page (incident updates, stops); null when the site's address is unknown. */
  url: string | null;
  lang: Lang;
}

/** The generic webhook's payload: a stable shape, `version` raised only on a breaking change. */
export interface WebhookPayload {
  version: 1;
  type: NoticeType;
  id: string;
  occurred_at: string;
  services: string[];
  title: string;
  text: string;
  url: string | null;
  language: Lang;
}

export function webhookPayload(n: Notice, id: string): WebhookPayload {
  return { version: 1, type: n.type, id, occurred_at: new Date(n.occurredAt).toISOString(), services: n.services, title: n.title, text: n.text, url: n.url, language: n.lang };
}

const OPEN: Record<Lang, string> = { ja: '詳細を開く', en: 'Open details' };

/** Slack's mrkdwn treats &, < and > as markup. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Slack incoming webhook's message: `text` (notifications, and clients without blocks) and blocks. */
export function slackBody(n: Notice): { text: string; blocks: unknown[] } {
  const text = [`*${slackEscape(n.title)}*`, slackEscape(n.text), ...(n.url ? [`<${n.url}|${OPEN[n.lang]}>`] : [])].join('\n');
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: n.title.slice(0, 150), emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(n.text).slice(0, 3000) } },
      ...(n.url ? [{ type: 'section', text: { type: 'mrkdwn', text: `<${n.url}|${OPEN[n.lang]}>` } }] : []),
    ],
  };
}

/** A Teams Workflows webhook's message: one Adaptive Card (schema 1.4). */
export function teamsBody(n: Notice): unknown {
  return {
    type: 'message',
    attachments: [{
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        lang: n.lang,
        body: [
          { type: 'TextBlock', text: n.title, weight: 'Bolder', size: 'Medium', wrap: true },
          { type: 'TextBlock', text: n.text, wrap: true },
        ],
        ...(n.url ? { actions: [{ type: 'Action.OpenUrl', title: OPEN[n.lang], url: n.url }] } : {}),
      },
    }],
  };
}

/** The exact body POSTed to a destination of `kind`. */
export function bodyFor(kind: 'webhook' | 'slack' | 'teams', n: Notice, id: string): string {
  if (kind === 'slack') return JSON.stringify(slackBody(n));
  if (kind === 'teams') return JSON.stringify(teamsBody(n));
  return JSON.stringify(webhookPayload(n, id));
}
