import PDFDocument from 'pdfkit';
import { createRequire } from 'node:module';
import { DateTime } from 'luxon';
import type { ReportData } from './data';
import type { IncidentFigures } from '../sla/month';
import { timerNames, type TimerResult } from '../sla/timers';
import { formatDuration, formatInstant, formatMinutes, pctOf } from '../sla/format';
import type { DailyLatency } from './response-times';
import type { VersionChanges } from './versions';
import { supportTables } from '../support/report';
import { termsOf, judgeText, judgeClass, type Judged } from '../i18n';
import { reportWords, adminWords } from '../i18n-admin';
import { clientTarget } from '../monitors/secrets';
import { reasonText } from '../probe/reason-text';

/**
 * The monthly SLA report as a Japanese A4 PDF (REPORT.md). Text is set in Noto Sans JP,
 * embedded as a subset (only the glyphs used), so the file stays small. Charts are pdfkit
 * vector drawing rather than canvas bitmaps: they stay sharp at any zoom and print size,
 * add a few kilobytes instead of an image per chart, share the document's font, and keep
 * their labels as text that can be searched and copied.
 */
export interface ReportMeta {
  version: number;
  issuedAt: number;
  /** A provisional report (速報) of a month still running counts up to this instant. */
  cutOff: number | null;
  /** For a version after the first: what differs from the previous version, and the corrections behind it. */
  changes?: VersionChanges | null;
  client: string;
  contractor: string;
  probeLocations: string[];
  softwareVersion: string;
  siteName: string;
  noticeDays: number;
}

const require = createRequire(import.meta.url);
export const FONT_REGULAR = require.resolve('@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf');
export const FONT_BOLD = require.resolve('@expo-google-fonts/noto-sans-jp/700Bold/NotoSansJP_700Bold.ttf');

export const A4 = { width: 595.28, height: 841.89 };
export const M = { top: 50, bottom: 56, left: 42, right: 42 };
/** Room (pt) a section needs below its heading to begin on the current page. */
const SECTION_MIN_ROOM = 220;
export const CONTENT_W = A4.width - M.left - M.right;
export const INK = '#1a1a1a';
export const MUTED = '#555555';
const RULE = '#b8b8b8';
const HEAD_BG = '#e8edf3';
export const OK = '#1b6e3a';
export const NG = '#b3261e';
/** 見込み (a running period on track): neither met nor missed yet; the web report's `.pending`. */
export const PENDING = '#8a5a00';
const SERIES = ['#1f5fa8', '#c0661c', '#2e8540', '#7b3fa0'];

const WEEK = ['月', '火', '水', '木', '金', '土', '日'];
const judge = (j: Judged) => judgeText(j);
const JUDGED_COLOR = { ok: OK, ng: NG, pending: PENDING, muted: null } as const;
/** The colour of judgements shown together: missed wins, then on track, then met. */
const judgedColor = (...js: Judged[]): string | null => {
  const classes = js.map(judgeClass);
  for (const c of ['ng', 'pending', 'ok'] as const) if (classes.includes(c)) return JUDGED_COLOR[c];
  return null;
};
const mark = (state: TimerResult['state'] | undefined) => (state === 'met' ? '○' : state === 'missed' ? '×' : state === 'pending' ? '…' : '–');
const severityJa = reportWords.severity;
const S = reportWords.sections;
const C = reportWords.col;
const categoryJa = reportWords.stopCategory;
const statusJa: Record<string, string> = termsOf('incidentState', 'ja');

export interface Column { header: string; width: number; align?: 'left' | 'right' | 'center' }
interface TocEntry { title: string; page: number; level: number }

/** Page layout shared by the reports (the monthly, the yearly and the written failure report). */
export class Writer {
  readonly doc: PDFKit.PDFDocument;
  readonly toc: TocEntry[] = [];
  constructor(title: string) {
    this.doc = new PDFDocument({
      size: 'A4', margins: M, bufferPages: true, autoFirstPage: true, lang: 'ja-JP', displayTitle: true,
      info: { Title: title, Author: 'status-sla', Subject: 'SLA', Producer: 'status-sla (pdfkit)' },
    });
    this.doc.registerFont('jp', FONT_REGULAR);
    this.doc.registerFont('jpb', FONT_BOLD);
    this.doc.font('jp').fontSize(9).fillColor(INK);
  }

  get page(): number {
    return this.doc.bufferedPageRange().start + this.doc.bufferedPageRange().count;
  }
  get bottom(): number {
    return A4.height - M.bottom;
  }
  ensure(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }
  /**
   * A numbered section. It starts a new page only when little room is left on this one (or
   * when asked), so short sections ("none this month") share a page instead of leaving
   * near-empty pages.
   */
  section(title: string, options: { newPage?: boolean } = {}): void {
    const atTop = this.doc.y <= M.top + 1;
    if (options.newPage || (!atTop && this.bottom - this.doc.y < SECTION_MIN_ROOM)) this.doc.addPage();
    else if (!atTop) this.doc.moveDown(1.5);
    this.toc.push({ title, page: this.page, level: 0 });
    this.doc.outline.addItem(title);
    this.doc.font('jpb').fontSize(15).fillColor(INK).text(title, M.left, this.doc.y, { width: CONTENT_W });
    const y = this.doc.y + 2;
    this.doc.moveTo(M.left, y).lineTo(M.left + CONTENT_W, y).lineWidth(1).strokeColor('#1f5fa8').stroke();
    this.doc.y = y + 8;
    this.doc.font('jp').fontSize(9);
  }
  h2(title: string, space = 60): void {
    this.ensure(space);
    this.doc.moveDown(0.4);
    this.toc.push({ title, page: this.page, level: 1 });
    this.doc.font('jpb').fontSize(11).fillColor(INK).text(title, M.left, this.doc.y, { width: CONTENT_W });
    this.doc.moveDown(0.2).font('jp').fontSize(9);
  }
  para(text: string, options: { size?: number; color?: string } = {}): void {
    this.doc.font('jp').fontSize(options.size ?? 9).fillColor(options.color ?? INK);
    this.ensure(this.doc.heightOfString(text, { width: CONTENT_W }) + 2);
    this.doc.text(text, M.left, this.doc.y, { width: CONTENT_W, lineGap: 1.5 });
    this.doc.moveDown(0.3).fillColor(INK);
  }

