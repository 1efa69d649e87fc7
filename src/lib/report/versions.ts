import { judgeText, type Judged } from '../i18n';
import type { Db } from '../db';
import type { MonthFigures } from '../sla/month';
import { formatDuration, formatInstant } from '../sla/format';
import { settingSpans } from '../monitors/history';

/**
 * What a new version of a month's report says about the previous one (SLA.md, Figures over
 * time): every figure that differs, each with the corrections of the records made since the
 * previous version that touch it. A version keeps its figures (key → shown text) for this.
 */
export interface ReportFigure {
  key: string;
  /** Service slug the figure belongs to; null for rows and counts of the whole month. */
  service: string | null;
  label: string;
  value: string;
}

export interface Correction {
  at: number;
  actor: string;
  action: string;
  /** Services the corrected record concerns (empty when unknown). */
  services: string[];
  text: string;
}

export interface FigureChange extends ReportFigure {
  before: string;
  corrections: Correction[];
  /** What caused it when no correction of the records did: never empty for a figure that changed. */
  cause: string | null;
}

export interface VersionChanges {
  previousVersion: number;
  previousProvisional: boolean;
  previousCutOff: number | null;
  /** False when the previous version was issued before versions kept their figures. */
  comparable: boolean;
  changes: FigureChange[];
  corrections: Correction[];
}

const judged = (j: Judged) => judgeText(j);

/** The figures of the month a reader compares between versions, as shown in the report. */
export function reportFigures(f: MonthFigures): ReportFigure[] {
  const out: ReportFigure[] = [];
  for (const s of f.services) {
    const svc = s.service.slug;
    const name = s.service.nameJa;
    const add = (key: string, label: string, value: string) => out.push({ key: `service.${svc}.${key}`, service: svc, label: `${name} ${label}`, value });
    add('target', '目標', `${s.service.slaTargetPct} %`);
    add('availability', '稼働率(月)', `${s.month.pct} %`);
    add('met', '達成可否(月)', judged(s.month));
    add('availability_ytd', '稼働率(年度累計)', `${s.yearToDate.pct} %`);
    add('met_ytd', '達成可否(年度累計)', judged(s.yearToDate));
    add('downtime', '停止時間', formatDuration(s.month.downtimeMs));
    add('planned_excluded', '計画停止除外', formatDuration(s.month.plannedExcludedMs));
    add('force_majeure', '不可抗力除外', formatDuration(s.month.forceMajeureMs));
    add('unmonitored', '監視欠測時間', formatDuration(s.month.unmonitoredMs));
  }
  for (const r of f.rows) {
    out.push({ key: `row.${r.key}.measured`, service: null, label: `${r.name.ja} 実績`, value: r.measured.ja });
    out.push({ key: `row.${r.key}.met`, service: null, label: `${r.name.ja} 判定`, value: judged(r) });
  }
  out.push({ key: 'count.incidents', service: null, label: '障害件数', value: `${f.counts.incidents} 件` });
  out.push({ key: 'count.major', service: null, label: '重大障害件数', value: `${f.counts.major} 件` });
  out.push({ key: 'count.regular_stops', service: null, label: '定期計画停止回数', value: `${f.counts.regularStops} 回` });
  return out;
}

/**
 * The records the figures were computed from, per service: check results of its monitors in
 * the month (so far), from every location. A later version names results that arrived since.
 */
export function recordFigures(db: Db, f: MonthFigures): ReportFigure[] {
  const end = f.cutOff ?? f.period.end;
  const count = db.$client.prepare(`SELECT
      (SELECT count(*) FROM checks WHERE monitor_id = ? AND at >= ? AND at < ?)
    + (SELECT count(*) FROM location_checks WHERE location_id IN (SELECT id FROM probe_locations) AND monitor_id = ? AND at >= ? AND at < ?)`).pluck();
  const monitors = db.$client.prepare('SELECT id FROM monitors ORDER BY id').pluck().all() as number[];
  // Each check counts for the service its monitor belonged to when it was made (a monitor moved later moves nothing).
  const stretches = monitors.flatMap((id) => settingSpans(db, id).map((s) => ({ id, serviceId: s.serviceId, start: Math.max(s.start, f.period.start), end: Math.min(s.end, end) })))
    .filter((s) => s.end > s.start);
  return f.services.map((s) => {
    const n = stretches.filter((x) => x.serviceId === s.service.id).reduce((sum, x) => sum + Number(count.get(x.id, x.start, x.end, x.id, x.start, x.end)), 0);
    return { key: `service.${s.service.slug}.records`, service: s.service.slug, label: `${s.service.nameJa} 監視記録数`, value: `${n.toLocaleString('en-US')} 件` };
  });
}

