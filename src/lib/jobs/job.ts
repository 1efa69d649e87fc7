import type { Db } from '../db';
import type { Config } from '../config';
import type { Env } from '../env';

/**
 * A scheduled job of the worker process (the probe's process, never the site's): backups,
 * reports, retention, mail. Schedules are cron expressions in the configured zone (JST).
 */
export interface JobContext {
  db: Db;
  config: Config;
  env: Env;
  now: () => number;
  /** The worker's lease: jobs with effects outside the database (mail) act only while it is held. */
  lease?: { name: string; holder: string };
}

export interface Job {
  name: string;
  /** node-cron expression, read in the configured zone. */
  schedule: string;
  run(ctx: JobContext): Promise<void> | void;
}
