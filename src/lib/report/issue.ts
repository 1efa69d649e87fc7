import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Db } from '../db';
import type { Config } from '../config';
import { AppError } from '../errors';
import { parseMonth, monthPeriod } from '../time';
import { log } from '../log';
import { reportData, type ReportData } from './data';
import type { ReportMeta } from './pdf';
import { monthCsv } from './csv';

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

export function reportMeta(config: Config, version: number, issuedAt: number): ReportMeta {
  return {
    version, issuedAt, client: config.report.client, contractor: config.report.contractor, probeLocations: config.report.probe_locations,
    softwareVersion: softwareVersion(), siteName: config.site.name.ja, noticeDays: config.sla.notice_days,
  };
}

/** Renders a month's report without storing it (for previews and benchmarks). */
export async function renderReport(db: Db, config: Config, month: string, now: number, version = 1): Promise<{ data: ReportData; pdf: Buffer; csv: Buffer }> {
  const data = reportData({ db, config, now }, month, { issuingAt: now });
  // pdfkit and its fonts are loaded when a report is made, not by every process at start.
  const { renderReportPdf } = await import('./pdf');
  const pdf = await renderReportPdf(data, reportMeta(config, version, now));
  return { data, pdf, csv: Buffer.from(monthCsv(data.figures), 'utf8') };
}

/**
 * Issues the month's report as its next version. A month that has not begun yet cannot
 * be reported.
 */
export async function issueReport(db: Db, config: Config, month: string, options: { now?: number; trigger?: 'schedule' | 'manual' } = {}): Promise<IssuedReportFiles> {
  parseMonth(month);
  const now = options.now ?? Date.now();
  if (monthPeriod(month, config.zone).start > now) throw new AppError('VALIDATION', `month ${month} has not begun yet`);
  const c = db.$client;
  const nextVersion = () => ((c.prepare('SELECT max(version) AS v FROM reports WHERE month = ?').get(month) as { v: number | null }).v ?? 0) + 1;
  const version = nextVersion();
  const { pdf, csv } = await renderReport(db, config, month, now, version);
  const trigger = options.trigger ?? 'manual';
  const row = c.transaction(() => {
    // Another process may have issued one while this was rendering: never reuse a version number.
    if (nextVersion() !== version) throw new AppError('CONFLICT', `report ${month} v${version} was issued meanwhile; try again`);
    const id = Number(c.prepare('INSERT INTO reports (month, version, created_at, trigger, sha256, size, pdf, csv_sha256, csv) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(month, version, now, trigger, sha256(pdf), pdf.length, pdf, sha256(csv), csv).lastInsertRowid);
    return { id, month, version, createdAt: now, trigger, sha256: sha256(pdf), size: pdf.length, csvSha256: sha256(csv), pdf, csv };
  }).immediate();
  log.info('report.issued', { month, version, size: pdf.length, trigger });
  return row;
}

const LIST = 'id, month, version, created_at AS createdAt, trigger, sha256, size, csv_sha256 AS csvSha256';

export function listReports(db: Db): IssuedReport[] {
  return db.$client.prepare(`SELECT ${LIST} FROM reports ORDER BY month DESC, version DESC`).all() as IssuedReport[];
}

export function reportsOfMonth(db: Db, month: string): IssuedReport[] {
  return db.$client.prepare(`SELECT ${LIST} FROM reports WHERE month = ? ORDER BY version DESC`).all(month) as IssuedReport[];
}

export function getReportFiles(db: Db, month: string, version: number): IssuedReportFiles {
  const row = db.$client.prepare(`SELECT ${LIST}, pdf, csv FROM reports WHERE month = ? AND version = ?`).get(month, version) as IssuedReportFiles | undefined;
  if (!row) throw new AppError('NOT_FOUND', `no report ${month} v${version}`);
  return row;
}
