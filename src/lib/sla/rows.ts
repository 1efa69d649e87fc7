import { DateTime } from 'luxon';
import type { Config } from '../config';
import { defaultSlaRows, type SlaRowDef } from './catalogue';
import type { MonthFiguresBase } from './month';
import type { TimerLimits, TimerKey } from './timers';
import { timerNames } from './timers';
import { formatDuration, formatHours, pctOf } from './format';
import { parseNumber, parseYes } from './manual';
import { meetsPercent } from './availability';
import { supportRow } from '../support/rows';

/** One row of the month's SLA table: its target, what was measured, and whether it was achieved. */
export interface Text { ja: string; en: string }
export interface RowResult {
  key: string;
  name: Text;
  target: Text;
  measured: Text;
  /** null: not judged (informational, not measured, or no value entered yet), or on track in a running month. */
  met: boolean | null;
  /** A running month's row that what remains can still meet (見込み, SLA.md). */
  onTrack?: boolean;
  note: Text | null;
  measure: SlaRowDef['measure'];
}

const T = (ja: string, en: string): Text => ({ ja, en });
const same = (s: string): Text => ({ ja: s, en: s });

function timerLimitH(timer: TimerKey, kind: 'failure' | 'security' | 'all', l: TimerLimits): Text {
  switch (timer) {
    case 'client_notified': {
      const h = kind === 'security' ? l.securityNotifyH : l.clientNotifyH;
      return T(`認知から${formatHours(h)}時間以内`, `≤ ${formatHours(h)} h from awareness`);
    }
    case 'eta_notified': return T(`認知から${formatHours(l.etaNotifyH)}時間以内`, `≤ ${formatHours(l.etaNotifyH)} h from awareness`);
    case 'recovery_notified': return T(`認知から${formatHours(l.recoveryNotifyH)}時間以内（重大障害${formatHours(l.recoveryNotifyMajorH)}時間）`,
      `≤ ${formatHours(l.recoveryNotifyH)} h from awareness (major: ${formatHours(l.recoveryNotifyMajorH)} h)`);
    case 'security_response': return T(`認知から${formatHours(l.securityResponseH)}時間以内`, `≤ ${formatHours(l.securityResponseH)} h from awareness`);
    case 'first_report': return T(`検知から${formatHours(l.firstReportMin)}分以内`, `≤ ${formatHours(l.firstReportMin)} min from detection`);
    case 'recovery': return T(`認知から${formatHours(l.recoveryH)}時間以内`, `≤ ${formatHours(l.recoveryH)} h from awareness`);
    case 'progress_report': return T(`${formatHours(l.progressEveryH)}時間毎（復旧まで）`, `every ${formatHours(l.progressEveryH)} h until recovery`);
    case 'written_report': return T(`復旧から${formatHours(l.writtenReportH)}時間以内`, `≤ ${formatHours(l.writtenReportH)} h after recovery`);
  }
}

