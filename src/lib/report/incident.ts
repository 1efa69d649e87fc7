import { createHash } from 'node:crypto';
import type { Db } from '../db';
import type { Config } from '../config';
import { AppError } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { enqueueMail } from '../mail/outbox';
import { log } from '../log';
import { type Interval, intersect, totalMs, union } from '../intervals';
import { formatInstant, formatDuration } from '../sla/format';
import { getIncident, type IncidentDetail } from '../incidents/verbs';
import { timersOf } from '../incidents/timers';
import { timerLimitsOf } from '../sla/month';
import type { TimerResult } from '../sla/timers';
import { listServices, loadServiceInputs, loadMonitorOutagesRaw, availabilityFor, countedMonitors, type SlaContext, type OutageRecord } from '../sla/figures';
import { reportMeta } from './issue';

/**
 * 障害報告書 (the written failure report of one incident), generated from the records: what
 * happened, which outage minutes counted toward availability and why, the public updates and
 * the client notices with their times, the SLA timers, cause, fix and prevention. Issuing it
 * mails the client's contacts a link and stamps the incident's `written_report_at` (the
 * `failure.written_report` timer): the time is measured from the sending, never typed.
 */

/** A monitor's confirmed outage around the incident, as the availability rules saw it. */
export interface MonitorOutageLine extends Interval {
  monitorSlug: string;
  confirm: number;
  /** Marked a false positive by an admin (with the audited reason): not counted. */
  falsePositiveReason: string | null;
}

export interface StopOverlap extends Interval {
  key: string;
  titleJa: string;
}

export interface IncidentServiceOutage {
  slug: string;
  nameJa: string;
  impact: string;
  /** The span the figures below cover: the incident and every monitor outage touching it. */
  window: Interval;
  /** Downtime that counted toward availability (after exclusions), within the window. */
  downtimeMs: number;
  plannedExcludedMs: number;
  forceMajeureMs: number;
  falsePositiveMs: number;
  /** The counted downtime, attributed to its sources. */
  outages: OutageRecord[];
  monitorOutages: MonitorOutageLine[];
  stops: StopOverlap[];
}

export interface NoticeLine {
  at: number;
  /** `first_report`, `eta`, `recovery`, `progress` (client notices) or `update` (a public update). */
  kind: string;
  text: string;
}

export interface IncidentReportData {
  incident: IncidentDetail;
  zone: string;
  generatedAt: number;
  services: IncidentServiceOutage[];
  /** Public updates and client notices, oldest first. */
  timeline: NoticeLine[];
  timers: TimerResult[];
  /** Fields a reader expects that are still empty (shown before issuing). */
  missing: MissingField[];
}

export const missingFieldNames = ['cause', 'causeKnown', 'causeCategory', 'fix', 'prevention'] as const;
export type MissingField = (typeof missingFieldNames)[number];

export const missingFieldJa: Record<MissingField, string> = {
  cause: '原因', causeKnown: '原因の判明・不明', causeCategory: '原因の分類', fix: '対処', prevention: '再発防止策',
};

export function missingFields(i: Pick<IncidentDetail, 'cause' | 'causeKnown' | 'causeCategory' | 'fix' | 'prevention'>): MissingField[] {
  const out: MissingField[] = [];
  if (!i.cause) out.push('cause');
  if (i.causeKnown === null) out.push('causeKnown');
  if (!i.causeCategory) out.push('causeCategory');
  if (!i.fix) out.push('fix');
  if (!i.prevention) out.push('prevention');
  return out;
}

const DAY = 86_400_000;