/** The software that computed the figures: a later version names an update of the rules. */
export function softwareFigure(version: string): ReportFigure {
  return { key: 'software.version', service: null, label: '集計ソフトウェアの版', value: version };
}

const actionJa: Record<string, string> = {
  'monitor.false_positive': '誤検知の指定',
  'incident.set_time': '障害の時刻の訂正',
  'incident.update': '障害の内容の訂正',
  'incident.create': '障害の追加',
  'incident.resolve': '障害の復旧の記録',
  'incident.confirm_draft': '障害の確定',
  'incident.merge_draft': '障害の統合',
  'incident.dismiss_draft': '障害候補の却下',
  'monitor.locations': '監視場所・定足数の変更',
};

/** Kinds of audited change that correct the records a month's figures come from, or the monitors' settings that count. */
function isCorrection(e: { action: string; before: string | null; after: string | null }): boolean {
  if (e.action === 'monitor.update') return countsChange(e) !== null;
  return e.action in actionJa || e.action.startsWith('maintenance.') || e.action.startsWith('sla.');
}

/** Whether an edit of a monitor changed whether it counts toward availability: [before, after], or null. */
function countsChange(e: { before: string | null; after: string | null }): [boolean, boolean] | null {
  const before = e.before ? (JSON.parse(e.before) as { countsForAvailability?: boolean }).countsForAvailability : undefined;
  const after = e.after ? (JSON.parse(e.after) as { countsForAvailability?: boolean }).countsForAvailability : undefined;
  return before !== undefined && after !== undefined && before !== after ? [before, after] : null;
}

function describe(db: Db, e: { action: string; entity: string; entityId: string | null; before: string | null; after: string | null }, zone: string): { services: string[]; text: string } {
  const c = db.$client;
  const after = e.after ? (JSON.parse(e.after) as Record<string, unknown>) : {};
  const before = e.before ? (JSON.parse(e.before) as Record<string, unknown>) : {};
  const when = (v: unknown) => (typeof v === 'number' ? formatInstant(v, zone) : typeof v === 'string' && /^\d{4}-/.test(v) ? formatInstant(Date.parse(v), zone) : v === null || v === undefined ? '–' : String(v));
  const id = Number(e.entityId);
  if (e.entity === 'monitor') {
    const m = c.prepare('SELECT m.slug, s.slug AS service FROM monitors m JOIN services s ON s.id = m.service_id WHERE m.id = ?').get(id) as { slug: string; service: string } | undefined;
    const services = m ? [m.service] : [];
    const counts = countsChange(e);
    const counted = (v: boolean) => (v ? '算入する' : '算入しない');
    if (counts) return { services, text: `稼働率への算入の変更: ${m?.slug ?? e.entityId}（${counted(counts[0])} → ${counted(counts[1])}）` };
    if (e.action === 'monitor.locations') {
      const places = (v: Record<string, unknown>) => `${Array.isArray(v.locations) && v.locations.length ? v.locations.join('・') : 'local'}、定足数 ${v.quorum ?? '過半数'}`;
      return { services, text: `${actionJa[e.action]}: ${m?.slug ?? e.entityId}（${places(before)} → ${places(after)}）` };
    }
    return { services: m ? [m.service] : [], text: `${actionJa[e.action] ?? e.action}: ${m?.slug ?? e.entityId} ${when(after.start)} 開始の停止（理由: ${String(after.reason ?? '')}）` };
  }
  if (e.entity === 'incident') {
    const i = c.prepare('SELECT key FROM incidents WHERE id = ?').get(id) as { key: string } | undefined;
    const services = (c.prepare('SELECT s.slug FROM incident_services x JOIN services s ON s.id = x.service_id WHERE x.incident_id = ?').all(id) as { slug: string }[]).map((s) => s.slug);
    const fields = Object.keys(after).filter((k) => /At$/.test(k));
    const detail = fields.map((k) => `${k} ${when(before[k])} → ${when(after[k])}`).join('、');
    return { services, text: `${actionJa[e.action] ?? e.action}: 障害 ${i?.key ?? e.entityId}${detail ? `（${detail}）` : ''}` };
  }
  if (e.entity === 'maintenance') {
    const m = c.prepare('SELECT key FROM maintenances WHERE id = ?').get(id) as { key: string } | undefined;
    const services = (c.prepare('SELECT s.slug FROM maintenance_services x JOIN services s ON s.id = x.service_id WHERE x.maintenance_id = ?').all(id) as { slug: string }[]).map((s) => s.slug);
    const detail = ['actualStart', 'actualEnd', 'status'].filter((k) => k in after && before[k] !== after[k]).map((k) => `${k} ${when(before[k])} → ${when(after[k])}`).join('、');
    return { services, text: `計画停止の訂正: ${m?.key ?? e.entityId}${detail ? `（${detail}）` : ''}` };
  }
  return { services: [], text: e.action };
}

