import { readEnv } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase } from '../src/lib/db';
import { Probe, alarmSettings } from '../src/lib/probe/probe';
import { publicUrl } from '../src/lib/env';
import { startJobs } from '../src/lib/jobs/index';
import { log } from '../src/lib/log';
import { reportError } from './lib/cli';

// npm run probe: the probe and the scheduled jobs (backups, reports, mail), as their own
// process. It waits for the probe lease, so two never run at once; SIGTERM lets checks and
// jobs in flight finish and writes their results.
async function main(): Promise<void> {
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const db = openDatabase(env.DATABASE_PATH);
  const probe = new Probe(db, { concurrency: config.probe.concurrency, alarms: alarmSettings(config, publicUrl(env)) });
  let jobs: ReturnType<typeof startJobs> | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('probe.signal', { signal });
    await Promise.all([probe.stop(), jobs?.stop()]);
    db.$client.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (await probe.start()) jobs = startJobs({ db, config, env, now: Date.now });
}

main().catch((err) => process.exit(reportError(err)));