function serviceOutage(ctx: SlaContext, i: IncidentDetail, s: IncidentDetail['services'][number]): IncidentServiceOutage {
  const service = listServices(ctx.db).find((x) => x.id === s.serviceId)!;
  const end = i.recoveredAt ?? ctx.now;
  const c = ctx.db.$client;
  const slugOf = c.prepare('SELECT slug FROM monitors WHERE id = ?').pluck();
  const fpOf = c.prepare('SELECT reason FROM false_positives WHERE monitor_id = ? AND start = ?');
  // The monitors' confirmed outages that touch the incident, false positives included (they
  // are listed, not counted), each while its monitor counted for the service, with the confirm of then.
  const around = { start: i.startedAt - DAY, end: end + DAY };
  const monitorOutages: MonitorOutageLine[] = countedMonitors(ctx.db, s.serviceId).flatMap((m) => {
    const counting = m.settings.countingFor(s.serviceId);
    return loadMonitorOutagesRaw(ctx.db, m, around, ctx.now)
      .filter((o) => o.start < end && o.end > i.startedAt && counting.some((x) => x.start <= o.start && o.start < x.end))
      .map((o) => ({ ...o, monitorSlug: slugOf.get(m.id) as string, confirm: m.settings.confirm(o.start), falsePositiveReason: (fpOf.get(m.id, o.start) as { reason: string } | undefined)?.reason ?? null }));
  });
  const window: Interval = {
    start: Math.min(i.startedAt, ...monitorOutages.map((o) => o.start)),
    end: Math.max(end, ...monitorOutages.map((o) => o.end)),
  };
  const a = availabilityFor(ctx, service.slaTargetPct, window, loadServiceInputs(ctx, s.serviceId, window));
  const counted = monitorOutages.filter((o) => o.falsePositiveReason === null);
  const fp = monitorOutages.filter((o) => o.falsePositiveReason !== null);
  // A false positive's time that no other source made down.
  const falsePositiveMs = totalMs(intersect(union(fp), [window])) - totalMs(intersect(union(fp), union(counted, a.downtime, a.excluded)));
  const stops = (c.prepare(`SELECT m.key, m.title_ja AS titleJa, coalesce(m.actual_start, m.scheduled_start) AS start, coalesce(m.actual_end, m.scheduled_end) AS "end"
      FROM maintenances m JOIN maintenance_services x ON x.maintenance_id = m.id
      WHERE x.service_id = ? AND m.status != 'cancelled' AND coalesce(m.actual_start, m.scheduled_start) < ? AND coalesce(m.actual_end, m.scheduled_end) > ? ORDER BY 3`)
    .all(s.serviceId, window.end, window.start) as StopOverlap[]);
  return {
    slug: s.slug, nameJa: s.nameJa, impact: s.impact, window,
    downtimeMs: a.downtimeMs, plannedExcludedMs: a.plannedExcludedMs, forceMajeureMs: a.forceMajeureMs, falsePositiveMs: Math.max(0, falsePositiveMs),
    outages: a.outages, monitorOutages, stops,
  };
}

const noticeJa: Record<string, string> = {
  first_report: '委託者へ発生通知（第一報）を送付', eta: '委託者へ復旧見込通知を送付', recovery: '委託者へ復旧通知を送付', progress: '委託者へ経過を送付',
};
const updateJa: Record<string, string> = { investigating: '調査中', identified: '原因特定', monitoring: '経過観察', resolved: '解決' };

/**
 * The client notices and earlier written reports sent for the incident, from the audit log
 * (each records its kind and time), with when the mail server took them (the outbox).
 */
function clientNotices(db: Db, id: number, zone: string): NoticeLine[] {
  const c = db.$client;
  const rows = c.prepare("SELECT at, action, after FROM audit_log WHERE action IN ('incident.client_notice', 'incident.written_report') AND entity = 'incident' AND entity_id = ? ORDER BY at, id")
    .all(String(id)) as { at: number; action: string; after: string | null }[];
  const delivery = c.prepare('SELECT count(*) AS n, count(sent_at) AS sent, max(sent_at) AS last FROM mail_outbox WHERE kind = ? AND created_at = ?');
  return rows.map((r) => {
    const after = r.after ? (JSON.parse(r.after) as { kind?: string; to?: number; version?: number }) : {};
    const report = r.action === 'incident.written_report';
    const kind = report ? 'written_report' : after.kind ?? 'progress';
    const d = delivery.get(report ? 'incident_report' : `client_notice.${kind}`, r.at) as { n: number; sent: number; last: number | null };
    const sent = d.n === 0 ? '' : d.sent === d.n ? `、送信完了 ${formatInstant(d.last, zone, 'yyyy-LL-dd HH:mm')}` : '、送信待ち';
    const what = report ? `委託者へ障害報告書 第${after.version ?? '?'}版を送付` : noticeJa[kind] ?? kind;
    return { at: r.at, kind, text: `${what}${after.to ? `（${after.to}名${sent}）` : ''}` };
  });
}