/** The audited corrections of the records made in (from, to]. */
export function correctionsBetween(db: Db, from: number, to: number, zone: string): Correction[] {
  const rows = db.$client.prepare('SELECT at, actor, action, entity, entity_id AS entityId, before, after FROM audit_log WHERE at > ? AND at <= ? ORDER BY at, id')
    .all(from, to) as { at: number; actor: string; action: string; entity: string; entityId: string | null; before: string | null; after: string | null }[];
  return rows.filter((r) => isCorrection(r)).map((r) => ({ at: r.at, actor: r.actor, action: r.action, ...describe(db, r, zone) }));
}

/**
 * Figures that differ from the previous version, each with the corrections that concern it
 * or, when none does, what else caused the difference (SLA.md: a new version says why).
 */
export function changedFigures(previous: ReportFigure[], current: ReportFigure[], corrections: Correction[], previousProvisional = false): FigureChange[] {
  const before = new Map(previous.map((p) => [p.key, p.value]));
  const differs = (f: ReportFigure) => (before.has(f.key) ? before.get(f.key) !== f.value : true);
  // What the figures were computed from is listed when it changed, or beside figures that did when a version before it did not keep it.
  const info = (f: ReportFigure) => f.key === 'software.version' || f.key.endsWith('.records');
  const figuresChanged = current.some((f) => !info(f) && differs(f));
  const changed = current.filter((f) => (info(f) && !before.has(f.key) ? figuresChanged : differs(f)));
  const changedKey = (key: string) => changed.find((f) => f.key === key);
  const software = changedKey('software.version');
  return changed.map((f) => {
    const own = f.service === null ? corrections : corrections.filter((c) => c.services.length === 0 || c.services.includes(f.service!));
    const records = (f.service === null ? changed.filter((c) => c.key.endsWith('.records')) : [changedKey(`service.${f.service}.records`)])
      .filter((r): r is ReportFigure => r !== undefined);
    const cause = own.length > 0 ? null
      : previousProvisional ? '速報の締切後に経過した期間の集計'
      : f.key.endsWith('.records') || records.length > 0 ? '前版の発行後に記録された監視結果（監視記録数を参照）'
      : software || f.key === 'software.version' ? `集計ソフトウェアの更新（${before.get('software.version') ?? '不明'} → ${software?.value ?? f.value}）`
      : '記録の訂正・追加はなく、集計に用いる設定の変更による';
    return { ...f, before: before.get(f.key) ?? '（なし）', corrections: own, cause };
  });
}

/** What changed since the month's previous version, or null for a first version. */
export function changesSincePrevious(db: Db, month: string, current: ReportFigure[], now: number, zone: string): VersionChanges | null {
  const prev = db.$client.prepare('SELECT version, created_at AS createdAt, provisional, cut_off AS cutOff, figures FROM reports WHERE month = ? ORDER BY version DESC LIMIT 1')
    .get(month) as { version: number; createdAt: number; provisional: number; cutOff: number | null; figures: string | null } | undefined;
  if (!prev) return null;
  const corrections = correctionsBetween(db, prev.createdAt, now, zone);
  const previous = prev.figures ? (JSON.parse(prev.figures) as ReportFigure[]) : [];
  return {
    previousVersion: prev.version, previousProvisional: prev.provisional === 1, previousCutOff: prev.cutOff,
    comparable: prev.figures !== null,
    changes: prev.figures ? changedFigures(previous, current, corrections, prev.provisional === 1) : [],
    corrections,
  };
}