  /** A ruled table that breaks across pages, repeating its header. Cells may colour themselves. */
  table(columns: Column[], rows: string[][], options: { size?: number; colors?: (string | null)[][] } = {}): void {
    const size = options.size ?? 8;
    const pad = 2.5;
    const doc = this.doc;
    const scale = CONTENT_W / columns.reduce((a, c) => a + c.width, 0);
    const widths = columns.map((c) => c.width * scale);
    const heightOf = (cells: string[], bold: boolean) => {
      doc.font(bold ? 'jpb' : 'jp').fontSize(size);
      return Math.max(...cells.map((t, i) => doc.heightOfString(t || ' ', { width: widths[i]! - 2 * pad }))) + 2 * pad;
    };
    const drawRow = (cells: string[], y: number, h: number, header: boolean, colors?: (string | null)[]) => {
      let x = M.left;
      if (header) doc.rect(M.left, y, CONTENT_W, h).fill(HEAD_BG);
      cells.forEach((t, i) => {
        const w = widths[i]!;
        doc.font(header ? 'jpb' : 'jp').fontSize(size).fillColor(colors?.[i] ?? INK)
          .text(t, x + pad, y + pad, { width: w - 2 * pad, align: header ? 'center' : columns[i]!.align ?? 'left', lineBreak: true });
        x += w;
      });
      doc.lineWidth(0.5).strokeColor(RULE);
      doc.moveTo(M.left, y + h).lineTo(M.left + CONTENT_W, y + h).stroke();
      let vx = M.left;
      for (const w of widths) {
        doc.moveTo(vx, y).lineTo(vx, y + h).stroke();
        vx += w;
      }
      doc.moveTo(vx, y).lineTo(vx, y + h).stroke();
    };
    const headers = columns.map((c) => c.header);
    const headerH = heightOf(headers, true);
    const startHeader = () => {
      const y = doc.y;
      doc.lineWidth(0.5).strokeColor(RULE).moveTo(M.left, y).lineTo(M.left + CONTENT_W, y).stroke();
      drawRow(headers, y, headerH, true);
      doc.y = y + headerH;
    };
    this.ensure(headerH + 16);
    startHeader();
    rows.forEach((cells, r) => {
      const h = heightOf(cells, false);
      if (doc.y + h > this.bottom) {
        doc.addPage();
        startHeader();
      }
      const y = doc.y;
      drawRow(cells, y, h, false, options.colors?.[r]);
      doc.y = y + h;
    });
    doc.x = M.left;
    doc.fillColor(INK).font('jp').fontSize(9);
    doc.moveDown(0.6);
  }

