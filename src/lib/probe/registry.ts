import type { CheckType } from './check-type';
import { httpCheck } from './checks/http';
import { tcpCheck } from './checks/tcp';
import { pingCheck } from './checks/ping';
import { dnsCheck } from './checks/dns';
import { tlsCheck } from './checks/tls';
import { mysqlCheck } from './checks/mysql';
import { ftpCheck } from './checks/ftp';
import { pageHealthCheck } from './checks/page-health';
import { resourcesCheck } from './checks/resources';
import { pushCheck } from './checks/push';
import { externalCheck } from './checks/external';
import { jsonPath } from '../errors';

/** Every check type the probe can run, by its `type` name. */
export const checkTypes: Record<string, CheckType<any>> = {
  http: httpCheck,
  tcp: tcpCheck,
  ping: pingCheck,
  dns: dnsCheck,
  tls: tlsCheck,
  mysql: mysqlCheck,
  ftp: ftpCheck,
  'page-health': pageHealthCheck,
  resources: resourcesCheck,
  push: pushCheck,
  external: externalCheck,
};

export interface TargetProblem {
  field: string;
  message: string;
}

/** Problems with a monitor's type, target or options, each naming its field. */
export function validateMonitorTarget(type: string, target: string, options: Record<string, unknown>): TargetProblem[] {
  const checkType = checkTypes[type];
  if (!checkType) return [{ field: 'type', message: `the probe has no check type "${type}" yet` }];
  const problems: TargetProblem[] = [];
  const targetProblem = checkType.validateTarget(target);
  if (targetProblem) problems.push({ field: 'target', message: targetProblem });
  const parsed = checkType.options.safeParse(options);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ field: jsonPath(['options', ...issue.path]).slice(2), message: issue.message });
  }
  return problems;
}
