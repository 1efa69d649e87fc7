import { openDatabase } from '../db';
import { parseConfig } from '../config';
import { issueReport } from './issue';
import { AppError } from '../errors';
import type { IssueApartRequest } from './issue-apart';

/**
 * Issues one month's report as a process of its own (see issue-apart.ts): reads its request
 * as JSON on stdin and prints one JSON line on stdout, `{"month","version"}` or `{"error"}`
 * (with an AppError's code and issues)
 * (then exit status 1); its log lines go to the worker's stderr. Its fonts, PDF and chart
 * libraries and their memory end with it.
 */
async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as IssueApartRequest;
  const config = parseConfig(request.config);
  const db = openDatabase(request.databasePath, { migrate: false, mustExist: true });
  try {
    const report = await issueReport(db, config, request.month, { now: request.now, trigger: request.trigger, provisional: request.provisional, siteUrl: request.siteUrl });
    process.stdout.write(`${JSON.stringify({ month: report.month, version: report.version })}\n`);
  } finally {
    db.$client.close();
  }
}

main().catch((err: Error) => {
  // An AppError goes back whole, so the page that asked says it in the reader's words.
  const app = err instanceof AppError ? { code: err.code, issues: err.issues } : {};
  process.stdout.write(`${JSON.stringify({ error: err.message, ...app })}\n`);
  process.exitCode = 1;
});
