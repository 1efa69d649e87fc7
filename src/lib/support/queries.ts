import type { Db } from '../db';
import type { Lang } from '../i18n';
import type { SupportCategory, SupportChannel, SupportStatus } from './model';

/**
 * Reading items for the admin pages (everything) and for a signed-in client (only the items
 * it raised: `requesterUserId`). The acknowledgement of a mail or form item is the
 * acknowledgement mail's send time.
 */
export interface ItemSummary {
  id: number;
  channel: SupportChannel;
  category: SupportCategory;
  status: SupportStatus;
  raisedBy: 'learner' | 'client' | 'admin';
  serviceSlug: string | null;
  serviceNameJa: string | null;
  serviceNameEn: string | null;
  requesterEmail: string | null;
  requesterName: string | null;
  requesterUserId: number | null;
  lang: Lang;
  body: string;
  approach: string | null;
  approachAgreedAt: number | null;
  receivedAt: number;
  acknowledgedAt: number | null;
  closedAt: number | null;
  updatedAt: number;
  minutes: number;
}

const SELECT = `SELECT i.id, i.channel, i.category, i.status, i.raised_by AS raisedBy, s.slug AS serviceSlug, s.name_ja AS serviceNameJa, s.name_en AS serviceNameEn,
    i.requester_email AS requesterEmail, i.requester_name AS requesterName, i.requester_user_id AS requesterUserId, i.lang, i.body,
    i.approach, i.approach_agreed_at AS approachAgreedAt, i.received_at AS receivedAt, coalesce(i.acknowledged_at, o.sent_at) AS acknowledgedAt,
    i.closed_at AS closedAt, i.updated_at AS updatedAt, coalesce((SELECT sum(minutes) FROM support_minutes m WHERE m.item_id = i.id), 0) AS minutes
  FROM support_items i LEFT JOIN services s ON s.id = i.service_id LEFT JOIN mail_outbox o ON o.id = i.ack_outbox_id`;

export function listItems(db: Db, filter: { requesterUserId?: number; open?: boolean; limit?: number } = {}): ItemSummary[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.requesterUserId !== undefined) { where.push('i.requester_user_id = ?'); args.push(filter.requesterUserId); }
  if (filter.open) where.push("i.status NOT IN ('done', 'declined', 'dismissed')");
  args.push(Math.min(Math.max(filter.limit ?? 200, 1), 1000));
  return db.$client.prepare(`${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.received_at DESC, i.id DESC LIMIT ?`).all(...args) as ItemSummary[];
}

export interface TimelineEntry {
  id: number;
  at: number;
  kind: 'received' | 'status' | 'approach' | 'note' | 'survey_sent';
  fromStatus: SupportStatus | null;
  toStatus: SupportStatus | null;
  text: string | null;
  reportedVia: 'mail' | 'phone' | 'in_person' | null;
  mailSentAt: number | null;
  mailFailedAt: number | null;
  actor: string;
}

export interface MinutesEntry { id: number; actor: string; minutes: number; workedAt: number; note: string | null }

export interface ItemDetail extends ItemSummary {
  ackMail: { queuedAt: number; sentAt: number | null; failedAt: number | null } | null;
  timeline: TimelineEntry[];
  minutesLog: MinutesEntry[];
  minutesByAdmin: { actor: string; minutes: number }[];
  surveys: { sentAt: number; expiresAt: number; usedAt: number | null }[];
}

export function getItem(db: Db, id: number): ItemDetail | null {
  const c = db.$client;
  const item = c.prepare(`${SELECT} WHERE i.id = ?`).get(id) as ItemSummary | undefined;
  if (!item) return null;
  const ackMail = c.prepare(`SELECT o.created_at AS queuedAt, o.sent_at AS sentAt, o.failed_at AS failedAt FROM support_items i JOIN mail_outbox o ON o.id = i.ack_outbox_id WHERE i.id = ?`)
    .get(id) as ItemDetail['ackMail'] | undefined;
  return {
    ...item,
    ackMail: ackMail ?? null,
    timeline: c.prepare(`SELECT e.id, e.at, e.kind, e.from_status AS fromStatus, e.to_status AS toStatus, e.text, e.reported_via AS reportedVia,
        o.sent_at AS mailSentAt, o.failed_at AS mailFailedAt, e.actor
      FROM support_events e LEFT JOIN mail_outbox o ON o.id = e.outbox_id WHERE e.item_id = ? ORDER BY e.at, e.id`).all(id) as TimelineEntry[],
    minutesLog: c.prepare('SELECT id, actor, minutes, worked_at AS workedAt, note FROM support_minutes WHERE item_id = ? ORDER BY worked_at, id').all(id) as MinutesEntry[],
    minutesByAdmin: c.prepare('SELECT actor, sum(minutes) AS minutes FROM support_minutes WHERE item_id = ? GROUP BY actor ORDER BY actor').all(id) as { actor: string; minutes: number }[],
    surveys: c.prepare('SELECT sent_at AS sentAt, expires_at AS expiresAt, used_at AS usedAt FROM survey_invitations WHERE item_id = ? ORDER BY id').all(id) as ItemDetail['surveys'],
  };
}
