import { DateTime } from 'luxon';
import type { Db } from '../../src/lib/db';
import { rebuildDerived } from '../../src/lib/checks/store';

/**
 * Benchmark data: `services` services with `monitorsPerService` monitors each, checked
 * every `intervalS` seconds from `from` to `to`, with a few outages, single failed checks
 * and slow (degraded) spells a month per monitor. Written with direct inserts, then the
 * runs and gaps are rebuilt as after an import.
 */
export interface BenchData {
  from: string;
  to: string;
  services?: number;
  monitorsPerService?: number;
  intervalS?: number;
}

export function fillBenchData(db: Db, opts: BenchData): { checks: number; monitors: number } {
  const c = db.$client;
  const zone = 'Asia/Tokyo';
  const from = DateTime.fromISO(opts.from, { zone }).toMillis();
  const to = DateTime.fromISO(opts.to, { zone }).toMillis();
  const step = (opts.intervalS ?? 30) * 1000;
  const services = opts.services ?? 2;
  const perService = opts.monitorsPerService ?? 10;
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const monitorIds: number[] = [];
  c.transaction(() => {
    for (let s = 0; s < services; s++) {
      const sid = Number(c.prepare('INSERT INTO services (slug, name_ja, name_en, sla_target_pct, sort_order) VALUES (?, ?, ?, 99.9, ?)')
        .run(`svc${s}`, `サービス${s + 1}`, `Service ${s + 1}`, s).lastInsertRowid);
      for (let m = 0; m < perService; m++) {
        monitorIds.push(Number(c.prepare(`INSERT INTO monitors (slug, service_id, type, target, interval_s, confirm, counts_for_availability)
          VALUES (?, ?, 'http', ?, ?, 2, 1)`).run(`svc${s}-m${m}`, sid, `http://127.0.0.1:9/${s}/${m}`, step / 1000).lastInsertRowid));
      }
    }
  })();
  const insert = c.prepare('INSERT INTO checks (monitor_id, at, status, latency_ms, error) VALUES (?, ?, ?, ?, NULL)');
  let count = 0;
  const perMonth = 30 * 86_400_000;
  for (const id of monitorIds) {
    // Events: per month about 3 outages (4–40 checks), 10 single failures, 5 slow spells.
    const events: [number, number, number][] = [];
    for (let t = from; t < to; t += perMonth) {
      for (let k = 0; k < 3; k++) events.push([t + Math.floor(rand() * perMonth), 4 + Math.floor(rand() * 36), 2]);
      for (let k = 0; k < 10; k++) events.push([t + Math.floor(rand() * perMonth), 1, 2]);
      for (let k = 0; k < 5; k++) events.push([t + Math.floor(rand() * perMonth), 10 + Math.floor(rand() * 50), 1]);
    }
    events.sort((a, b) => a[0] - b[0]);
    c.transaction(() => {
      let e = 0;
      let status = 0;
      let left = 0;
      for (let at = from; at < to; at += step) {
        while (e < events.length && events[e]![0] <= at) {
          status = events[e]![2];
          left = events[e]![1];
          e++;
        }
        const st = left > 0 ? status : 0;
        if (left > 0) left--;
        insert.run(id, at, st, st === 2 ? null : 80 + Math.floor(rand() * 120) + (st === 1 ? 2000 : 0));
        count++;
      }
    })();
    rebuildDerived(db, id);
  }
  return { checks: count, monitors: monitorIds.length };
}
