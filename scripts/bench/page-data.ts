import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/lib/db';
import { loadConfig } from '../../src/lib/config';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { addAgent, setMonitorLocations } from '../../src/lib/agents/locations';
import { systemActor } from '../../src/lib/audit';
import { CheckStore } from '../../src/lib/checks/store';
import { LocationCheckStore } from '../../src/lib/agents/store';
import { phaseOf } from '../../src/lib/probe/phase-scheduler';
import { statusPageData } from '../../src/lib/status/page-data';
import { clearSummaryMemo } from '../../src/lib/status/summary';
import { listServices, serviceAvailability } from '../../src/lib/sla/figures';
import { withPerMonitorQueries } from '../../src/lib/sla/source';
import { monthOf, monthPeriod } from '../../src/lib/time';
import { tempDir } from '../../tests/helpers/temp';

/**
 * The CPU time of one rebuild of the public page's data and of one service's month, with the
 * monitors' records loaded per service in bulk and (for comparison) one monitor at a time.
 * N HTTP monitors at 60 s in 10 services, each checked from the local probe and two agents
 * (quorum 2), with MIN minutes of checks. The first run is cold (the 90 days before today are
 * loaded then and kept); the next ones are warm (today's records are loaded again each time).
 *
 *   npx tsx scripts/bench/page-data.ts [--monitors 10000] [--minutes 30] [--runs 4] [--db PATH]
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const N = Number(arg('monitors', '10000'));
const MIN = Number(arg('minutes', '30'));
const RUNS = Number(arg('runs', '4'));

function build(path: string): void {
  const db = openDatabase(path);
  const admin = systemActor('bench');
  importInterchange(db, validateInterchange({
    version: 1,
    services: Array.from({ length: 10 }, (_, s) => ({ slug: `svc-${s}`, name: { ja: `サービス${s}` }, sla_target_pct: 99.9 })),
    monitors: Array.from({ length: N }, (_, i) => ({ slug: `m-${i}`, service: `svc-${i % 10}`, type: 'http' as const, target: `http://127.0.0.1:9/${i}`, interval_s: 60, confirm: 2, counts_for_availability: true })),
  }));
  const agents = [0, 1].map((k) => addAgent(db, admin, { name: `agent-${k}` }));
  const ids = db.$client.prepare('SELECT id FROM monitors ORDER BY id').pluck().all() as number[];
  for (const id of ids) setMonitorLocations(db, admin, id, ['local', ...agents.map((a) => a.location.slug)], 2);
  const store = new CheckStore(db);
  const located = new LocationCheckStore(db);
  const start = Date.now() - MIN * 60_000;
  for (let m = 0; m < MIN; m++) {
    const base = start + m * 60_000;
    const at = (id: number) => base - (base % 60_000) + phaseOf(id, 60_000);
    store.record(ids.map((id) => ({ monitorId: id, at: at(id), status: 'up' as const, latencyMs: 5 + (id % 7), error: null })));
    for (const a of agents) db.$client.transaction(() => located.record(a.location.id, ids.map((id) => ({ monitorId: id, at: at(id) + 100, status: 'up' as const, latencyMs: 8, error: null }))))();
  }
  db.$client.close();
}

function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function measure(db: Db, label: string): void {
  const config = loadConfig(undefined);
  clearSummaryMemo();
  const page = Array.from({ length: RUNS }, () => cpuMs(() => statusPageData({ db, config, now: Date.now() })));
  const now = Date.now();
  const service = listServices(db)[0]!;
  const month = Array.from({ length: RUNS }, () => cpuMs(() => serviceAvailability({ db, config, now }, service, monthPeriod(monthOf(now, config.zone), config.zone))));
  const f = (list: number[]) => list.map((v) => v.toFixed(0)).join(' / ');
  console.log(`${label.padEnd(20)} page data (cold / warm…) ${f(page)} ms CPU   one service's month ${f(month)} ms CPU`);
}

const given = arg('db', '');
const dir = given ? null : tempDir('page-data-bench-');
const path = given || join(dir!.dir, 'bench.db');
if (!existsSync(path)) {
  const t = performance.now();
  build(path);
  console.log(`built ${N} monitors × 3 locations, ${MIN} min of checks in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}
const db = openDatabase(path);
measure(db, 'bulk (per service)');
withPerMonitorQueries(() => measure(db, 'one monitor at a time'));
db.$client.close();
dir?.remove();
