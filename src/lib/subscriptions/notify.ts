import type { Db } from '../db';
import { inTransaction } from '../db';
import { readEnv, publicUrl } from '../env';
import { loadConfig, type Config } from '../config';
import { enqueueMail } from '../mail/outbox';
import { ANNOUNCED_MAINTENANCE, incidentById, maintenanceById } from '../status/history';
import { words, localized, serviceName, formatTime, formatWindow, pathIn, type Lang } from '../i18n';
import { unsubscribeToken } from './tokens';
import { noticeMail } from './mails';
import { log } from '../log';

/**
 * Mail to subscribers about an incident update or a planned stop. Each notice goes out
 * once (subscriber_notices), queued in the caller's transaction through the outbox, so it
 * is sent exactly when what it announces is saved. Only published facts are mailed.
 */
export interface NotifyOptions {
  baseUrl?: string;
  config?: Config;
  now?: number;
}

interface Recipient { id: number; email: string; lang: Lang }

function settingsOf(options: NotifyOptions): { baseUrl: string; config: Config; now: number } {
  const env = options.baseUrl && options.config ? null : readEnv();
  return {
    baseUrl: options.baseUrl ?? publicUrl(env!),
    config: options.config ?? loadConfig(env!.CONFIG_PATH),
    now: options.now ?? Date.now(),
  };
}

function recipients(db: Db, topic: 'incidents' | 'maintenances', serviceIds: number[]): Recipient[] {
  const marks = serviceIds.map(() => '?').join(',') || 'NULL';
  return db.$client.prepare(`SELECT s.id, s.email, s.lang FROM subscribers s WHERE s.confirmed_at IS NOT NULL AND s.${topic} = 1
    AND (s.all_services = 1 OR EXISTS (SELECT 1 FROM subscriber_services x WHERE x.subscriber_id = s.id AND x.service_id IN (${marks})))
    ORDER BY s.id`).all(...serviceIds) as Recipient[];
}

/** Marks a notice as sent; false when it already was. */
function claim(db: Db, what: string, ref: number, now: number, count: number): boolean {
  const res = db.$client.prepare('INSERT OR IGNORE INTO subscriber_notices (what, ref, at, recipients) VALUES (?, ?, ?, ?)').run(what, ref, now, count);
  return res.changes === 1;
}

/** Mails the subscribers of the incident's services about one published update. Returns how many mails were queued. */
export function notifySubscribersOfIncidentUpdate(db: Db, incidentId: number, updateId: number, options: NotifyOptions = {}): number {
  const { baseUrl, config, now } = settingsOf(options);
  return inTransaction(db, () => {
    const incident = incidentById(db, incidentId);
    const update = incident?.updates.find((u) => u.id === updateId);
    if (!incident || !update) return 0; // a draft, or an update not published: nothing to tell
    const to = recipients(db, 'incidents', incident.services.map((s) => s.serviceId));
    if (!claim(db, 'incident_update', updateId, now, to.length)) return 0;
    for (const r of to) {
      const t = words[r.lang];
      const title = localized(incident.titleJa, incident.titleEn, r.lang);
      const body = [
        `${title}`,
        `${t.incidentStatus[update.status]} · ${formatTime(update.at, r.lang, config.zone)}`,
        '',
        localized(update.bodyJa, update.bodyEn, r.lang),
        '',
        `${t.affected}: ${incident.services.map((s) => `${serviceName(s, r.lang)} (${t.impact[s.impact]})`).join(', ')}`,
        `${t.startedAt}: ${formatTime(incident.startedAt, r.lang, config.zone)}`,
      ].join('\n');
      const link = `${baseUrl}${pathIn(r.lang, `/incidents/${encodeURIComponent(incident.key)}`)}`;
      const unsub = `${baseUrl}/subscribe/unsubscribe?token=${unsubscribeToken(db, r.id)}`;
      enqueueMail(db, noticeMail(r.email, r.lang, config.site.name[r.lang], `${t.incidentStatus[update.status]}: ${title}`, body, link, unsub), now);
    }
    log.info('subscriptions.incident_notice', { incident: incidentId, update: updateId, recipients: to.length });
    return to.length;
  });
}

/**
 * What subscribers hear about a planned stop: its announcement, a change of its time, its
 * cancellation, the reminder shortly before it, its start and its end.
 */
export const stopMoments = ['announced', 'changed', 'cancelled', 'starting', 'started', 'finished'] as const;
export type StopMoment = (typeof stopMoments)[number];

