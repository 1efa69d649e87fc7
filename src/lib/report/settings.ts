import type { Config } from '../config';

/**
 * Report settings still at their placeholders: the cover would read "委託者 御中" and
 * "保守管理者". The admin is warned (reports page, dashboard) until they are set.
 */
const PLACEHOLDERS = { client: '委託者 御中', contractor: '保守管理者' } as const;

export type UnsetReportSetting = keyof typeof PLACEHOLDERS;

export function unsetReportSettings(config: Config): UnsetReportSetting[] {
  return (Object.keys(PLACEHOLDERS) as UnsetReportSetting[]).filter((k) => config.report[k] === PLACEHOLDERS[k]);
}
