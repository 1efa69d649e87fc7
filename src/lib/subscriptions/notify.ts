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
import { enqueueNotice } from '../destinations/destinations';

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

type PublishedIncident = NonNullable<ReturnType<typeof incidentById>>;

/**
 * One published update in a language: the subject, body and public link of the subscriber
 * mail, and the words destinations receive. Only what the public page shows.
 */
export function incidentUpdateWords(incident: PublishedIncident, update: PublishedIncident['updates'][number], lang: Lang, zone: string, baseUrl: string): { subject: string; body: string; link: string } {
  const t = words[lang];
  const title = localized(incident.titleJa, incident.titleEn, lang);
  const body = [
    `${title}`,
    `${t.incidentStatus[update.status]} · ${formatTime(update.at, lang, zone)}`,
    '',
    localized(update.bodyJa, update.bodyEn, lang),
    '',
    `${t.affected}: ${incident.services.map((s) => `${serviceName(s, lang)} (${t.impact[s.impact]})`).join(', ')}`,
    `${t.startedAt}: ${formatTime(incident.startedAt, lang, zone)}`,
  ].join('\n');
  return { subject: `${t.incidentStatus[update.status]}: ${title}`, body, link: `${baseUrl}${pathIn(lang, `/incidents/${encodeURIComponent(incident.key)}`)}` };
}

/**
 * Mails the subscribers of the incident's services about one published update, and queues it
 * to the destinations that take incident updates. Returns how many mails were queued.
 */
export function notifySubscribersOfIncidentUpdate(db: Db, incidentId: number, updateId: number, options: NotifyOptions = {}): number {
  const { baseUrl, config, now } = settingsOf(options);
  return inTransaction(db, () => {
    const incident = incidentById(db, incidentId);
    const update = incident?.updates.find((u) => u.id === updateId);
    if (!incident || !update) return 0; // a draft, or an update not published: nothing to tell
    const serviceIds = incident.services.map((s) => s.serviceId);
    enqueueNotice(db, 'incidents', `incident_update:${updateId}`, serviceIds, (lang) => {
      const w = incidentUpdateWords(incident, update, lang, config.zone, baseUrl);
      return { type: 'incident.update', occurredAt: update.at, services: incident.services.map((s) => serviceName(s, lang)), title: w.subject, text: w.body, url: w.link, lang };
    }, now);
    const to = recipients(db, 'incidents', serviceIds);
    if (!claim(db, 'incident_update', updateId, now, to.length)) return 0;
    for (const r of to) {
      const w = incidentUpdateWords(incident, update, r.lang, config.zone, baseUrl);
      const unsub = `${baseUrl}/subscribe/unsubscribe?token=${unsubscribeToken(db, r.id)}`;
      enqueueMail(db, noticeMail(r.email, r.lang, config.site.name[r.lang], w.subject, w.body, w.link, unsub), now);
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

type StopDetail = NonNullable<ReturnType<typeof maintenanceById>>;

/** One moment of a stop in a language: the subscriber mail's subject, body and public link, which destinations receive too. */
export function stopWords(m: StopDetail, moment: StopMoment, lang: Lang, zone: string, baseUrl: string): { subject: string; body: string; link: string } {
  const t = words[lang];
  const title = localized(m.titleJa, m.titleEn, lang);
  const window = formatWindow(m.scheduledStart, m.scheduledEnd, lang, zone);
  const body = [
    STOP_LEAD[moment][lang], '', title,
    `${t.window}: ${window}`,
    ...(moment === 'started' && m.actualStart !== null ? [`${lang === 'en' ? 'Started' : '開始'}: ${formatTime(m.actualStart, lang, zone)}`] : []),
    ...(moment === 'finished' && m.actualEnd !== null ? [`${lang === 'en' ? 'Completed' : '終了'}: ${formatTime(m.actualEnd, lang, zone)}`] : []),
    `${t.affected}: ${m.services.map((s) => serviceName(s, lang)).join(', ')}`,
    ...(m.bodyJa && moment !== 'cancelled' ? ['', localized(m.bodyJa, m.bodyEn, lang)] : []),
  ].join('\n');
  // The subject names the stop and its time, so the notice is understood at a glance.
  return { subject: `${STOP_SUBJECT[moment][lang]}: ${title} (${window})`, body, link: `${baseUrl}${pathIn(lang, `/incidents/maintenance/${encodeURIComponent(m.key)}`)}` };
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
    const serviceIds = m.services.map((s) => s.serviceId);
    if (moment !== 'starting') {
      enqueueNotice(db, 'maintenances', `${stopNoticeKey(moment, m)}:${maintenanceId}`, serviceIds, (lang) => {
        const w = stopWords(m, moment, lang, config.zone, baseUrl);
        const at = moment === 'started' ? m.actualStart : moment === 'finished' ? m.actualEnd : null;
        return { type: `maintenance.${moment}`, occurredAt: at ?? now, services: m.services.map((s) => serviceName(s, lang)), title: w.subject, text: w.body, url: w.link, lang };
      }, now);
    }
    const to = recipients(db, 'maintenances', serviceIds);
    if (!claim(db, stopNoticeKey(moment, m), maintenanceId, now, to.length)) return 0;
    for (const r of to) {
      const w = stopWords(m, moment, r.lang, config.zone, baseUrl);
      const unsub = `${baseUrl}/subscribe/unsubscribe?token=${unsubscribeToken(db, r.id)}`;
      enqueueMail(db, noticeMail(r.email, r.lang, config.site.name[r.lang], w.subject, w.body, w.link, unsub), now);
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