  /** A line chart of daily values (ms), one or more series, with axes and a legend. */
  lineChart(title: string, days: string[], series: { label: string; values: (number | null)[]; dash?: boolean }[], unit: string): void {
    const doc = this.doc;
    const H = 170;
    this.ensure(H + 40);
    doc.font('jpb').fontSize(9).fillColor(INK).text(`${title}（${unit}）`, M.left, doc.y);
    const top = doc.y + 8;
    const left = M.left + 40;
    const width = CONTENT_W - 50;
    const height = H - 40;
    const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null);
    const max = niceCeil(all.length ? Math.max(...all) : 1);
    doc.font('jp').fontSize(7).fillColor(MUTED);
    for (let k = 0; k <= 4; k++) {
      const v = (max * k) / 4;
      const y = top + height - (height * k) / 4;
      doc.lineWidth(0.3).strokeColor('#dddddd').moveTo(left, y).lineTo(left + width, y).stroke();
      doc.text(`${Math.round(v)}`, M.left, y - 4, { width: 36, align: 'right' });
    }
    const step = width / Math.max(1, days.length);
    days.forEach((d, i) => {
      if (days.length <= 16 || i % 2 === 0 || i === days.length - 1) doc.text(d.slice(8), left + step * i, top + height + 3, { width: step, align: 'center' });
    });
    doc.lineWidth(0.8).strokeColor(INK).moveTo(left, top).lineTo(left, top + height).lineTo(left + width, top + height).stroke();
    series.forEach((s, si) => {
      const color = SERIES[si % SERIES.length]!;
      doc.lineWidth(1.3).strokeColor(color);
      if (s.dash) doc.dash(3, { space: 2 });
      let drawing = false;
      s.values.forEach((v, i) => {
        const x = left + step * i + step / 2;
        if (v === null) {
          drawing = false;
          return;
        }
        const y = top + height - (height * v) / max;
        if (drawing) doc.lineTo(x, y);
        else doc.moveTo(x, y);
        drawing = true;
      });
      doc.stroke();
      doc.undash();
      s.values.forEach((v, i) => {
        if (v === null) return;
        doc.circle(left + step * i + step / 2, top + height - (height * v) / max, 1.3).fill(color);
      });
    });
    let lx = left;
    const ly = top + height + 14;
    series.forEach((s, si) => {
      const color = SERIES[si % SERIES.length]!;
      doc.lineWidth(1.3).strokeColor(color);
      if (s.dash) doc.dash(3, { space: 2 });
      doc.moveTo(lx, ly + 4).lineTo(lx + 18, ly + 4).stroke();
      doc.undash();
      doc.font('jp').fontSize(7.5).fillColor(INK).text(s.label, lx + 22, ly, { lineBreak: false });
      lx += 32 + doc.widthOfString(s.label);
    });
    doc.x = M.left;
    doc.y = ly + 16;
    doc.fillColor(INK).fontSize(9);
  }

  /** Daily availability as bars from a floor to 100 %, one group per day, one bar per service. */
  availabilityChart(title: string, days: string[], series: { label: string; values: (number | null)[] }[], targetPct: number): void {
    const doc = this.doc;
    const H = 170;
    this.ensure(H + 40);
    doc.font('jpb').fontSize(9).fillColor(INK).text(`${title}（%）`, M.left, doc.y);
    const top = doc.y + 8;
    const left = M.left + 40;
    const width = CONTENT_W - 50;
    const height = H - 40;
    const values = series.flatMap((s) => s.values).filter((v): v is number => v !== null);
    const lowest = Math.min(targetPct / 100, ...values);
    const floor = lowest >= 0.999 ? 0.998 : lowest >= 0.99 ? 0.99 : lowest >= 0.9 ? 0.9 : 0;
    const yOf = (r: number) => top + height - (height * (Math.max(r, floor) - floor)) / (1 - floor);
    doc.font('jp').fontSize(7).fillColor(MUTED);
    for (let k = 0; k <= 4; k++) {
      const r = floor + ((1 - floor) * k) / 4;
      const y = yOf(r);
      doc.lineWidth(0.3).strokeColor('#dddddd').moveTo(left, y).lineTo(left + width, y).stroke();
      doc.text(`${(r * 100).toFixed(floor >= 0.99 ? 2 : 1)}`, M.left, y - 4, { width: 36, align: 'right' });
    }
    const step = width / Math.max(1, days.length);
    const barW = Math.max(1, (step - 2) / Math.max(1, series.length));
    series.forEach((s, si) => {
      const color = SERIES[si % SERIES.length]!;
      s.values.forEach((v, i) => {
        const x = left + step * i + 1 + barW * si;
        if (v === null) {
          doc.rect(x, top + height - 2, barW - 0.5, 2).fill('#cccccc');
          return;
        }
        const y = yOf(v);
        doc.rect(x, y, barW - 0.5, top + height - y).fill(v < targetPct / 100 ? NG : color);
      });
    });
    const ty = yOf(targetPct / 100);
    doc.lineWidth(0.8).strokeColor(NG).dash(4, { space: 2 }).moveTo(left, ty).lineTo(left + width, ty).stroke().undash();
    doc.font('jp').fontSize(7).fillColor(MUTED);
    days.forEach((d, i) => {
      if (days.length <= 16 || i % 2 === 0 || i === days.length - 1) doc.text(d.slice(8), left + step * i, top + height + 3, { width: step, align: 'center' });
    });
    doc.lineWidth(0.8).strokeColor(INK).moveTo(left, top).lineTo(left, top + height).lineTo(left + width, top + height).stroke();
    let lx = left;
    const ly = top + height + 14;
    series.forEach((s, si) => {
      doc.rect(lx, ly + 1, 10, 7).fill(SERIES[si % SERIES.length]!);
      doc.font('jp').fontSize(7.5).fillColor(INK).text(s.label, lx + 14, ly, { lineBreak: false });
      lx += 26 + doc.widthOfString(s.label);
    });
    doc.lineWidth(0.8).strokeColor(NG).dash(4, { space: 2 }).moveTo(lx, ly + 4).lineTo(lx + 18, ly + 4).stroke().undash();
    doc.font('jp').fontSize(7.5).fillColor(INK).text(`目標 ${targetPct} %（下回った日は赤）`, lx + 22, ly, { lineBreak: false });
    doc.x = M.left;
    doc.y = ly + 16;
    doc.fillColor(INK).fontSize(9);
  }
}

function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const monthJa = (month: string) => `${month.slice(0, 4)}年${Number(month.slice(5))}月`;

function timerOf(i: IncidentFigures, key: TimerResult['key']): TimerResult | undefined {
  return i.timers.find((t) => t.key === key);
}

/** Adds the running footer (title, page n / total) to every page and ends the document. */
export function finish(w: Writer, footer: string): void {
  const doc = w.doc;
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('jp').fontSize(7.5).fillColor(MUTED);
    doc.text(footer, M.left, A4.height - 34, { width: CONTENT_W * 0.7, lineBreak: false });
    doc.text(`${i + 1} / ${range.count}`, M.left + CONTENT_W * 0.7, A4.height - 34, { width: CONTENT_W * 0.3, align: 'right', lineBreak: false });
    doc.page.margins.bottom = saved;
  }
  doc.end();
}

/** The document's bytes once it has ended. */
export function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  return new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

