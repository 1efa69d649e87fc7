import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db';
import type { Config } from '../config';
import { AppError, type AppErrorCode, type FieldIssue } from '../errors';

export interface IssueApartRequest {
  databasePath: string;
  config: Config;
  month: string;
  now: number;
  trigger: 'schedule' | 'manual';
  provisional?: boolean;
  siteUrl?: string;
}

/**
 * The command that runs issue-process.ts: through tsx beside this file when running from
 * source (development, tests), else the built build/report-issue.mjs (this module is bundled
 * into build/ or build/chunks/, or into the site's dist/).
 */
function command(): string[] {
  if (import.meta.filename.endsWith('.ts')) return ['--import', 'tsx', join(import.meta.dirname, 'issue-process.ts')];
  // The site's copy of this module is bundled elsewhere (dist/): build/start.mjs says where the programs are.
  const dirs = [import.meta.dirname, join(import.meta.dirname, '..'), process.env.STATUS_PROGRAMS_DIR].filter((d): d is string => Boolean(d));
  const built = dirs.map((d) => join(d, 'report-issue.mjs')).find((f) => existsSync(f));
  if (!built) throw new Error(`report-issue.mjs is missing beside ${import.meta.dirname} (run npm run build)`);
  return [built];
}

type Answer = { month: string; version: number } | { error: string; code?: AppErrorCode; issues?: FieldIssue[] };

function answerOf(out: string): Answer | null {
  try {
    return JSON.parse(out) as Answer;
  } catch {
    return null; // it ended before it could answer
  }
}

/**
 * Issues a month's report (issueReport) in a process of its own, for the worker and the site:
 * rendering a month's PDF takes a core for seconds at thousands of monitors and loads fonts
 * and the PDF and chart libraries for good, where the probe's checks must keep their slots,
 * the site's thread keep answering (agents' batches, admin pages) and memory stay small. The report is written to the same database file; the issue's effects (the row,
 * the client's mail) are the child's one transaction, exactly as in process.
 */
export function issueReportApart(db: Db, config: Config, month: string, options: { now: number; trigger: 'schedule' | 'manual'; provisional?: boolean; siteUrl?: string }): Promise<{ month: string; version: number }> {
  const request: IssueApartRequest = { databasePath: db.$client.name, config, month, ...options };
  return new Promise((done, fail) => {
    // Its log lines (JSON, like the worker's own) go straight to the worker's stderr.
    const child = spawn(process.execPath, command(), { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      const result = answerOf(out);
      if (result && 'error' in result) fail(result.code ? new AppError(result.code, result.error, result.issues) : new Error(result.error));
      else if (code === 0 && result) done(result);
      else fail(new Error(`the report process ended with ${signal ?? `status ${code}`} before issuing the report`));
    });
    child.stdin.end(JSON.stringify(request));
  });
}
