import type { Db } from '../db';
import { inTransaction } from '../db';
import type { Config } from '../config';
import { enqueueMail } from '../mail/outbox';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { formatInZone } from '../time';
import { words } from '../i18n';
import { maintenances } from '../../../db/schema/index';
import { eq } from 'drizzle-orm';
import { notifySubscribersOfMaintenance, stopNoticeKey, type StopMoment } from '../subscriptions/notify';
import type { MaintenanceDetail } from './verbs';

/**
 * A planned stop's announcements are sent, and their sending is the record: announcing a
 * stop mails the client's contacts (the contract's 計画停止予定通知) and the subscribers of
 * its services, and stamps `announced_at` with the time the client's notice was queued, in
 * the transaction that saves the stop. The notice rule is measured from that stamp. A
 * change of time, a cancellation, the start and the end are told to whoever was told of
 * the stop, each once (subscriber_notices).
 */
export interface AnnounceOptions {
  /** The site's public address, for links. */
  baseUrl: string;
  config: Config;
}


const CLIENT_SUBJECT: Record<Exclude<StopMoment, 'starting'>, string> = {
  announced: '【計画停止予定通知】',
  changed: '【計画停止の日時変更のご連絡】',
  cancelled: '【計画停止中止のご連絡】',
  started: '【計画停止開始のご連絡】',
  finished: '【計画停止終了のご連絡】',
};

function clientMailText(stop: MaintenanceDetail, moment: Exclude<StopMoment, 'starting'>, opts: AnnounceOptions, before: { scheduledStart: number; scheduledEnd: number } | null): string {
  const zone = opts.config.zone;
  const at = (ms: number) => `${formatInZone(ms, zone, 'yyyy-LL-dd HH:mm')} (JST)`;
  const window = (s: number, e: number) => `${at(s)} 〜 ${at(e)}`;
  return [
    '委託者ご担当者様',
    '',
    `${CLIENT_SUBJECT[moment].replace(/[【】]/g, '')}を申し上げます。`,
    '',
    `件名: ${stop.titleJa}`,
    `区分: ${words.ja.category[stop.category] ?? stop.category}`,
    `対象サービス: ${stop.services.map((s) => s.nameJa).join('、') || '–'}`,
    `予定日時: ${window(stop.scheduledStart, stop.scheduledEnd)}`,
    ...(before ? [`変更前の予定日時: ${window(before.scheduledStart, before.scheduledEnd)}`] : []),
    ...(moment === 'started' && stop.actualStart !== null ? [`開始日時: ${at(stop.actualStart)}`] : []),
    ...(moment === 'finished' && stop.actualEnd !== null ? [`終了日時: ${at(stop.actualEnd)}`] : []),
    ...(stop.bodyJa && moment !== 'cancelled' ? ['', stop.bodyJa] : []),
    '',
    `公開ページ: ${opts.baseUrl.replace(/\/+$/, '')}/incidents/maintenance/${encodeURIComponent(stop.key)}`,
  ].join('\n');
}

/** Queues one mail per client contact, once per moment of the stop; false when it was already sent. */
function mailClient(db: Db, stop: MaintenanceDetail, moment: Exclude<StopMoment, 'starting'>, opts: AnnounceOptions, now: number, before: { scheduledStart: number; scheduledEnd: number } | null = null): boolean {
  const contacts = opts.config.client.contacts;
  if (contacts.length === 0) return false;
  const claimed = db.$client.prepare('INSERT OR IGNORE INTO subscriber_notices (what, ref, at, recipients) VALUES (?, ?, ?, ?)')
    .run(`client_${stopNoticeKey(moment, stop)}`, stop.id, now, contacts.length).changes === 1;
  if (!claimed) return false;
  const text = clientMailText(stop, moment, opts, before);
  const subject = `${CLIENT_SUBJECT[moment]}${stop.titleJa.replace(/[\r\n]+/g, ' ')}`.slice(0, 200);
  for (const to of contacts) enqueueMail(db, { to, subject, text, kind: `client_notice.maintenance_${moment}` }, now);
  return true;
}

export interface AnnounceResult {
  /** The client's notice was sent now (and stamped). */
  client: boolean;
  /** Subscribers mailed now. */
  subscribers: number;
}

/**
 * Announces a stop now: the client's 計画停止予定通知, stamped as `announced_at`, and the
 * subscribers' mail. Without client contacts only subscribers are told and the stop stays
 * not announced (未告知), since the contract's notice is the one to the client.
 */
export function announceStop(db: Db, actor: Actor, stop: MaintenanceDetail, opts: AnnounceOptions, now: number): AnnounceResult {
  return inTransaction(db, () => {
    if (stop.status === 'completed' || stop.status === 'cancelled') throw new AppError('CONFLICT', `planned stop ${stop.id} is ${stop.status}`, [{ path: 'status', message: 'finished' }]);
    let client = false;
    if (stop.announcedAt === null && mailClient(db, stop, 'announced', opts, now)) {
      db.update(maintenances).set({ announcedAt: now }).where(eq(maintenances.id, stop.id)).run();
      client = true;
    }
    const subscribers = notifySubscribersOfMaintenance(db, stop.id, 'announced', { baseUrl: opts.baseUrl, config: opts.config, now });
    if (client || subscribers) recordAudit(db, actor, 'maintenance.announce', 'maintenance', stop.id, null, { client: client ? opts.config.client.contacts.length : 0, subscribers }, now);
    return { client, subscribers };
  });
}

/**
 * Whether a new schedule needs a new notice: the client was told the service stops in the
 * announced window; a window inside it is covered by that notice, any other is not.
 */
export function scheduleLeavesNotice(before: { scheduledStart: number; scheduledEnd: number }, after: { scheduledStart: number; scheduledEnd: number }): boolean {
  return after.scheduledStart < before.scheduledStart || after.scheduledEnd > before.scheduledEnd;
}

/**
 * Tells a moment after the announcement (a change of time, a cancellation, the start, the
 * end) to the client, if the client's notice was sent, and to the subscribers who were
 * told. A change that leaves the announced window restamps `announced_at` with the change
 * notice's time: the notice rule is then measured from it.
 */
export function tellStopMoment(db: Db, stop: MaintenanceDetail, moment: Exclude<StopMoment, 'announced' | 'starting'>, opts: AnnounceOptions, now: number, before: MaintenanceDetail | null = null): AnnounceResult {
  return inTransaction(db, () => {
    let client = false;
    if (stop.announcedAt !== null) {
      client = mailClient(db, stop, moment, opts, now, moment === 'changed' ? before : null);
      if (client && moment === 'changed' && before && scheduleLeavesNotice(before, stop)) {
        db.update(maintenances).set({ announcedAt: now }).where(eq(maintenances.id, stop.id)).run();
      }
    }
    const subscribers = notifySubscribersOfMaintenance(db, stop.id, moment, { baseUrl: opts.baseUrl, config: opts.config, now });
    return { client, subscribers };
  });
}
