import type { Job, JobContext } from './job';
import { issueReportApart } from '../report/issue-apart';
import { monthOf, previousMonth, monthPeriod } from '../time';
import { log } from '../log';
import { closeEndedMonths } from '../sla/closing';
import { publicUrl } from '../env';

/**
 * Issues last month's SLA report on the 1st of each month at 06:00 in the configured zone
 * (the contract wants it by the 10th), in a process of its own (issue-apart.ts). A month that already has a scheduled issue is not
 * issued again, so a restarted worker never adds a duplicate version.
 */
export async function issueLastMonthReport(ctx: JobContext): Promise<{ month: string; version: number } | null> {
  if (!ctx.config.report.enabled) return null;
  const now = ctx.now();
  const month = previousMonth(monthOf(now, ctx.config.zone));
  const already = ctx.db.$client.prepare("SELECT version FROM reports WHERE month = ? AND trigger = 'schedule' LIMIT 1").get(month) as { version: number } | undefined;
  if (already) {
    log.info('report.skip', { month, reason: 'already issued on schedule', version: already.version });
    return null;
  }
  const report = await issueReportApart(ctx.db, ctx.config, month, { now, trigger: 'schedule', siteUrl: publicUrl(ctx.env) });
  return { month, version: report.version };
}

/**
 * At the worker's start: the last closed month gets its final report if it has none (a
 * fresh install, or a worker that was down on the 1st), so the client never waits for an
 * admin's click.
 */
export async function issueMissingFinalReport(ctx: JobContext): Promise<{ month: string; version: number } | null> {
  if (!ctx.config.report.enabled) return null;
  const now = ctx.now();
  const month = previousMonth(monthOf(now, ctx.config.zone));
  const final = ctx.db.$client.prepare('SELECT 1 FROM reports WHERE month = ? AND provisional = 0 LIMIT 1').get(month);
  if (final) return null;
  // Nothing to report before the first record (a new install with no history): no empty report.
  const first = ctx.db.$client.prepare('SELECT min(at) FROM (SELECT min(at) AS at FROM checks UNION ALL SELECT min(started_at) FROM incidents WHERE draft = 0 UNION ALL SELECT min(scheduled_start) FROM maintenances)').pluck().get() as number | null;
  if (first === null || first >= monthPeriod(month, ctx.config.zone).end) return null;
  const report = await issueReportApart(ctx.db, ctx.config, month, { now, trigger: 'schedule', siteUrl: publicUrl(ctx.env) });
  log.info('report.issued_at_start', { month, version: report.version });
  return { month, version: report.version };
}

/** Closes the month that just ended (its settings kept for good) at 00:00 on the 1st, before anyone can change them. */
export const closeMonthJob: Job = {
  name: 'close-month',
  schedule: '0 0 1 * *',
  run: (ctx) => {
    closeEndedMonths(ctx.db, ctx.config, ctx.now());
  },
};

export const monthlyReportJob: Job = {
  name: 'monthly-report',
  schedule: '0 6 1 * *',
  run: async (ctx) => {
    await issueLastMonthReport(ctx);
  },
};
