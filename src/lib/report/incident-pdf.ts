import { Writer, M, CONTENT_W, MUTED, NG, OK, INK, finish, collect } from './pdf';
import type { ReportMeta } from './pdf';
import type { IncidentReportData } from './incident';
import { incidentReportText } from './incident-text';

/**
 * The 障害報告書 as a Japanese A4 PDF, in the monthly report's layout. Its words come from
 * ./incident-text.ts, which the admin incident page shows too, so both read the same.
 */
export function renderIncidentReportPdf(data: IncidentReportData, meta: ReportMeta): Promise<Buffer> {
  const r = incidentReportText(data, meta.version);
  const w = new Writer(`障害報告書 ${data.incident.titleJa}`);
  const doc = w.doc;
  const done = collect(doc);

  doc.font('jp').fontSize(10).fillColor(MUTED).text(meta.client, M.left, 60);
  doc.font('jpb').fontSize(22).fillColor(INK).text('障害報告書', M.left, 95, { width: CONTENT_W, align: 'center' });
  doc.font('jp').fontSize(13).text(data.incident.titleJa, { width: CONTENT_W, align: 'center' });
  doc.moveDown(1);
  doc.fontSize(9.5);
  for (const [k, v] of [...r.cover, ['作成', meta.contractor] as [string, string]]) {
    const y = doc.y;
    doc.font('jpb').text(k, M.left + 40, y, { width: 120 });
    doc.font('jp').text(v, M.left + 160, y, { width: CONTENT_W - 200 });
    doc.moveDown(0.3);
  }
  if (r.missing.length) {
    doc.moveDown(0.4);
    w.para(`未記入の項目: ${r.missing.join('、')}`, { color: NG });
  }

  for (const section of r.sections) {
    w.section(section.title);
    for (const block of section.blocks) {
      if (block.kind === 'para') w.para(block.text, { size: block.small ? 8 : 9, color: block.small ? MUTED : INK });
      else if (block.kind === 'fields') {
        for (const [k, v] of block.rows) {
          w.ensure(24);
          const y = doc.y;
          doc.font('jpb').fontSize(9).fillColor(INK).text(k, M.left, y, { width: 110 });
          doc.font('jp').text(v, M.left + 115, y, { width: CONTENT_W - 115, lineGap: 1.5 });
          doc.moveDown(0.35);
        }
      } else {
        const total = block.widths.reduce((a, b) => a + b, 0);
        w.table(block.headers.map((header, n) => ({ header, width: (block.widths[n]! / total) * CONTENT_W, align: block.align?.[n] ?? 'left' })), block.rows, {
          size: 7.5,
          colors: block.rows.map((row) => row.map((cell) => (cell === '未達成' ? NG : cell === '達成' ? OK : null))),
        });
      }
    }
  }
  w.para(`本書の数値は ${meta.siteName}（版 ${meta.softwareVersion}）が記録から算出しました。算定時刻 ${r.generatedAt}。`, { size: 7.5, color: MUTED });
  finish(w, `障害報告書 ${data.incident.key} 第${meta.version}版`);
  return done;
}