export function evaluateRows(f: MonthFiguresBase, config: Config, limits: TimerLimits): RowResult[] {
  const catalogue = config.sla.rows ?? defaultSlaRows;
  const out: RowResult[] = [];
  const inMonth = (at: number) => at >= f.period.start && at < f.period.end;
  const stopsInMonth = f.stops.filter((s) => s.status !== 'cancelled' && inMonth(s.scheduledStart));
  const pushRow = (def: SlaRowDef, r: Omit<RowResult, 'key' | 'name' | 'measure' | 'target' | 'note'> & { target: Text; note?: Text | null }) => {
    out.push({ key: def.key, name: def.name, measure: def.measure, ...r, target: def.target ?? r.target, note: r.note ?? def.note ?? null });
  };

  for (const def of catalogue) {
    switch (def.measure) {
      case 'availability':
        for (const s of f.services) {
          const a = s.month;
          out.push({
            key: `${def.key}.${s.service.slug}`,
            name: T(`${def.name.ja}（${s.service.nameJa}）`, `${def.name.en} (${s.service.nameEn ?? s.service.nameJa})`),
            measure: def.measure,
            target: def.target ?? same(`≥ ${s.service.slaTargetPct} %`),
            measured: a.ratio === null ? same('–') : same(`${a.pct} %`),
            met: a.met,
            onTrack: a.onTrack,
            note: T(`年度累計 ${s.yearToDate.pct} %`, `fiscal year to date ${s.yearToDate.pct} %`),
          });
        }
        break;
      case 'service_hours': {
        const cal = f.period.end - f.period.start;
        const lines = f.services.map((s) => s.month.periodMs - s.month.excludedMs);
        const minService = lines.length ? Math.min(...lines) : cal;
        pushRow(def, {
          target: T('24時間365日（計画停止・不可抗力を除く）', '24 h × 365 d, except planned stops and force majeure'),
          measured: T(`暦時間 ${formatDuration(cal)}、計画サービス時間 ${formatDuration(minService)}`, `calendar ${formatDuration(cal, 'en')}, service time ${formatDuration(minService, 'en')}`),
          met: null,
          note: T('定義項目（稼働率の分母）', 'definition (the availability denominator)'),
        });
        break;
      }
      case 'notice': {
        // A stop not yet announced whose notice can still be sent in time is not late yet.
        const canStillNotify = (s: (typeof stopsInMonth)[number]) => s.announcedAt === null && s.scheduledStart - f.generatedAt >= config.sla.notice_days * 86_400_000;
        const waiting = stopsInMonth.filter((s) => !s.noticeMet && !s.approved && canStillNotify(s));
        const late = stopsInMonth.filter((s) => !s.noticeMet && !s.approved && !canStillNotify(s));
        const approved = stopsInMonth.filter((s) => !s.noticeMet && s.approved);
        const notes = [
          ...(approved.length ? [T(`委託者承認 ${approved.length} 件（緊急）`, `${approved.length} approved by the client (urgent)`)] : []),
          ...(waiting.length ? [T(`未告知 ${waiting.length} 件`, `${waiting.length} not announced yet`)] : []),
        ];
        pushRow(def, {
          target: T(`開始${config.sla.notice_days}日前までに通知`, `announced ≥ ${config.sla.notice_days} days ahead`),
          measured: stopsInMonth.length === 0 ? T('対象なし', 'none')
            : T(`${stopsInMonth.length - late.length - waiting.length}/${stopsInMonth.length} 件`, `${stopsInMonth.length - late.length - waiting.length}/${stopsInMonth.length}`),
          met: late.length > 0 ? false : waiting.length > 0 ? null : true,
          onTrack: late.length === 0 && waiting.length > 0,
          note: notes.length ? T(notes.map((n) => n.ja).join('、'), notes.map((n) => n.en).join(', ')) : null,
        });
        break;
      }
      case 'window': {
        const outside = stopsInMonth.filter((s) => !s.windowMet);
        pushRow(def, {
          target: T(`平日${config.sla.window_from_hour}:00〜翌${config.sla.window_until_hour}:00`, `weekdays ${config.sla.window_from_hour}:00 to ${config.sla.window_until_hour}:00 next day`),
          measured: stopsInMonth.length === 0 ? T('対象なし', 'none')
            : T(`時間帯内 ${stopsInMonth.length - outside.length}/${stopsInMonth.length} 件`, `${stopsInMonth.length - outside.length}/${stopsInMonth.length} inside`),
          met: outside.length === 0,
          note: outside.length ? T(`時間帯外: ${outside.map((s) => s.key).join(', ')}`, `outside: ${outside.map((s) => s.key).join(', ')}`) : null,
        });
        break;
      }
      case 'regular_stops':
        pushRow(def, {
          target: T(`月${def.max}回以内`, `≤ ${def.max} a month`),
          measured: T(`${f.counts.regularStops} 回`, `${f.counts.regularStops}`),
          met: f.counts.regularStops <= def.max,
        });
        break;
      case 'timer': {
        const subject = f.incidents.filter((i) => def.incidents === 'all' || i.kind === def.incidents);
        const results = subject.map((i) => i.timers.find((t) => t.key === def.timer)).filter((t) => t !== undefined);
        const met = results.filter((t) => t.state === 'met').length;
        const missed = results.filter((t) => t.state === 'missed').length;
        const pending = results.filter((t) => t.state === 'pending').length;
        const unstarted = results.filter((t) => t.state === 'not_started').length;
        const judged = met + missed;
        const notes: Text[] = [];
        if (pending) notes.push(T(`判定待ち ${pending} 件`, `${pending} pending`));
        if (unstarted) notes.push(T(`起点未記録 ${unstarted} 件`, `${unstarted} without a start time`));
        pushRow(def, {
          target: timerLimitH(def.timer, def.incidents, limits),
          measured: results.length === 0 ? T('対象なし', 'none') : T(`達成 ${met}/${judged} 件`, `${met}/${judged} met`),
          met: missed > 0 ? false : results.length === 0 || judged > 0 ? true : null,
          note: notes.length ? T(notes.map((n) => n.ja).join('、'), notes.map((n) => n.en).join(', ')) : T(timerNames[def.timer].ja, timerNames[def.timer].en),
        });
        break;
      }
      case 'backup': {
        const b = f.backups;
        if (!b.measured) {
          pushRow(def, { target: T(`毎日夜間・${def.generations}世代保持`, `daily at night, ${def.generations} generations`), measured: T('未計測', 'not measured'), met: null });
          break;
        }
        const gens = b.latestGenerations;
        pushRow(def, {
          target: T(`毎日夜間・${def.generations}世代保持`, `daily at night, ${def.generations} generations`),
          measured: T(`成功 ${b.okDays}/${b.days.length} 日・${gens ?? '–'}世代`, `${b.okDays}/${b.days.length} days, ${gens ?? '–'} generations`),
          met: b.days.length === 0 ? null : b.okDays === b.days.length && gens !== null && gens >= def.generations,
        });
        break;
      }
      case 'coverage': {
        const shares = f.services.map((s) => {
          const serviceMs = Math.min(s.month.periodMs, Math.max(0, Math.min(f.period.end, f.generatedAt) - f.period.start)) - s.month.excludedMs;
          return serviceMs > 0 ? { monitored: serviceMs - s.month.unmonitoredMs, serviceMs, ratio: (serviceMs - s.month.unmonitoredMs) / serviceMs } : null;
        }).filter((r): r is NonNullable<typeof r> => r !== null);
        const lowest = shares.length ? shares.reduce((a, b) => (b.ratio < a.ratio ? b : a)) : null;
        const worst = lowest?.ratio ?? null;
        pushRow(def, {
          target: T(`24時間365日（監視率 ${def.min_pct} %以上）`, `24 h × 365 d (coverage ≥ ${def.min_pct} %)`),
          measured: worst === null ? same('–') : same(`${pctOf(worst)} %`),
          met: lowest === null ? null : meetsPercent(lowest.monitored, lowest.serviceMs, def.min_pct),
          note: T('監視欠測時間を除いた割合（最も低いサービス）', 'monitored share of service time (lowest service)'),
        });
        break;
      }
      case 'count': {
        const n = def.incidents === 'major' ? f.counts.major : f.counts.security;
        pushRow(def, { target: T(`月${def.max}件`, `≤ ${def.max} a month`), measured: T(`${n} 件`, `${n}`), met: n <= def.max });
        break;
      }
      case 'report_deadline': {
        const next = DateTime.fromMillis(f.period.end, { zone: f.zone });
        const deadline = next.set({ day: def.day }).plus({ days: 1 }).startOf('day').toMillis();
        const at = f.firstIssuedAt;
        const label = next.set({ day: def.day }).toFormat('yyyy-LL-dd');
        pushRow(def, {
          target: T(`翌月${def.day}日まで`, `by day ${def.day} of the next month`),
          measured: at === null ? T('未発行', 'not issued') : T(`${DateTime.fromMillis(at, { zone: f.zone }).toFormat('yyyy-LL-dd HH:mm')} 発行`, `issued ${DateTime.fromMillis(at, { zone: f.zone }).toFormat('yyyy-LL-dd HH:mm')}`),
          met: at !== null ? at < deadline : f.generatedAt >= deadline ? false : null,
          note: T(`期限 ${label}`, `due ${label}`),
        });
        break;
      }
      case 'support_ack': case 'support_status_report': case 'support_processing': case 'support_hours': case 'support_survey':
        pushRow(def, supportRow(def, f.support));
        break;
      case 'manual': {
        const v = f.manual.find((m) => m.rowKey === def.key);
        const unit = def.unit ? ` ${def.unit}` : '';
        const target = def.op === '>=' ? same(`≥ ${def.threshold}${unit}`) : def.op === '<=' ? same(`≤ ${def.threshold}${unit}`) : T('—', '—');
        let met: boolean | null = null;
        if (v && (def.op === '>=' || def.op === '<=')) {
          const n = parseNumber(v.value);
          met = n === null ? null : def.op === '>=' ? n >= def.threshold! : n <= def.threshold!;
        } else if (v && def.op === 'yes') met = parseYes(v.value);
        pushRow(def, {
          target,
          measured: v ? same(`${v.value}${unit}`) : T('未入力', 'not entered'),
          met,
          note: v?.note ? same(v.note) : T('管理者入力', 'entered by an admin'),
        });
        break;
      }
    }
  }
  return out;
}
