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
  /**
   * A calendar job's node-cron expression, read in the configured zone (reports, backups,
   * retention); or `every` ms for a loop on a plain timer (mail, rollups), which the wall
   * clock stepping never holds back.
   */
  schedule: string | { every: number };
  run(ctx: JobContext): Promise<void> | void;
}
