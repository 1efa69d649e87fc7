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
import { lastDays, monthOf, monthPeriod } from '../../src/lib/time';
import { tempDir } from '../../tests/helpers/temp';

/**
 * The CPU time of the public page's data rebuilt as the site rebuilds it (every 2 s, with the
 * checks of those 2 s written between rebuilds), and of one service's month. N HTTP monitors at
 * 60 s in 10 services, each checked from the local probe and two agents (quorum 2), with MIN
 * minutes of checks up to now. Time is simulated: each step writes the checks whose slot falls
 * in the next 2 s (local probe and both agents), then rebuilds at the step's end.
 *
 * Phases: the first rebuild (cold: everything is loaded); STEPS steps with every check up;
 * STEPS steps with every monitor of one service down everywhere (an outage: new runs, then
 * confirmations); STEPS steps with all monitors down; STEPS steps after they all recover. For
 * each: median, p99 and max CPU of one rebuild. Then one service's month, read in bulk and
 * (for comparison) one monitor at a time.
 *
 * `--end midnight` ends the checks 30 s before the next midnight in Tokyo: the first phase then
 * crosses it, and the first rebuild of the new day is printed.
 *
 *   npx tsx scripts/bench/page-data.ts [--monitors 10000] [--minutes 30] [--steps 60] [--end midnight] [--db PATH]
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const N = Number(arg('monitors', '10000'));
const MIN = Number(arg('minutes', '30'));
const STEPS = Number(arg('steps', '60'));
// `--end midnight`: the checks end 30 s before the next midnight in the configured zone (Tokyo), so the first steps cross it.
const END = arg('end', 'now') === 'midnight' ? lastDays(1, Date.now(), loadConfig(undefined).zone)[0]!.end - 30_000 : Date.now();
const RUNS = 4;
const STEP_MS = 2_000;
const SLOT_MS = 60_000;

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
  const start = END - MIN * 60_000;
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

/** Writes the checks whose slot falls in (from, to]: the local probe's, then each agent's. */
function writeChecks(db: Db, from: number, to: number, statusOf: (id: number) => 'up' | 'down'): void {
  const ids = db.$client.prepare('SELECT id FROM monitors ORDER BY id').pluck().all() as number[];
  const agents = db.$client.prepare("SELECT id FROM probe_locations WHERE slug <> 'local' ORDER BY id").pluck().all() as number[];
  const due: Array<{ id: number; at: number }> = [];
  for (let slot = from - (from % SLOT_MS); slot <= to; slot += SLOT_MS) {
    for (const id of ids) {
      const at = slot + phaseOf(id, SLOT_MS);
      if (at > from && at <= to) due.push({ id, at });
    }
  }
  if (due.length === 0) return;
  new CheckStore(db).record(due.map(({ id, at }) => ({ monitorId: id, at, status: statusOf(id), latencyMs: 5 + (id % 7), error: statusOf(id) === 'down' ? 'refused' : null })));
  const located = new LocationCheckStore(db);
  for (const a of agents) db.$client.transaction(() => located.record(a, due.map(({ id, at }) => ({ monitorId: id, at: at + 100, status: statusOf(id), latencyMs: 8, error: null }))))();
}

const pct = (list: number[], p: number) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(p * list.length))]!;

function measure(db: Db): void {
  const config = loadConfig(undefined);
  clearSummaryMemo();
  let now = END;
  const cold = cpuMs(() => statusPageData({ db, config, now }));
  console.log(`first rebuild (cold)             ${cold.toFixed(0)} ms CPU`);
  const firstService = new Set(db.$client.prepare('SELECT id FROM monitors WHERE service_id = (SELECT min(id) FROM services)').pluck().all() as number[]);
  const phases: Array<[string, (id: number) => 'up' | 'down']> = [
    ['all up', () => 'up'],
    ['one service down (1 in 10)', (id) => (firstService.has(id) ? 'down' : 'up')],
    ['every monitor down', () => 'down'],
    ['all recovered', () => 'up'],
  ];
  for (const [label, statusOf] of phases) {
    const cpu: number[] = [];
    let write = 0;
    for (let i = 0; i < STEPS; i++) {
      write += cpuMs(() => writeChecks(db, now, now + STEP_MS, statusOf));
      const day = lastDays(1, now, config.zone)[0]!.start;
      now += STEP_MS;
      cpu.push(cpuMs(() => statusPageData({ db, config, now })));
      if (lastDays(1, now, config.zone)[0]!.start !== day) console.log(`the first rebuild of a new day      ${cpu[cpu.length - 1]!.toFixed(0)} ms CPU`);
    }
    const f = (v: number) => v.toFixed(0).padStart(4);
    console.log(`${label.padEnd(32)} rebuild median ${f(pct(cpu, 0.5))}  p99 ${f(pct(cpu, 0.99))}  max ${f(Math.max(...cpu))} ms CPU   (writing the checks: ${(write / STEPS).toFixed(0)} ms a step)`);
  }
  const service = listServices(db)[0]!;
  const month = (label: string) => {
    const list = Array.from({ length: RUNS }, () => cpuMs(() => serviceAvailability({ db, config, now }, service, monthPeriod(monthOf(now, config.zone), config.zone))));
    console.log(`one service's month, ${label.padEnd(20)} ${list.map((v) => v.toFixed(0)).join(' / ')} ms CPU`);
  };
  month('read in bulk');
  withPerMonitorQueries(() => month('a monitor at a time'));
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
measure(db);
db.$client.close();
dir?.remove();
