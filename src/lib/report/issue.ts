import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Db } from '../db';
import type { Config } from '../config';
import { AppError } from '../errors';
import { parseMonth, monthPeriod, formatInZone } from '../time';
import { log } from '../log';
import { reportData, type ReportData } from './data';
import type { ReportMeta } from './pdf';
import { monthCsv } from './csv';
import { closeMonth } from '../sla/closing';
import { yearFigures, type YearFigures } from '../sla/year';
import { reportFigures, recordFigures, softwareFigure, changesSincePrevious, type ReportFigure } from './versions';
import { enqueueMail } from '../mail/outbox';

/**
 * Issuing monthly reports: each issue is a new version with its SHA-256, kept in the
 * database for good (the table refuses updates and deletes). Nothing is ever overwritten.
 */
export interface IssuedReport {
  id: number;
  month: string;
  version: number;
  createdAt: number;
  trigger: 'schedule' | 'manual';
  sha256: string;
  size: number;
  csvSha256: string;
  /** Issued before the month ended (速報), counting up to `cutOff`. */
  provisional: boolean;
  cutOff: number | null;
}

export interface IssuedReportFiles extends IssuedReport {
  pdf: Buffer;
  csv: Buffer;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let cachedVersion: string | null = null;
function softwareVersion(): string {
  if (cachedVersion === null) {
    try {
      cachedVersion = (JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}

export function reportMeta(config: Config, version: number, issuedAt: number, cutOff: number | null = null): ReportMeta {
  return {
    version, issuedAt, cutOff, client: config.report.client, contractor: config.report.contractor, probeLocations: config.report.probe_locations,
    softwareVersion: softwareVersion(), siteName: config.site.name.ja, noticeDays: config.sla.notice_days,
  };
}

/**
 * Renders a month's report without storing it (for previews and benchmarks). A version after
 * the first lists on its first page what changed since the previous one, and why.
 */
export async function renderReport(db: Db, config: Config, month: string, now: number, version = 1): Promise<{ data: ReportData; pdf: Buffer; csv: Buffer; figures: ReportFigure[] }> {
  const data = reportData({ db, config, now }, month, { issuingAt: now });
  const figures = [...reportFigures(data.figures), ...recordFigures(db, data.figures), softwareFigure(softwareVersion())];
  const changes = version > 1 ? changesSincePrevious(db, month, figures, now, config.zone) : null;
  // pdfkit and its fonts are loaded when a report is made, not by every process at start.
  const { renderReportPdf } = await import('./pdf');
  const pdf = await renderReportPdf(data, { ...reportMeta(config, version, now, data.figures.cutOff), changes });
  return { data, pdf, csv: Buffer.from(monthCsv(data.figures), 'utf8'), figures };
}

/** Renders the fiscal year's report (年間報告書); a year still running is a 速報 counted up to now. */
export async function renderYearReport(db: Db, config: Config, fiscalYear: number, now: number): Promise<{ figures: YearFigures; pdf: Buffer }> {
  const figures = yearFigures({ db, config, now }, fiscalYear);
  const { renderYearReportPdf } = await import('./year-pdf');
  return { figures, pdf: await renderYearReportPdf(figures, reportMeta(config, 1, now, figures.cutOff)) };
}

/**
 * Issues the month's report as its next version. A month that has not begun yet cannot be
 * reported; a month still running only as a provisional report (速報, `provisional: true`),
 * counted up to now and marked so on every page; the final report once the month has ended.
 */
/**
 * The mail that tells the client's contacts a report was issued, with its links (sign-in
 * needed to open them). Queued with the report, so it exists exactly when the report does.
 */
function reportIssuedMail(config: Config, siteUrl: string, month: string, version: number, provisional: boolean, cutOff: number | null): { subject: string; text: string } {
  const label = `${month.slice(0, 4)}年${Number(month.slice(5))}月`;
  const kind = provisional ? `速報（${formatInZone(cutOff!, config.zone, 'yyyy-LL-dd HH:mm')} 時点）` : '確定版';
  const base = siteUrl.replace(/\/+$/, '');
  return {
    subject: `【SLA月次報告書の発行】${label} 第${version}版（${provisional ? '速報' : '確定'}）`,
    text: [
      '委託者ご担当者様',
      '',
      `${label}のSLA月次報告書（第${version}版、${kind}）を発行しました。`,
      '',
      `報告書（PDF）: ${base}/reports/${month}/v${version}.pdf`,
      `数値の確認: ${base}/reports/${month}`,
      `SLA報告の一覧: ${base}/reports/`,
      '',
      'ご覧になるにはログインが必要です。',
    ].join('\n'),
  };
}

export async function issueReport(db: Db, config: Config, month: string, options: { now?: number; trigger?: 'schedule' | 'manual'; provisional?: boolean; siteUrl?: string } = {}): Promise<IssuedReportFiles> {
  parseMonth(month);
  const now = options.now ?? Date.now();
  const period = monthPeriod(month, config.zone);
  if (period.start > now) throw new AppError('VALIDATION', `month ${month} has not begun yet`, [{ path: 'month', message: 'not_begun' }]);
  const running = period.end > now;
  const ends = formatInZone(period.end, config.zone, 'yyyy-LL-dd HH:mm');
  if (running && !options.provisional) {
    throw new AppError('VALIDATION', `month ${month} is still running (it ends ${ends} ${config.zone}): its final report can be issued only after that; for a provisional report (速報) up to now, add --provisional`, [{ path: 'kind', message: 'still_running' }]);
  }
  if (!running && options.provisional) {
    throw new AppError('VALIDATION', `month ${month} has ended (${ends} ${config.zone}): issue its final report, without --provisional`, [{ path: 'kind', message: 'month_ended' }]);
  }
  // A final report closes its month first: from then on, its settings are those it was reported with.
  if (!running) closeMonth(db, config, month, now);
  const c = db.$client;
  const nextVersion = () => ((c.prepare('SELECT max(version) AS v FROM reports WHERE month = ?').get(month) as { v: number | null }).v ?? 0) + 1;
  const version = nextVersion();
  const { pdf, csv, figures } = await renderReport(db, config, month, now, version);
  const trigger = options.trigger ?? 'manual';
  const cutOff = running ? now : null;
  const row = c.transaction(() => {
    // Another process may have issued one while this was rendering: never reuse a version number.
    if (nextVersion() !== version) throw new AppError('CONFLICT', `report ${month} v${version} was issued meanwhile; try again`, [{ path: '_', message: 'issued_meanwhile' }]);
    const id = Number(c.prepare('INSERT INTO reports (month, version, created_at, trigger, sha256, size, pdf, csv_sha256, csv, provisional, cut_off, figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(month, version, now, trigger, sha256(pdf), pdf.length, pdf, sha256(csv), csv, running ? 1 : 0, cutOff, JSON.stringify(figures)).lastInsertRowid);
    if (options.siteUrl) {
      const mail = reportIssuedMail(config, options.siteUrl, month, version, running, cutOff);
      for (const to of config.client.contacts) enqueueMail(db, { to, ...mail, kind: 'client_notice.report' }, now);
    }
    return { id, month, version, createdAt: now, trigger, sha256: sha256(pdf), size: pdf.length, csvSha256: sha256(csv), provisional: running, cutOff, pdf, csv };
  }).immediate();
  log.info('report.issued', { month, version, size: pdf.length, trigger, provisional: running });
  return row;
}

const LIST = 'id, month, version, created_at AS createdAt, trigger, sha256, size, csv_sha256 AS csvSha256, provisional, cut_off AS cutOff';
type StoredRow = Omit<IssuedReport, 'provisional'> & { provisional: number };
const fromRow = <T extends StoredRow>(r: T) => ({ ...r, provisional: r.provisional === 1 });

export function listReports(db: Db): IssuedReport[] {
  return (db.$client.prepare(`SELECT ${LIST} FROM reports ORDER BY month DESC, version DESC`).all() as StoredRow[]).map(fromRow);
}

export function reportsOfMonth(db: Db, month: string): IssuedReport[] {
  return (db.$client.prepare(`SELECT ${LIST} FROM reports WHERE month = ? ORDER BY version DESC`).all(month) as StoredRow[]).map(fromRow);
}

export function getReportFiles(db: Db, month: string, version: number): IssuedReportFiles {
  const row = db.$client.prepare(`SELECT ${LIST}, pdf, csv FROM reports WHERE month = ? AND version = ?`).get(month, version) as (StoredRow & { pdf: Buffer; csv: Buffer }) | undefined;
  if (!row) throw new AppError('NOT_FOUND', `no report ${month} v${version}`);
  return fromRow(row);
}
