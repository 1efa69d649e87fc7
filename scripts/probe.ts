import { readEnv } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase } from '../src/lib/db';
import { Probe } from '../src/lib/probe/probe';
import { log } from '../src/lib/log';
import { reportError } from './lib/cli';

// npm run probe: the probe alone, as its own process. It waits for the probe lease, so two
// never run at once; SIGTERM lets checks in flight finish and writes their results.
async function main(): Promise<void> {
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const db = openDatabase(env.DATABASE_PATH);
  const probe = new Probe(db, { concurrency: config.probe.concurrency });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('probe.signal', { signal });
    await probe.stop();
    db.$client.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  await probe.start();
}

main().catch((err) => process.exit(reportError(err)));
