import { Writer, M, CONTENT_W, MUTED, NG, OK, PENDING, INK, finish, collect, type ReportMeta } from './pdf';
import type { YearFigures } from '../sla/year';
import { yearReportTables, verdictJa } from './year-text';

/**
 * The fiscal-year report (年間報告書) as a Japanese A4 PDF, in the monthly report's layout. The
 * tables come from ./year-text.ts, which the online year page shows too.
 */
export function renderYearReportPdf(y: YearFigures, meta: ReportMeta): Promise<Buffer> {
  const r = yearReportTables(y);
  const w = new Writer(`年間報告書 ${r.title}`);
  const doc = w.doc;
  const done = collect(doc);

  doc.font('jp').fontSize(10).fillColor(MUTED).text(meta.client, M.left, 70);
  doc.font('jpb').fontSize(24).fillColor(INK).text('年間報告書', M.left, 120, { width: CONTENT_W, align: 'center' });
  doc.font('jp').fontSize(14).text(r.title, { width: CONTENT_W, align: 'center' });
  if (r.provisionalMark) {
    doc.moveDown(0.6);
    doc.font('jpb').fontSize(16).fillColor(NG).text(r.provisionalMark, { width: CONTENT_W, align: 'center' });
    doc.font('jp').fontSize(9).text('年度の途中の集計です。締切時点より後は数えていません。年度末後に確定版を作成します。', { width: CONTENT_W, align: 'center' });
    doc.fillColor(INK);
  }
  doc.moveDown(1.5);
  doc.fontSize(10);
  for (const [k, v] of [...r.cover, ['作成日時', r.generatedAt], ['作成', meta.contractor]] as [string, string][]) {
    const y0 = doc.y;
    doc.font('jpb').text(k, M.left + 60, y0, { width: 110 });
    doc.font('jp').text(v, M.left + 170, y0, { width: CONTENT_W - 230 });
    doc.moveDown(0.4);
  }
  doc.moveDown(1);

  const color = (cell: string) => (cell === '未達成' || cell === '×' ? NG : cell === '達成' || cell === '○' ? OK : cell === verdictJa.on_track ? PENDING : null);
  r.sections.forEach((s, n) => {
    if (n === 0) {
      doc.font('jpb').fontSize(11).fillColor(INK).text(s.title, M.left, doc.y);
      doc.moveDown(0.3);
    } else w.section(s.title, { newPage: s.newPage });
    for (const b of s.blocks) {
      if (b.kind === 'para') w.para(b.text, { size: b.small ? 8 : 9, color: b.small ? MUTED : INK });
      else if (b.kind === 'h2') w.h2(b.text);
      else {
        const total = b.widths.reduce((a, x) => a + x, 0);
        w.table(b.headers.map((header, k) => ({ header, width: (b.widths[k]! / total) * CONTENT_W, align: b.align?.[k] ?? 'left' })), b.rows,
          { size: b.size ?? 7.5, colors: b.rows.map((row) => row.map(color)) });
      }
    }
  });
  w.para(`本書の数値は ${meta.siteName}（版 ${meta.softwareVersion}）が記録から算出しました。npm run sla -- --year ${y.fiscalYear} --json と同じ計算です。`, { size: 7.5, color: MUTED });
  finish(w, `年間報告書 ${r.title}${r.provisionalMark ? `（${r.provisionalMark}）` : ''}`);
  return done;
}