/** Renders the report; resolves with the PDF's bytes. */
export function renderReportPdf(data: ReportData, meta: ReportMeta): Promise<Buffer> {
  const f = data.figures;
  const z = f.zone;
  const at = (ms: number | null, p = 'yyyy-LL-dd HH:mm') => formatInstant(ms, z, p);
  const w = new Writer(`SLA月次報告書 ${monthJa(f.month)}`);
  // A month still running is reported as 速報 with its cut-off, on the cover and on every page.
  const provisionalMark = meta.cutOff === null ? null : `速報 ${at(meta.cutOff)} 時点`;
  const doc = w.doc;
  const done = collect(doc);

  // 1. Cover and summary.
  doc.font('jp').fontSize(10).fillColor(MUTED).text(meta.client, M.left, 70);
  doc.font('jpb').fontSize(24).fillColor(INK).text('SLA月次報告書', M.left, 120, { width: CONTENT_W, align: 'center' });
  doc.font('jp').fontSize(14).text(`${monthJa(f.month)}分`, { width: CONTENT_W, align: 'center' });
  if (provisionalMark) {
    doc.moveDown(0.6);
    doc.font('jpb').fontSize(16).fillColor(NG).text(provisionalMark, { width: CONTENT_W, align: 'center' });
    doc.font('jp').fontSize(9).text('月の途中の集計です。締切時点より後は数えていません。月末後に確定版を発行します。', { width: CONTENT_W, align: 'center' });
    doc.fillColor(INK);
  }
  doc.moveDown(1.5);
  doc.fontSize(10);
  const coverLines: [string, string][] = [
    ['対象期間', `${at(f.period.start)} 〜 ${at(f.period.end)}（${reportWords.zoneName(z)}）`],
    ['年度累計の起点', at(f.yearToDate.start, 'yyyy-LL-dd')],
    ['発行日時', at(meta.issuedAt)],
    ['版', `第${meta.version}版${meta.cutOff !== null ? '（速報）' : '（確定）'}`],
    ...(meta.cutOff !== null ? [['集計締切', `${at(meta.cutOff)}（この時点までを集計）`] as [string, string]] : []),
    ['対象システム', f.services.map((s) => s.service.nameJa).join('、') || '（なし）'],
    ['作成', meta.contractor],
  ];
  for (const [k, v] of coverLines) {
    const y = doc.y;
    doc.font('jpb').text(k, M.left + 60, y, { width: 110 });
    doc.font('jp').text(v, M.left + 170, y, { width: CONTENT_W - 230 });
    doc.moveDown(0.4);
  }
  doc.moveDown(1);
  // A new version says on its first page what changed since the previous one, and why (SLA.md).
  const ch = meta.changes;
  if (ch) {
    doc.font('jpb').fontSize(11).fillColor(INK).text(`前版（第${ch.previousVersion}版${ch.previousProvisional ? `・速報 ${at(ch.previousCutOff)} 時点` : ''}）からの変更`, M.left, doc.y);
    doc.moveDown(0.3);
    if (!ch.comparable) w.para('前版は数値を記録していない形式で発行されたため、数値の比較はできません。', { size: 8 });
    else if (ch.changes.length === 0) w.para('前版から変わった数値はありません。', { size: 8.5 });
    else {
      w.table(
        [{ header: '項目', width: 150 }, { header: '前版', width: 80, align: 'right' }, { header: '本版', width: 80, align: 'right' }, { header: '原因となった訂正', width: CONTENT_W - 310 }],
        ch.changes.map((c) => [c.label, c.before, c.value, c.corrections.length
          ? c.corrections.map((k) => `${at(k.at)} ${k.text}（${k.actor}）`).join('\n')
          : c.cause ?? '']),
        { size: 7 },
      );
    }
    doc.moveDown(0.6);
  }
  w.toc.push({ title: '1. 表紙・概要', page: 1, level: 0 });
  doc.outline.addItem('1. 表紙・概要');
  doc.font('jpb').fontSize(11).text(S.summary, M.left, doc.y);
  doc.moveDown(0.3);
  w.table(
    [{ header: C.service, width: 130 }, { header: C.monthPct, width: 62, align: 'right' }, { header: C.yearPct, width: 70, align: 'right' },
      { header: C.target, width: 48, align: 'right' }, { header: C.achieved, width: 58, align: 'center' }, { header: C.allowedLeft, width: 150 }],
    f.services.map((s) => [
      s.service.nameJa, `${s.month.pct} %`, `${s.yearToDate.pct} %`, `${s.service.slaTargetPct} %`,
      `${reportWords.monthShort} ${judge(s.month)}\n${reportWords.yearShort} ${judge(s.yearToDate)}`,
      `${reportWords.monthShort} ${s.month.allowedLeftMs === null ? '–' : formatDuration(s.month.allowedLeftMs)}\n${reportWords.yearShort} ${s.yearToDate.allowedLeftMs === null ? '–' : formatDuration(s.yearToDate.allowedLeftMs)}`,
    ]),
    { size: 9, colors: f.services.map((s) => [null, null, null, null, judgedColor(s.month, s.yearToDate), null]) },
  );
  const missedRows = f.rows.filter((r) => r.met === false);
  w.para(`SLA項目 ${f.rows.length} 件のうち 達成 ${f.rows.filter((r) => r.met === true).length} 件、未達成 ${missedRows.length} 件、判定対象外 ${f.rows.filter((r) => r.met === null && !r.onTrack).length} 件${f.rows.some((r) => r.onTrack) ? `、見込み ${f.rows.filter((r) => r.onTrack).length} 件` : ''}。` +
    `当月の障害 ${f.counts.incidents} 件（重大 ${f.counts.major} 件、セキュリティ ${f.counts.security} 件）、定期計画停止 ${f.counts.regularStops} 回。` +
    (missedRows.length ? `未達成: ${missedRows.map((r) => r.name.ja).join('、')}。` : ''));
  w.para('稼働率は小数第3位未満を切り捨てて表示し、目標の達成可否は切り捨て前の値で判定しています。' +
    (f.services.some((s) => s.month.onTrack || s.yearToDate.onTrack) || f.rows.some((r) => r.onTrack) ? '見込みは、集計中の期間で現時点では目標を満たしていること（達成・未達成は期間の終了後に確定）を示します。' : ''), { size: 8, color: MUTED });

  // Table of contents: its page is reserved now and filled in at the end.
  doc.addPage();
  const tocPage = w.page;
  doc.outline.addItem('目次');

  // 2. Availability (after the reserved table-of-contents page).
  w.section(`2. ${S.availability}`, { newPage: true });
  w.para('稼働率 ＝（暦時間 − 除外時間 − 停止時間）÷（暦時間 − 除外時間）。除外時間は計画停止（14日前までの通知または委託者の承認があるもの。予定時間帯の内側の実施分のみ）と不可抗力による停止の和集合です。停止時間は、稼働率に算入する監視項目のいずれかが停止している時間（連続した失敗の確認回数に達した最初の失敗から、次に成功した確認まで）と、障害で「全面停止」とされた時間の和集合から除外時間を除いたものです。誤検知と判定された停止は含みません。監視欠測時間は、監視の間隔の2倍を超えて確認結果がない時間と、保守管理者が監視を一時停止していた時間です（監視項目ごとに、追加されてから削除されるまでの期間で数えます）。参考として示します。');
  for (const s of f.services) {
    w.h2(s.service.nameJa, 90);
    const rowOf = (label: string, a: typeof s.month) => [label, formatDuration(a.periodMs), formatDuration(a.plannedExcludedMs), formatDuration(a.forceMajeureMs),
      formatDuration(a.periodMs - a.excludedMs), formatDuration(a.downtimeMs),
      // Paused time is unmonitored, labelled as such (SLA.md, Coverage).
      a.pausedMs > 0 ? `${formatDuration(a.unmonitoredMs)}\n（うち一時停止 ${formatDuration(a.pausedMs)}）` : formatDuration(a.unmonitoredMs), `${a.pct} %`];
    w.table(
      [{ header: '期間', width: 52 }, { header: C.periodTime, width: 70, align: 'right' }, { header: C.plannedExcluded, width: 62, align: 'right' },
        { header: C.forceMajeureExcluded, width: 62, align: 'right' }, { header: C.plannedService, width: 70, align: 'right' }, { header: C.downtime, width: 62, align: 'right' },
        { header: C.unmonitored, width: 62, align: 'right' }, { header: C.availability, width: 50, align: 'right' }],
      [rowOf('当月', s.month), rowOf('年度累計', s.yearToDate)],
    );
    if (s.month.outages.length) {
      w.table([{ header: '停止開始', width: 110 }, { header: '停止終了', width: 110 }, { header: '停止時間', width: 90, align: 'right' }, { header: '検知元', width: 80 }],
        s.month.outages.map((o) => [at(o.start, 'yyyy-LL-dd HH:mm:ss'), at(o.end, 'yyyy-LL-dd HH:mm:ss'), formatDuration(o.end - o.start),
          (reportWords.outageSource[o.source] ?? o.source) + (o.locations ? `（${o.locations.join('・')}）` : '')]), { size: 7.5 });
    } else {
      w.para('当月の停止はありません。', { size: 8.5 });
    }
    // Several probe locations (SLA.md rule 1): time judged with fewer voting locations than the quorum.
    if (s.month.reducedQuorumMs > 0) {
      w.para(`定足数不足の時間（監視場所の一部が判定に参加できず、残りの場所のみで判定した時間）: 当月 ${formatDuration(s.month.reducedQuorumMs)}。`, { size: 8.5 });
    }
  }

  // 3. Daily calendar.
  w.section(`3. ${S.calendar}`);
  const dayLabels = f.services[0]?.days.map((d) => d.day.label) ?? [];
  if (f.services.length) {
    w.availabilityChart('日別稼働率', dayLabels, f.services.map((s) => ({ label: s.service.nameJa, values: s.days.map((d) => d.ratio) })),
      Math.max(...f.services.map((s) => s.service.slaTargetPct)));
  }
  for (const s of f.services) {
    w.h2(s.service.nameJa, 120);
    w.table(
      [{ header: '日付', width: 70 }, { header: '停止分', width: 60, align: 'right' }, { header: '除外分', width: 60, align: 'right' },
        { header: '監視率', width: 60, align: 'right' }, { header: '稼働率', width: 60, align: 'right' }],
      s.days.map((d) => {
        const dt = DateTime.fromMillis(d.day.start, { zone: z });
        return [`${dt.toFormat('LL/dd')}（${WEEK[dt.weekday - 1]}）`, d.future ? '–' : formatMinutes(d.downtimeMs), d.future ? '–' : formatMinutes(d.excludedMs),
          d.coverage === null ? '–' : `${pctOf(d.coverage)} %`, d.ratio === null ? '–' : `${d.pct} %`];
      }),
      { size: 7, colors: s.days.map((d) => [null, d.downtimeMs > 0 ? NG : null, null, d.coverage !== null && d.coverage < 1 ? NG : null, null]) },
    );
  }

  // 4. Response time.
  w.section('4. 応答時間');
  w.para('各サービスのWeb監視（HTTP・ページ監視。ない場合は全監視項目）の応答時間の日別中央値と95パーセンタイル（ミリ秒）。停止と判定された確認は含みません。');
  for (const s of f.services) {
    const series: DailyLatency[] = data.responses.byService.get(s.service.slug) ?? [];
    const values = (pick: (d: DailyLatency) => number | null) => dayLabels.map((label) => {
      const d = series.find((x) => x.day === label);
      return d ? pick(d) : null;
    });
    const med = values((d) => d.median);
    const p95 = values((d) => d.p95);
    w.lineChart(`${s.service.nameJa} 日別 中央値・95パーセンタイル`, dayLabels, [{ label: '中央値', values: med }, { label: '95パーセンタイル', values: p95, dash: true }], 'ms');
    const known = med.filter((v): v is number => v !== null);
    w.para(known.length ? `日別中央値の範囲 ${Math.min(...known)}〜${Math.max(...known)} ms、95パーセンタイルの最大 ${Math.max(...p95.filter((v): v is number => v !== null))} ms。` : '当月の応答時間の記録はありません。', { size: 8 });
  }

  // 5. Incidents.
  w.section(`5. ${S.incidents}`);
  w.para('通知欄の記号: ○ 期限内、× 期限超過、… 期限前で未実施、– 起点未記録。期限は保守管理者の障害認知日時から起算します（発生通知・復旧見込通知・復旧通知 12時間以内、重大障害の復旧通知 24時間以内）。', { size: 8 });
  if (f.incidents.length === 0) w.para(reportWords.noIncidents);
  else {
    w.table(
      [{ header: 'No', width: 18, align: 'right' }, { header: 'サービス', width: 52 }, { header: '発生', width: 40 }, { header: '認知', width: 40 },
        { header: '発生通知(≤12h)', width: 44 }, { header: '復旧見込通知(≤12h)', width: 44 }, { header: '復旧', width: 40 }, { header: '復旧通知(≤12h,重大24h)', width: 46 },
        { header: '停止時間', width: 40, align: 'right' }, { header: '重大度', width: 28 }, { header: '原因', width: 56 }, { header: '再発防止策', width: 56 }, { header: '除外区分', width: 32 }],
      f.incidents.map((i, n) => {
        const t = (ms: number | null, key?: TimerResult['key']) => `${at(ms, 'LL/dd HH:mm')}${key ? ` ${mark(timerOf(i, key)?.state)}` : ''}`;
        return [String(n + 1), i.services.map((s) => s.nameJa).join('\n') || '–', t(i.startedAt), t(i.awareAt), t(i.clientNotifiedAt, 'client_notified'),
          t(i.etaNotifiedAt, 'eta_notified'), i.recoveredAt === null ? '未復旧' : t(i.recoveredAt), t(i.recoveryNotifiedAt, 'recovery_notified'),
          formatDuration(i.durationMs), severityJa[i.severity] ?? i.severity, i.cause ?? '調査中', i.prevention ?? '–', i.forceMajeure ? '不可抗力' : '–'];
      }),
      { size: 6.5 },
    );
    f.incidents.forEach((i, n) => {
      w.h2(`No.${n + 1} ${i.title.ja}（${i.key}）`, 110);
      w.para(`種別 ${i.kind === 'security' ? 'セキュリティ' : '障害'}・重大度 ${severityJa[i.severity] ?? i.severity}・影響 ${i.services.map((s) => `${s.nameJa}（${s.impact === 'major_outage' ? '全面停止' : s.impact === 'partial_outage' ? '一部停止' : '性能低下'}）`).join('、') || '–'}` +
        `${i.startedInMonth ? '' : '・前月から継続'}${i.forceMajeure ? `・不可抗力（${i.forceMajeureReason ?? '理由未記入'}）` : ''}`, { size: 8 });
      const events: [number, string][] = [[i.startedAt, '発生']];
      if (i.detectedAt !== null) events.push([i.detectedAt, '検知']);
      if (i.awareAt !== null) events.push([i.awareAt, '保守管理者認知']);
      if (i.clientNotifiedAt !== null) events.push([i.clientNotifiedAt, '委託者へ発生通知']);
      if (i.responseStartedAt !== null) events.push([i.responseStartedAt, '対応着手']);
      if (i.etaNotifiedAt !== null) events.push([i.etaNotifiedAt, '復旧見込通知']);
      for (const u of i.updates) events.push([u.at, `経過報告（${statusJa[u.status] ?? u.status}）: ${u.bodyJa}`]);
      if (i.recoveredAt !== null) events.push([i.recoveredAt, '復旧']);
      if (i.recoveryNotifiedAt !== null) events.push([i.recoveryNotifiedAt, '復旧通知']);
      if (i.writtenReportAt !== null) events.push([i.writtenReportAt, '障害報告書提出']);
      events.sort((a, b) => a[0] - b[0]);
      w.table([{ header: '日時', width: 90 }, { header: '経過', width: 330 }], events.map(([t, e]) => [at(t), e]), { size: 7.5 });
      w.table([{ header: 'SLA時間', width: 110 }, { header: '期限', width: 110 }, { header: '実施', width: 110 }, { header: '判定', width: 60 }],
        i.timers.map((t) => [timerNames[t.key].ja, at(t.deadline), at(t.doneAt), termsOf('judgement', 'ja')[t.state]]),
        { size: 7.5, colors: i.timers.map((t) => [null, null, null, t.state === 'missed' ? NG : t.state === 'met' ? OK : null]) });
      if (i.cause || i.fix || i.prevention) {
        w.para(`原因: ${i.cause ?? '–'}（${i.causeKnown === null ? '区分未記入' : i.causeKnown ? '原因判明' : '原因不明'}）\n対処: ${i.fix ?? '–'}\n再発防止策: ${i.prevention ?? '–'}`, { size: 8 });
      }
    });
  }

  // 6. Planned stops.
  w.section(`6. ${S.stops}`);
  if (f.stops.length === 0) w.para(reportWords.noStops);
  else {
    w.table(
      [{ header: '件名', width: 100 }, { header: '区分', width: 62 }, { header: '通知日', width: 46 }, { header: '予定', width: 70 }, { header: '実施', width: 70 },
        { header: '事前通知日数(≥14)', width: 46, align: 'right' }, { header: '超過', width: 44, align: 'right' }, { header: '時間帯内', width: 36, align: 'center' }, { header: '除外', width: 44, align: 'right' }],
      f.stops.map((s) => [
        `${s.title.ja}\n（${s.key}）${s.status === 'cancelled' ? '\n中止' : ''}`, categoryJa[s.category] ?? s.category, s.announcedAt === null ? '未告知' : at(s.announcedAt, 'LL/dd'),
        `${at(s.scheduledStart, 'LL/dd HH:mm')}\n〜${at(s.scheduledEnd, 'LL/dd HH:mm')}`,
        s.actualStart === null ? '–' : `${at(s.actualStart, 'LL/dd HH:mm')}\n〜${s.actualEnd === null ? '実施中' : at(s.actualEnd, 'LL/dd HH:mm')}`,
        `${s.noticeDays === null ? '–' : `${s.noticeDays}日`}${s.noticeMet ? '' : s.approved ? '\n(委託者承認)' : '\n(不足)'}`,
        s.overrunMs > 0 ? formatDuration(s.overrunMs) : '–', s.windowMet ? '○' : '×', formatDuration(s.excludedMs),
      ]),
      { size: 7, colors: f.stops.map((s) => [null, null, null, null, null, s.noticeMet ? null : s.approved ? null : NG, s.overrunMs > 0 ? NG : null, s.windowMet ? null : NG, null]) },
    );
    w.para('除外: 稼働率の計算から除いた時間（予定時間帯の内側の実施分）。予定を超過した時間や、通知が14日に満たず委託者の承認もない計画停止の時間は除外せず、停止していれば停止時間に含めます。', { size: 8 });
  }

  // 7. SLA table.
  w.section(`7. ${S.rows}`);
  w.table(
    [{ header: 'No', width: 20, align: 'right' }, { header: '項目', width: 110 }, { header: '基準値', width: 110 }, { header: '実績', width: 100 }, { header: '判定', width: 40, align: 'center' }, { header: '備考', width: 120 }],
    f.rows.map((r, n) => [String(n + 1), r.name.ja, r.target.ja, r.measured.ja, judge(r), r.note?.ja ?? '']),
    { size: 7.5, colors: f.rows.map((r) => [null, null, null, null, judgedColor(r), null]) },
  );

  // Monitors are named by their service and target: a monitor's slug is an internal name.
  const serviceNames = new Map(f.services.map((s) => [s.service.slug, s.service.nameJa]));
  const serviceNameOf = (slug: string) => serviceNames.get(slug) ?? slug;

  // 8. Monitoring.
  w.section('8. 監視実績');
  w.table(
    [{ header: '監視項目', width: 120 }, { header: '種別', width: 50 }, { header: '閾値', width: 120 }, { header: '検知件数', width: 44, align: 'right' },
      { header: '誤検知', width: 40, align: 'right' }, { header: '最大値', width: 50, align: 'right' }, { header: '監視欠測', width: 60, align: 'right' }],
    f.monitors.map((m) => {
      const max = data.responses.maxByMonitor.get(m.id) ?? null;
      return [`${serviceNameOf(m.serviceSlug)}\n${clientTarget(m.type, m.target)}`, adminWords.ja.monitorForm.typeLabels[m.type] ?? m.type, `間隔 ${m.intervalS}秒・${m.confirm}回連続失敗で停止・タイムアウト ${m.timeoutS}秒${m.countsForAvailability ? '' : '（稼働率に算入しない）'}`,
        String(m.detections), String(m.falsePositives), max === null ? '–' : `${max} ms`, formatDuration(m.unmonitoredMs)];
    }),
    { size: 7 },
  );
  w.para('検知件数: 当月に始まった停止（確認回数に達したもの）の数。誤検知: そのうち管理者が誤検知と判定したもの（理由は監査記録に残ります）。最大値: 停止以外の確認の応答時間の最大。', { size: 8 });

  // 9. Mean times.
  w.section(`9. ${S.means}`);
  const mt = data.mean;
  const fmt = (ms: number | null) => (ms === null ? '–（対象なし）' : formatDuration(ms));
  w.table([{ header: '指標', width: 70 }, { header: '値', width: 100, align: 'right' }, { header: '定義', width: 300 }], [
    ['MTTD', fmt(mt.mttdMs), '平均検知時間: 障害の発生から検知までの時間の平均'],
    ['MTTA', fmt(mt.mttaMs), '平均認知時間: 検知（記録がなければ発生）から保守管理者の認知までの時間の平均'],
    ['MTTR', fmt(mt.mttrMs), '平均復旧時間: 発生から復旧までの時間の平均（復旧済みの障害）'],
    ['MTBF', fmt(mt.mtbfMs), '平均故障間隔: 当月の経過時間から全サービスの停止時間（和集合）を引いた稼働時間を障害件数で割った値'],
  ], { size: 8.5 });
  w.para(`対象: 当月に発生した障害（セキュリティ障害を除く）${mt.failures} 件。`, { size: 8 });

  // 10. Backups.
  w.section(`10. ${S.backups}`);
  if (!f.backups.measured) w.para('バックアップの記録がこのシステムにないため、未計測です。');
  else {
    w.table([{ header: '日付', width: 80 }, { header: '取得時刻', width: 70 }, { header: '結果', width: 60, align: 'center' }, { header: '保持世代数', width: 60, align: 'right' }, { header: '復元確認', width: 140 }],
      f.backups.days.map((d) => [d.day, d.at === null ? '–' : at(d.at, 'HH:mm'), d.ok === null ? '未実施' : d.ok ? '成功' : '失敗', d.generations === null ? '–' : String(d.generations),
        d.verified === null ? '–' : d.verified ? '整合性確認済' : '整合性エラー']),
      { size: 7, colors: f.backups.days.map((d) => [null, null, d.ok === true ? OK : NG, null, d.verified === false ? NG : null]) });
  }

  // 11. Security.
  w.section('11. セキュリティ');
  const security = f.incidents.filter((i) => i.kind === 'security');
  if (security.length === 0) w.para('当月の不正アクセス等のセキュリティ障害はありません。');
  else {
    w.table([{ header: '件名', width: 140 }, { header: '認知', width: 80 }, { header: '通知(≤12h)', width: 90 }, { header: '対応着手(≤1h)', width: 90 }],
      security.map((i) => [`${i.title.ja}（${i.key}）`, at(i.awareAt), `${at(i.clientNotifiedAt)} ${mark(timerOf(i, 'client_notified')?.state)}`,
        `${at(i.responseStartedAt)} ${mark(timerOf(i, 'security_response')?.state)}`]), { size: 8 });
  }
  const tls = f.monitors.filter((m) => m.type === 'tls');
  const certs = data.certWarnings;
  w.para(tls.length ? `SSL証明書の監視: ${tls.map((m) => clientTarget(m.type, m.target)).join('、')}（期限が近づくと警告します）。当月の検知 ${tls.reduce((a, m) => a + m.detections, 0)} 件。`
    : certs.length ? 'SSL証明書の期限はHTTPS監視が確認しています（証明書専用の監視項目はありません）。' : 'SSL証明書の期限を監視する項目は設定されていません。', { size: 8.5 });
  if (certs.length === 0) w.para('当月、SSL証明書の期限に関する警告はありません。', { size: 8.5 });
  else {
    w.para(`当月のSSL証明書の警告 ${certs.length} 件（うち月末時点で未解除 ${certs.filter((c) => c.clearedAt === null).length} 件）。`, { size: 8.5 });
    w.table([{ header: '監視', width: 90 }, { header: '重大度', width: 50, align: 'center' }, { header: '内容', width: 170 }, { header: '発生', width: 80 }, { header: '解除', width: 80 }],
      certs.map((c) => [serviceNameOf(c.serviceSlug), c.severity === 'critical' ? '重大' : '警告', reasonText(c.message, 'ja'), at(c.startedAt), c.clearedAt === null ? '未解除' : at(c.clearedAt)]),
      { size: 8, colors: certs.map((c) => [null, c.severity === 'critical' ? NG : null, null, null, c.clearedAt === null ? NG : OK]) });
  }

  // 12. Requests and issues.
  w.section(`12. ${S.support}、課題・改善提案`);
  // The support desk's month, from the same tables as the online report (src/lib/support/report.ts).
  const desk = supportTables(f.support, (ms) => at(ms, 'LL-dd HH:mm'));
  const cols = (headers: string[], width: number, widths: number[] = []) => headers.map((header, n) => ({ header, width: widths[n] ?? width, align: 'center' as const }));
  w.h2('対応項目と時間');
  w.table(cols(desk.summary.headers, 60, [50, 62, 62, 56, 60, 56, 95]), [desk.summary.row], { size: 8 });
  if (desk.items.rows.length) w.table(cols(desk.items.headers, 50), desk.items.rows, { size: 6.5 });
  w.h2('満足度調査');
  w.table(cols(desk.survey.headers, 60), [desk.survey.row], { size: 8 });
  w.para(`受領確認: 電話・対面は受付時、メール・フォームは受領確認メールの送信時刻（${f.support.limits.ackH}時間以内）。申請処理: 要望の受付から完了・見送りの連絡まで（${f.support.limits.processingH}時間以内）。作業時間は管理者が項目ごとに記録した時間の合計。満足度は当月に回収した回答の平均（満足100・ほぼ満足80・普通60・やや不満40・不満0）。`, { size: 8 });
  w.h2('管理者入力の項目');
  if (f.manual.length === 0) w.para('当月の記録はありません。');
  else {
    w.table([{ header: '項目', width: 140 }, { header: '値', width: 100 }, { header: '備考', width: 180 }, { header: '入力', width: 100 }],
      f.manual.map((m) => [f.rows.find((r) => r.key === m.rowKey)?.name.ja ?? m.rowKey, m.value, m.note ?? '', `${m.enteredBy}\n${at(m.enteredAt)}`]), { size: 8 });
  }

  // 13. Appendix.
  w.section('13. 付録（算定方法）');
  w.para([
    '・期間: 月は設定されたタイムゾーン（既定 Asia/Tokyo）の初日 0:00 から翌月初日 0:00 まで。年度は設定された開始月（既定 4月）から当月末まで。日時は UTC で記録し、表示は日本時間です。',
    '・停止: 稼働率に算入する監視項目が連続して確認回数（既定 2回）失敗した場合、最初の失敗から次の成功まで停止とします。記録の欠測をまたいでも、成功が確認されるまで停止が続きます。性能低下（degraded）は稼働として扱います。',
    '・障害記録で「全面停止」とされた時間（発生から復旧、未復旧なら現在まで）も停止です。一部停止・性能低下は報告しますが停止時間には含めません。',
    `・計画停止の除外: 開始の${meta.noticeDays}日前までに通知したもの、または委託者が承認したもの（緊急のセキュリティ修正など）について、実施時間のうち予定時間帯の内側のみを除外します。中止された計画停止は除外しません。`,
    '・不可抗力: 不可抗力と判定した障害の発生から復旧までを除外します。',
    '・稼働率の表示は小数第3位未満切り捨て。判定は切り捨て前の正確な比率で行います。',
    '・監視欠測: 監視の間隔の2倍を超えて確認結果がない時間。',
    `・監視拠点: ${meta.probeLocations.join('、')}`,
    `・ソフトウェア: ${meta.siteName} 版 ${meta.softwareVersion}（Node.js ${process.version}）。本書の数値は npm run sla -- --month ${f.month} --json と同じ計算で得られます。`,
    `・算定時刻: ${at(f.generatedAt, 'yyyy-LL-dd HH:mm:ss')}`,
  ].join('\n'), { size: 8.5 });

  // Table of contents.
  doc.switchToPage(tocPage - 1);
  doc.y = M.top;
  doc.font('jpb').fontSize(15).fillColor(INK).text('目次', M.left, M.top, { width: CONTENT_W });
  doc.moveDown(0.6);
  for (const e of w.toc) {
    const indent = e.level * 16;
    const y = doc.y;
    doc.font(e.level === 0 ? 'jpb' : 'jp').fontSize(e.level === 0 ? 10.5 : 9);
    const titleW = doc.widthOfString(e.title);
    doc.text(e.title, M.left + indent, y, { width: CONTENT_W - indent - 40, lineBreak: false, ellipsis: true });
    doc.text(String(e.page), M.left + CONTENT_W - 30, y, { width: 30, align: 'right' });
    const dotsFrom = M.left + indent + Math.min(titleW, CONTENT_W - indent - 40) + 6;
    doc.lineWidth(0.5).strokeColor('#999999').dash(0.5, { space: 2.5 }).moveTo(dotsFrom, y + 8).lineTo(M.left + CONTENT_W - 34, y + 8).stroke().undash();
    doc.y = y + (e.level === 0 ? 17 : 13);
    if (doc.y > A4.height - M.bottom - 14) break;
  }

  // Page numbers and running footer on every page.
  finish(w, `SLA月次報告書 ${monthJa(f.month)} 第${meta.version}版${provisionalMark ? `（${provisionalMark}）` : ''}`);
  return done;
}
