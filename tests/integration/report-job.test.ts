import { afterAll, describe, expect, it } from 'vitest';
import { tempDb } from '../helpers/temp';
import { parseConfig } from '../../src/lib/config';
import { readEnv } from '../../src/lib/env';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { issueLastMonthReport, monthlyReportJob } from '../../src/lib/jobs/monthly-report';
import { jobs } from '../../src/lib/jobs/index';
import { parseInstant } from '../../src/lib/time';
import { octoberScenario } from './sla-fixture';

describe('the monthly report job', () => {
  const t = tempDb();
  afterAll(() => t.close());
  importInterchange(t.db, validateInterchange(octoberScenario()));

  it('is scheduled on the 1st at 06:00 (in the configured zone)', () => {
    expect(jobs).toContain(monthlyReportJob);
    expect(monthlyReportJob.schedule).toBe('0 6 1 * *');
  });

  it('issues last month once, even when it runs again', async () => {
    const at = parseInstant('2026-11-01T06:00:00+09:00')!;
    const ctx = { db: t.db, config: parseConfig({}), env: readEnv({}), now: () => at };
    expect(await issueLastMonthReport(ctx)).toEqual({ month: '2026-10', version: 1 });
    expect(await issueLastMonthReport(ctx)).toBeNull();
    const rows = t.db.$client.prepare("SELECT month, version, trigger, created_at AS createdAt FROM reports").all();
    expect(rows).toEqual([{ month: '2026-10', version: 1, trigger: 'schedule', createdAt: at }]);
    expect(await issueLastMonthReport({ ...ctx, config: parseConfig({ report: { enabled: false } }) })).toBeNull();
  });
});
