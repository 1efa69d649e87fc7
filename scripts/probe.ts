import { readEnv } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase } from '../src/lib/db';
import { Probe, alarmSettings, PROBE_LEASE } from '../src/lib/probe/probe';
import { publicUrl } from '../src/lib/env';
import { startJobs } from '../src/lib/jobs/index';
import { log } from '../src/lib/log';
import { reportError } from './lib/cli';

/** Exit status of a worker that lost its lease: npm start and systemd start it again, clean. */
const EXIT_LEASE_LOST = 75;

// npm run probe: the probe and the scheduled jobs (backups, reports, mail), as their own
// process. It waits for the probe lease, so two never run at once; SIGTERM lets checks and
// jobs in flight finish and writes their results. A worker that finds its lease taken (it
// was paused or stalled) stops everything and exits, so it never works beside the new holder.
async function main(): Promise<void> {
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const db = openDatabase(env.DATABASE_PATH);
  let jobs: ReturnType<typeof startJobs> | null = null;
  let stopping = false;
  const exitAfter = async (code: number, work: Array<Promise<void> | undefined>) => {
    // Checks and a mail try in flight are bounded by their timeouts; this bounds the rest.
    const force = setTimeout(() => process.exit(code), 60_000);
    force.unref();
    await Promise.all(work);
    db.$client.close();
    process.exit(code);
  };
  const probe = new Probe(db, {
    concurrency: config.probe.concurrency,
    leaseTtlMs: config.probe.lease_ttl_s * 1000,
    alarms: alarmSettings(config, publicUrl(env)),
    onLeaseLost: () => {
      if (stopping) return;
      stopping = true;
      void exitAfter(EXIT_LEASE_LOST, [jobs?.stop()]);
    },
  });
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('probe.signal', { signal });
    await exitAfter(0, [probe.stop(), jobs?.stop()]);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (await probe.start()) {
    jobs = startJobs({ db, config, env, now: Date.now, lease: { name: PROBE_LEASE, holder: probe.holder } }, undefined, () => probe.holdsLease());
  }
}

main().catch((err) => process.exit(reportError(err)));
