import { readEnv, type Env } from './env';
import { loadConfig, type Config } from './config';
import { openDatabase, type Db } from './db';
import type { SlaContext } from './sla/figures';
import { closeEndedMonths } from './sla/closing';
import { log } from './log';

/**
 * The site process's shared state: environment, configuration and one database connection,
 * opened on first use. Pages and API routes reach the domain through here.
 */
interface Runtime {
  env: Env;
  config: Config;
  db: Db;
}

let runtime: Runtime | null = null;

export function getRuntime(): Runtime {
  if (!runtime) {
    const env = readEnv();
    const config = loadConfig(env.CONFIG_PATH);
    const db = openDatabase(env.DATABASE_PATH);
    // Months that ended while the site was down close now, before any setting can change.
    try {
      closeEndedMonths(db, config, Date.now());
    } catch (err) {
      log.error('month.close_failed', { error: (err as Error).message });
    }
    runtime = { env, config, db };
  }
  return runtime;
}

export function slaContext(now = Date.now()): SlaContext {
  const { db, config } = getRuntime();
  return { db, config, now };
}
