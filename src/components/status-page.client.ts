/**
 * The status page's behaviour with JavaScript: day details under the uptime bars (hover,
 * tap, arrow keys), the response-time charts, and a refresh of the page's content every
 * minute without reloading. Without JavaScript the page shows the same facts as text.
 * The charts (chart.js) are a separate file, loaded only once a chart comes into view.
 */
import type { ChartData } from './status-page.charts';

let charts: typeof import('./status-page.charts') | null = null;

function readData(root: Document | HTMLElement = document): ChartData | null {
  const el = root.querySelector('#latency-data');
  if (!el?.textContent) return null;
  try {
    return JSON.parse(el.textContent) as ChartData;
  } catch {
    return null;
  }
}

/** Loads the chart code when the first chart is about to be seen, then draws every chart. */
function setUpCharts(data: ChartData | null): void {
  const figures = document.querySelectorAll<HTMLElement>('figure.latency');
  if (!data || figures.length === 0) return;
  const draw = () => {
    void import('./status-page.charts').then((m) => {
      charts = m;
      m.setUpCharts(data);
    });
  };
  if (charts || !('IntersectionObserver' in window)) return draw();
  const seen = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    seen.disconnect();
    draw();
  }, { rootMargin: '200px' });
  for (const f of figures) seen.observe(f);
}

function showDay(bars: HTMLElement, li: HTMLElement): void {
  const slug = bars.dataset.bars!;
  const panel = document.querySelector<HTMLElement>(`.day-detail[data-detail-for="${CSS.escape(slug)}"]`);
  if (!panel) return;
  for (const other of bars.querySelectorAll('li[aria-current]')) other.removeAttribute('aria-current');
  li.setAttribute('aria-current', 'date');
  const source = li.querySelector('.day-detail-text');
  // The day's lines keep their links to the incidents, which become reachable in the panel.
  panel.replaceChildren(...Array.from(source?.children ?? []).map((c) => {
    const p = document.createElement('p');
    p.append(...Array.from(c.childNodes, (n) => n.cloneNode(true)));
    for (const a of p.querySelectorAll('a')) a.removeAttribute('tabindex');
    return p;
  }));
  panel.hidden = false;
}

function setUpBars(): void {
  for (const bars of document.querySelectorAll<HTMLElement>('ol.bars')) {
    const items = Array.from(bars.querySelectorAll<HTMLElement>('li'));
    if (items.length === 0) continue;
    // One tab stop for the whole row; arrow keys move between days.
    bars.tabIndex = 0;
    let index = items.length - 1;
    for (const [i, li] of items.entries()) {
      li.removeAttribute('title');
      li.addEventListener('mouseenter', () => showDay(bars, li));
      li.addEventListener('click', () => { index = i; showDay(bars, li); });
    }
    bars.addEventListener('focus', () => showDay(bars, items[index]!));
    bars.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') {
        e.preventDefault();
        // Only the days shown (a phone shows the last few).
        const first = Math.max(0, items.findIndex((li) => li.offsetWidth > 0));
        index = e.key === 'Home' ? first : e.key === 'End' ? items.length - 1 : Math.max(first, Math.min(items.length - 1, index + (e.key === 'ArrowLeft' ? -1 : 1)));
        showDay(bars, items[index]!);
      }
    });
  }
}

function setUp(): void {
  for (const el of document.querySelectorAll<HTMLElement>('#live .js-only')) {
    if (!el.closest('figure.latency')) el.hidden = false;
  }
  setUpBars();
  setUpCharts(readData());
}

async function refresh(): Promise<void> {
  const live = document.getElementById('live');
  if (!live) return;
  try {
    const res = await fetch(location.pathname, { headers: { accept: 'text/html' }, cache: 'no-cache' });
    if (!res.ok) return;
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    const fresh = doc.getElementById('live');
    const freshData = doc.getElementById('latency-data');
    if (!fresh) return;
    // Keep the chosen chart ranges across the refresh.
    const ranges = new Map(Array.from(document.querySelectorAll<HTMLElement>('figure.latency')).map((f) => [f.dataset.latency, f.dataset.range]));
    charts?.destroyCharts();
    live.replaceWith(fresh);
    if (freshData) document.getElementById('latency-data')?.replaceWith(freshData);
    for (const f of document.querySelectorAll<HTMLElement>('figure.latency')) {
      const r = ranges.get(f.dataset.latency);
      if (r) f.dataset.range = r;
    }
    document.title = doc.title;
    setUp();
  } catch {
    // Offline for a moment: the next refresh tries again.
  }
}

function keepPlaceOnLanguageSwitch(): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>('a[data-keep-place]')) {
    a.addEventListener('click', () => {
      if (location.hash) a.hash = location.hash;
    });
  }
}

export function startStatusPage(): void {
  setUp();
  keepPlaceOnLanguageSwitch();
  const every = Number(document.getElementById('live')?.dataset.refreshEvery ?? '60') * 1000;
  setInterval(() => {
    if (document.visibilityState === 'visible') void refresh();
  }, every);
}