const STOP_LEAD: Record<StopMoment, Record<Lang, string>> = {
  announced: { ja: '計画停止を予定しています。', en: 'Planned maintenance has been scheduled.' },
  changed: { ja: '計画停止の日時を変更しました。', en: 'Planned maintenance has been rescheduled.' },
  cancelled: { ja: '次の計画停止は中止しました。サービスは停止しません。', en: 'This planned maintenance has been cancelled: the service will not stop.' },
  starting: { ja: 'まもなく計画停止を開始します。', en: 'Planned maintenance starts soon.' },
  started: { ja: '計画停止を開始しました。', en: 'Planned maintenance has started.' },
  finished: { ja: '計画停止を終了しました。', en: 'Planned maintenance has been completed.' },
};
const STOP_SUBJECT: Record<StopMoment, Record<Lang, string>> = {
  announced: { ja: '計画停止のお知らせ', en: 'Planned maintenance' },
  changed: { ja: '計画停止の日時変更', en: 'Maintenance rescheduled' },
  cancelled: { ja: '計画停止の中止', en: 'Maintenance cancelled' },
  starting: { ja: 'まもなく計画停止', en: 'Maintenance starts soon' },
  started: { ja: '計画停止を開始', en: 'Maintenance started' },
  finished: { ja: '計画停止を終了', en: 'Maintenance completed' },
};

/**
 * The key of a stop's notice in subscriber_notices: a change is told once per new window,
 * every other moment once per stop.
 */
export function stopNoticeKey(moment: StopMoment, m: { scheduledStart: number; scheduledEnd: number }): string {
  return moment === 'changed' ? `maintenance_changed:${m.scheduledStart}-${m.scheduledEnd}` : `maintenance_${moment}`;
}

/** Whether the stop's announcement reached its subscribers (later moments are told only then). */
export function subscribersWereTold(db: Db, maintenanceId: number): boolean {
  return db.$client.prepare("SELECT 1 FROM subscriber_notices WHERE what = 'maintenance_announced' AND ref = ?").get(maintenanceId) !== undefined;
}

/**
 * Mails the subscribers of the stop's services about one moment of it, each subscriber's
 * choices respected, once per moment (and once per new window for a change). Subscribers
 * who were never told of the stop hear nothing of its later moments.
 */
export function notifySubscribersOfMaintenance(db: Db, maintenanceId: number, moment: StopMoment, options: NotifyOptions = {}): number {
  const { baseUrl, config, now } = settingsOf(options);
  return inTransaction(db, () => {
    const m = maintenanceById(db, maintenanceId, now);
    if (!m) return 0;
    const finished = m.status === 'cancelled' || m.status === 'completed';
    if (finished && moment !== 'cancelled' && moment !== 'finished') return 0;
    if (moment !== 'announced' && moment !== 'starting' && !subscribersWereTold(db, maintenanceId)) return 0;
    const to = recipients(db, 'maintenances', m.services.map((s) => s.serviceId));
    if (!claim(db, stopNoticeKey(moment, m), maintenanceId, now, to.length)) return 0;
    for (const r of to) {
      const t = words[r.lang];
      const title = localized(m.titleJa, m.titleEn, r.lang);
      const window = formatWindow(m.scheduledStart, m.scheduledEnd, r.lang, config.zone);
      const body = [
        STOP_LEAD[moment][r.lang], '', title,
        `${t.window}: ${window}`,
        ...(moment === 'started' && m.actualStart !== null ? [`${r.lang === 'en' ? 'Started' : '開始'}: ${formatTime(m.actualStart, r.lang, config.zone)}`] : []),
        ...(moment === 'finished' && m.actualEnd !== null ? [`${r.lang === 'en' ? 'Completed' : '終了'}: ${formatTime(m.actualEnd, r.lang, config.zone)}`] : []),
        `${t.affected}: ${m.services.map((s) => serviceName(s, r.lang)).join(', ')}`,
        ...(m.bodyJa && moment !== 'cancelled' ? ['', localized(m.bodyJa, m.bodyEn, r.lang)] : []),
      ].join('\n');
      const link = `${baseUrl}${pathIn(r.lang, `/incidents/maintenance/${encodeURIComponent(m.key)}`)}`;
      const unsub = `${baseUrl}/subscribe/unsubscribe?token=${unsubscribeToken(db, r.id)}`;
      // The subject names the stop and its time, so the mail is understood from the inbox.
      const subject = `${STOP_SUBJECT[moment][r.lang]}: ${title} (${window})`;
      enqueueMail(db, noticeMail(r.email, r.lang, config.site.name[r.lang], subject, body, link, unsub), now);
    }
    log.info('subscriptions.maintenance_notice', { maintenance: maintenanceId, moment, recipients: to.length });
    return to.length;
  });
}

/** Announced stops starting within `beforeMs` that subscribers have not yet been reminded of (an unannounced one is not public yet). */
export function remindUpcomingMaintenances(db: Db, beforeMs: number, options: NotifyOptions = {}): number {
  const now = options.now ?? Date.now();
  const due = db.$client.prepare(`SELECT id FROM maintenances m WHERE status = 'scheduled' AND scheduled_start > ? AND scheduled_start <= ?
    AND ${ANNOUNCED_MAINTENANCE}
    AND NOT EXISTS (SELECT 1 FROM subscriber_notices n WHERE n.what = 'maintenance_starting' AND n.ref = m.id)`).pluck().all(now, now + beforeMs) as number[];
  let sent = 0;
  for (const id of due) sent += notifySubscribersOfMaintenance(db, id, 'starting', { ...options, now });
  return sent;
}
