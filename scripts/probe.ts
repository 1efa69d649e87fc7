import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readEnv } from '../src/lib/env';
import { loadConfig } from '../src/lib/config';
import { openDatabase, type Db } from '../src/lib/db';
import { AppError } from '../src/lib/errors';
import { Probe, alarmSettings, PROBE_LEASE } from '../src/lib/probe/probe';
import { publicUrl } from '../src/lib/env';
import { startJobs } from '../src/lib/jobs/index';
import { issueMissingFinalReport } from '../src/lib/jobs/monthly-report';
import { log, captureConsole } from '../src/lib/log';
import { checkStorage, faultOfWrite, fileIdentityOf, replacedFileReleased, type StorageFault } from '../src/lib/storage';
import { reportError } from './lib/cli';
import { settleInterruptedBackups } from '../src/lib/backup/backup';
import { backupDir } from '../src/lib/backup/files';

/** Exit status of a worker that lost its lease, or whose fault is over: npm start and systemd start it again, clean. */
const EXIT_RESTART = 75;
/** How often a stopped worker looks whether its database can be written again. */
const RECHECK_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Opens the database, never creating it. While it cannot be opened (not created yet, disk
 * full, read-only), says so once and tries again, instead of a restart loop of messages.
 */
async function openWhenPossible(path: string): Promise<Db> {
  let told = false;
  for (;;) {
    try {
      const db = openDatabase(path, { mustExist: true });
      if (told) log.info('probe.database_available', {});
      return db;
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'DATABASE') throw err;
      if (!told) log.error('probe.cannot_open', { message: `${err.message}; the worker retries every ${RECHECK_MS / 1000} s` });
      told = true;
      await sleep(RECHECK_MS);
    }
  }
}

// npm run probe: the probe and the scheduled jobs (backups, reports, mail), as their own
// process. It waits for the probe lease, so two never run at once; SIGTERM lets checks and
// jobs in flight finish and writes their results. A worker that finds its lease taken (it
// was paused or stalled) stops everything and exits, so it never works beside the new
// holder. A database that cannot be written (disk full, read-only, deleted or replaced)
// stops the checks with one message; the worker exits for a clean start once it is fixed.
async function main(): Promise<void> {
  // Libraries' own console lines (node-cron, drivers) join the JSON log on stderr.
  captureConsole();
  const env = readEnv();
  const config = loadConfig(env.CONFIG_PATH);
  const path = resolve(env.DATABASE_PATH);
  const db = await openWhenPossible(path);
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
  const waitOutFault = async (fault: StorageFault) => {
    await jobs?.stop();
    const old = fileIdentityOf(db);
    const replaced = fault.cause === 'file_replaced' || fault.cause === 'file_gone';
    // The old file is let go of at once; the new one is opened by a new start, once no
    // process holds the old one (the site too), so it never takes in the old write-ahead log.
    if (replaced) db.$client.close();
    let toldHolders = false;
    for (;;) {
      if (replaced) {
        if (existsSync(path)) {
          const { released, holders, keptAside } = old ? replacedFileReleased(old) : { released: true, holders: [], keptAside: [] };
          if (keptAside.length > 0) log.warn('probe.old_log_kept', { files: keptAside, message: 'the replaced file\'s write-ahead log was left behind; it is kept under these names (put it beside a copy of the old file, named <file>-wal, to read its last transactions)' });
          if (released) break;
          if (!toldHolders) log.warn('probe.waiting_for_release', { holders, message: `the database file was replaced; the worker opens the new one once every process has closed the old one (processes ${holders.join(', ')}: restart them if they do not)` });
          toldHolders = true;
        }
      } else {
        try {
          if (!checkStorage(db)) {
            db.$client.prepare("INSERT INTO settings (key, value) VALUES ('probe.write_test', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(Date.now()));
            break;
          }
        } catch {
          // Still failing: keep waiting, quietly (the fault was logged once).
        }
      }
      await sleep(RECHECK_MS);
    }
    log.info('probe.storage_recovered', { cause: fault.cause, message: 'the database can be written again; the worker restarts' });
    await exitAfter(EXIT_RESTART, []);
  };
  const onFault = (fault: StorageFault) => {
    if (stopping) return;
    stopping = true;
    void waitOutFault(fault);
  };
  const probe = new Probe(db, {
    concurrency: config.probe.concurrency,
    leaseTtlMs: config.probe.lease_ttl_s * 1000,
    alarms: alarmSettings(config, publicUrl(env)),
    onLeaseLost: () => {
      if (stopping) return;
      stopping = true;
      void exitAfter(EXIT_RESTART, [jobs?.stop()]);
    },
    onFault,
  });
  // A write that fails outside the probe's own handling (a job, a timer) is the same fault.
  process.on('uncaughtException', (err) => {
    const fault = faultOfWrite(db, err);
    if (!fault) {
      process.stderr.write(`error: ${err.stack ?? err.message}\n`);
      process.exit(1);
    }
    if (!probe.faulted) log.error('probe.storage_fault', { cause: fault.cause, message: `${fault.message}; the worker has stopped checking until this is fixed` });
    void probe.stop();
    onFault(fault);
  });
  const stop = async (signal: string) => {
    if (stopping) return process.exit(0);
    stopping = true;
    log.info('probe.signal', { signal });
    await exitAfter(0, [probe.stop(), jobs?.stop()]);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  let started = false;
  try {
    started = await probe.start();
  } catch (err) {
    const fault = faultOfWrite(db, err);
    if (!fault) throw err;
    log.error('probe.storage_fault', { cause: fault.cause, message: `${fault.message}; the worker waits until this is fixed` });
    onFault(fault);
    return;
  }
  if (started) {
    // A backup killed before it finished is marked interrupted and its partial file removed.
    settleInterruptedBackups(db, backupDir(config, path));
    const jobContext = { db, config, env, now: Date.now, lease: { name: PROBE_LEASE, holder: probe.holder } };
    jobs = startJobs(jobContext, undefined, () => probe.holdsLease() && !checkStorage(db));
    issueMissingFinalReport(jobContext).catch((err: Error) => log.error('report.issue_at_start_failed', { error: err.message }));
  }
}

main().catch((err) => process.exit(reportError(err)));