/**
 * Everything the 障害報告書 shows, as the records stand at `ctx.now`. A report being issued
 * (`issuing`) shows its own sending as the written report's time when none was stamped yet.
 */
export function incidentReportData(ctx: SlaContext, id: number, options: { issuing?: boolean } = {}): IncidentReportData {
  const found = getIncident(ctx.db, id);
  if (!found || found.draft) throw new AppError('NOT_FOUND', `incident ${id} not found`);
  const i = options.issuing && found.writtenReportAt === null ? { ...found, writtenReportAt: ctx.now } : found;
  const updates: NoticeLine[] = i.updates.filter((u) => u.published).map((u) => ({ at: u.at, kind: 'update', text: `公開情報（${updateJa[u.status] ?? u.status}）: ${u.bodyJa}` }));
  const timeline = [...updates, ...clientNotices(ctx.db, id, ctx.config.zone)].sort((a, b) => a.at - b.at);
  return {
    incident: i,
    zone: ctx.config.zone,
    generatedAt: ctx.now,
    services: i.services.map((s) => serviceOutage(ctx, i, s)),
    timeline,
    timers: timersOf(i, ctx.now, timerLimitsOf(ctx.config)),
    missing: missingFields(i),
  };
}

export interface IssuedIncidentReport {
  id: number;
  incidentId: number;
  version: number;
  createdAt: number;
  issuedBy: string;
  sentTo: string[];
  sha256: string;
  size: number;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function renderIncidentReport(ctx: SlaContext, id: number, version: number): Promise<{ data: IncidentReportData; pdf: Buffer }> {
  const data = incidentReportData(ctx, id, { issuing: true });
  const { renderIncidentReportPdf } = await import('./incident-pdf');
  const pdf = await renderIncidentReportPdf(data, reportMeta(ctx.config, version, ctx.now));
  return { data, pdf };
}

export interface IssueIncidentReportOptions {
  /** The site's address, for the link in the mail. */
  siteUrl: string;
  /** Issue although fields are still empty (they were listed to the admin first). */
  acceptMissing?: boolean;
  now?: number;
}

/**
 * Issues the incident's 障害報告書 as its next version: stored with its SHA-256, mailed (a
 * link for signed-in client users) to every client contact through the outbox, and the
 * first issue stamps `written_report_at`, all in one transaction. An incident still open is
 * refused; so are empty fields unless `acceptMissing`.
 */
export async function issueIncidentReport(db: Db, config: Config, actor: Actor, id: number, opts: IssueIncidentReportOptions): Promise<IssuedIncidentReport & { pdf: Buffer }> {
  const now = opts.now ?? Date.now();
  const i = getIncident(db, id);
  if (!i || i.draft) throw new AppError('NOT_FOUND', `incident ${id} not found`);
  if (i.recoveredAt === null) throw new AppError('CONFLICT', 'the incident is still open: its written report can be issued once it has recovered', [{ path: 'report', message: 'needs_recovered' }]);
  const contacts = config.client.contacts;
  if (contacts.length === 0) throw new AppError('CONFLICT', 'client.contacts: no client contact is configured', [{ path: 'report', message: 'no_contacts' }]);
  const missing = missingFields(i);
  if (missing.length && !opts.acceptMissing) {
    throw new AppError('CONFLICT', `fields still empty: ${missing.map((m) => missingFieldJa[m]).join('、')}`, [{ path: 'report', message: 'missing_fields' }]);
  }
  const c = db.$client;
  const nextVersion = () => ((c.prepare('SELECT max(version) AS v FROM incident_reports WHERE incident_id = ?').get(id) as { v: number | null }).v ?? 0) + 1;
  const version = nextVersion();
  const { data, pdf } = await renderIncidentReport({ db, config, now }, id, version);
  const digest = sha256(pdf);
  const link = `${opts.siteUrl.replace(/\/+$/, '')}/reports/incidents/${encodeURIComponent(i.key)}/v${version}.pdf`;
  const at = (ms: number | null) => `${formatInstant(ms, config.zone)} (JST)`;
  const text = [
    '委託者ご担当者様',
    '',
    `障害報告書（第${version}版）を発行しましたのでお届けします。`,
    '',
    `件名: ${i.titleJa}`,
    `対象サービス: ${i.services.map((s) => s.nameJa).join('、') || '–'}`,
    `発生日時: ${at(i.startedAt)}`,
    `復旧日時: ${at(i.recoveredAt)}`,
    `停止時間（稼働率に算入）: ${data.services.map((s) => `${s.nameJa} ${formatDuration(s.downtimeMs)}`).join('、') || '–'}`,
    '',
    `報告書（PDF、サインインが必要です）: ${link}`,
    `SHA-256: ${digest}`,
  ].join('\n');
  const issued = c.transaction(() => {
    if (nextVersion() !== version) throw new AppError('CONFLICT', `the written report v${version} was issued meanwhile; try again`);
    const rowId = Number(c.prepare('INSERT INTO incident_reports (incident_id, version, created_at, issued_by, sent_to, sha256, size, pdf) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, version, now, actor.email, JSON.stringify(contacts), digest, pdf.length, pdf).lastInsertRowid);
    for (const to of contacts) {
      enqueueMail(db, { to, subject: `【障害報告書】${i.titleJa.replace(/[\r\n]+/g, ' ')}（第${version}版）`.slice(0, 200), text, kind: 'incident_report' }, now);
    }
    // The timer counts the first report sent; a later version is a correction, not the report.
    const stamped = i.writtenReportAt === null;
    if (stamped) c.prepare('UPDATE incidents SET written_report_at = ?, updated_at = ? WHERE id = ?').run(now, now, id);
    recordAudit(db, actor, 'incident.written_report', 'incident', id, null, { version, sha256: digest, to: contacts.length, missing, stamped }, now);
    return { id: rowId, incidentId: id, version, createdAt: now, issuedBy: actor.email, sentTo: [...contacts], sha256: digest, size: pdf.length, pdf };
  }).immediate();
  log.info('incident_report.issued', { incident: i.key, version, size: pdf.length });
  return issued;
}

const LIST = 'id, incident_id AS incidentId, version, created_at AS createdAt, issued_by AS issuedBy, sent_to AS sentTo, sha256, size';
type Stored = Omit<IssuedIncidentReport, 'sentTo'> & { sentTo: string };
const fromRow = (r: Stored): IssuedIncidentReport => ({ ...r, sentTo: JSON.parse(r.sentTo) as string[] });

export function incidentReports(db: Db, incidentId: number): IssuedIncidentReport[] {
  return (db.$client.prepare(`SELECT ${LIST} FROM incident_reports WHERE incident_id = ? ORDER BY version DESC`).all(incidentId) as Stored[]).map(fromRow);
}

/** Every issued report with its incident's key and title, newest first (the client's list). */
export function allIncidentReports(db: Db): (IssuedIncidentReport & { key: string; titleJa: string; startedAt: number })[] {
  return (db.$client.prepare(`SELECT r.id, r.incident_id AS incidentId, r.version, r.created_at AS createdAt, r.issued_by AS issuedBy, r.sent_to AS sentTo, r.sha256, r.size,
      i.key, i.title_ja AS titleJa, i.started_at AS startedAt FROM incident_reports r JOIN incidents i ON i.id = r.incident_id ORDER BY r.created_at DESC, r.id DESC`)
    .all() as (Stored & { key: string; titleJa: string; startedAt: number })[]).map((r) => ({ ...r, sentTo: JSON.parse(r.sentTo) as string[] }));
}

export function incidentReportFile(db: Db, key: string, version: number): IssuedIncidentReport & { pdf: Buffer; key: string } {
  const row = db.$client.prepare(`SELECT r.id, r.incident_id AS incidentId, r.version, r.created_at AS createdAt, r.issued_by AS issuedBy, r.sent_to AS sentTo, r.sha256, r.size, r.pdf, i.key
      FROM incident_reports r JOIN incidents i ON i.id = r.incident_id WHERE i.key = ? AND r.version = ?`).get(key, version) as (Stored & { pdf: Buffer; key: string }) | undefined;
  if (!row) throw new AppError('NOT_FOUND', `no written report ${key} v${version}`);
  return { ...fromRow(row), pdf: row.pdf, key: row.key };
}
