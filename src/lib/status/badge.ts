import type { ComponentStatus } from './summary';
import { words, type Lang } from '../i18n';

/** A shields-style SVG badge: the service's name on the left, its state on the right. */
const COLORS: Record<ComponentStatus, string> = {
  operational: '#1a7f37', degraded_performance: '#7d4e00', partial_outage: '#bc4c00', major_outage: '#cf222e', under_maintenance: '#0969da',
};

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Rough text width in px at 11px: CJK characters are about twice as wide as Latin ones. */
function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 11 : 6.5;
  return Math.ceil(w);
}

export function statusBadge(label: string, status: ComponentStatus, lang: Lang): string {
  const value = words[lang].status[status];
  const lw = textWidth(label) + 12;
  const vw = textWidth(value) + 12;
  const w = lw + vw;
  const title = `${label}: ${value}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${escapeXml(title)}">
<title>${escapeXml(title)}</title>
<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${vw}" height="20" fill="${COLORS[status]}"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,'Hiragino Sans','Noto Sans JP',sans-serif" font-size="11">
<text x="${lw / 2}" y="14">${escapeXml(label)}</text><text x="${lw + vw / 2}" y="14">${escapeXml(value)}</text></g>
</svg>
`;
}
