import type { Db } from '../db';
import type { Config } from '../config';
import { monthOf, monthPeriod, previousMonth } from '../time';
import { log } from '../log';
import { holdsSampleData } from '../settings';
import type { ServiceRow } from './figures';

/**
 * The configuration in force for a month (SLA.md, Figures over time). When a month ends, the
 * settings its figures depend on (service targets, the SLA table, timer limits, notice days,
 * the window, the fiscal year) are kept as they were then, and the month's figures are
 * computed from them ever after: later settings never change a closed month. Only a
 * correction of the records does, and that is audited.
 */
export interface SettingsInForce {
  sla: Config['sla'];
  /** The support desk's limits (kept from when the desk began; older closings lack them). */
  support?: Config['support'];
  fiscal_year_start_month: number;
  /** The services that existed, with their targets as written. */
  services: Array<{ id: number; slug: string; sla_target_pct: number }>;
}

export function currentSettings(db: Db, config: Config): SettingsInForce {
  const services = db.$client.prepare('SELECT id, slug, sla_target_pct FROM services ORDER BY sort_order, id').all() as SettingsInForce['services'];
  return { sla: config.sla, support: config.support, fiscal_year_start_month: config.fiscal_year_start_month, services };
}

/** The settings a month closed with, or null while it is open (or was never closed). */
export function closedSettings(db: Db, month: string): SettingsInForce | null {
  const row = db.$client.prepare('SELECT settings FROM month_closings WHERE month = ?').get(month) as { settings: string } | undefined;
  return row ? (JSON.parse(row.settings) as SettingsInForce) : null;
}

/** Keeps the month's settings as they are now, once it has ended; a month closes only once. */
export function closeMonth(db: Db, config: Config, month: string, now: number): boolean {
  if (monthPeriod(month, config.zone).end > now || holdsSampleData(db)) return false;
  const r = db.$client.prepare('INSERT OR IGNORE INTO month_closings (month, closed_at, settings) VALUES (?, ?, ?)')
    .run(month, now, JSON.stringify(currentSettings(db, config)));
  if (r.changes > 0) log.info('month.closed', { month });
  return r.changes > 0;
}

/**
 * Closes every ended month since the first record (check, incident or stop) that is not
 * closed yet, with the settings in force now. Called when the site starts, at the start of
 * each month, and before an admin changes a setting a month depends on.
 */
export function closeEndedMonths(db: Db, config: Config, now: number): string[] {
  // The sample shown at first start is replaced by the real data on import: it closes nothing.
  if (holdsSampleData(db)) return [];
  const first = db.$client.prepare(`SELECT min(at) AS at FROM (
      SELECT min(first_at) AS at FROM check_runs UNION ALL SELECT min(started_at) FROM incidents UNION ALL SELECT min(scheduled_start) FROM maintenances)`)
    .get() as { at: number | null };
  if (first.at === null || first.at > now) return [];
  const firstMonth = monthOf(first.at, config.zone);
  const closed: string[] = [];
  db.$client.transaction(() => {
    for (let m = previousMonth(monthOf(now, config.zone)); m >= firstMonth; m = previousMonth(m)) {
      if (closeMonth(db, config, m, now)) closed.push(m);
    }
  }).immediate();
  return closed.reverse();
}

/**
 * The configuration and services a month's figures are computed with: for a closed month,
 * those it closed with (services added later are not part of it); otherwise today's.
 */
export function inForce(db: Db, config: Config, month: string, services: ServiceRow[]): { config: Config; services: ServiceRow[]; closedAt: number | null } {
  const row = db.$client.prepare('SELECT closed_at AS closedAt, settings FROM month_closings WHERE month = ?').get(month) as { closedAt: number; settings: string } | undefined;
  if (!row) return { config, services, closedAt: null };
  const kept = JSON.parse(row.settings) as SettingsInForce;
  // By id: a service renamed later is still the same service. In the order they had then
  // (the settings list them in their display order), so reordering later moves nothing.
  const target = new Map(kept.services.map((s) => [s.id, s.sla_target_pct]));
  const order = new Map(kept.services.map((s, i) => [s.id, i]));
  return {
    config: { ...config, sla: kept.sla, support: kept.support ?? config.support, fiscal_year_start_month: kept.fiscal_year_start_month },
    services: services.filter((s) => target.has(s.id)).map((s) => ({ ...s, slaTargetPct: target.get(s.id)! })).sort((a, b) => order.get(a.id)! - order.get(b.id)!),
    closedAt: row.closedAt,
  };
}
