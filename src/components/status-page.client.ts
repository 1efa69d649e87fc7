import {
  Chart, LineController, LineElement, PointElement, LinearScale, TimeSeriesScale, CategoryScale, Filler, Tooltip,
} from 'chart.js';

/**
 * The status page's behaviour with JavaScript: day details under the uptime bars (hover,
 * tap, arrow keys), the response-time charts, and a refresh of the page's content every
 * minute without reloading. Without JavaScript the page shows the same facts as text.
 */
Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, TimeSeriesScale, Filler, Tooltip);

type Range = 'h24' | 'd7' | 'd30';
interface ChartData {
  lang: 'ja' | 'en';
  zone: string;
  labels: Record<Range, string>;
  /** Each range: the first bucket's start, the step between buckets (ms) and the mean response times. */
  services: Array<{ slug: string } & Record<Range, { t: number; step: number; ms: Array<number | null> }>>;
}

const charts = new Map<string, Chart>();

function readData(root: Document | HTMLElement = document): ChartData | null {
  const el = root.querySelector('#latency-data');
  if (!el?.textContent) return null;
  try {
    return JSON.parse(el.textContent) as ChartData;
  } catch {
    return null;
  }
}

function timeLabel(t: number, range: Range, data: ChartData): string {
  const opts: Intl.DateTimeFormatOptions = range === 'h24'
    ? { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: data.zone }
    : { month: 'numeric', day: 'numeric', hour: '2-digit', hour12: false, timeZone: data.zone };
  return new Intl.DateTimeFormat(data.lang === 'ja' ? 'ja-JP' : 'en-GB', opts).format(new Date(t));
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#0969da';
}

function drawChart(figure: HTMLElement, data: ChartData, range: Range): void {
  const slug = figure.dataset.latency!;
  const series = data.services.find((s) => s.slug === slug);
  const canvas = figure.querySelector('canvas');
  if (!series || !canvas) return;
  const { t: first, step, ms: values } = series[range];
  const template = canvas.dataset.labelTemplate ?? '';
  canvas.setAttribute('aria-label', template.replace('{range}', data.labels[range]));
  charts.get(slug)?.destroy();
  const color = cssVar('--maint');
  const chart = new Chart(canvas, {
    type: 'line',
    data: {
      labels: values.map((_, i) => timeLabel(first + i * step, range, data)),
      datasets: [{ data: values, borderColor: color, backgroundColor: `${color}33`, fill: true, pointRadius: 0, borderWidth: 2, spanGaps: false, tension: 0.2 }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.formattedValue} ms` } } },
      scales: {
        x: { ticks: { maxTicksLimit: 6, color: cssVar('--muted') }, grid: { display: false } },
        y: { beginAtZero: true, ticks: { color: cssVar('--muted'), callback: (v) => `${v} ms` }, grid: { color: cssVar('--border') } },
      },
    },
  });
  charts.set(slug, chart);
}

function setUpCharts(data: ChartData | null): void {
  if (!data) return;
  for (const figure of document.querySelectorAll<HTMLElement>('figure.latency')) {
    const current = (figure.dataset.range as Range | undefined) ?? 'h24';
    for (const el of figure.querySelectorAll<HTMLElement>('.js-only')) el.hidden = false;
    for (const button of figure.querySelectorAll<HTMLButtonElement>('button[data-range]')) {
      button.setAttribute('aria-pressed', String(button.dataset.range === current));
      button.addEventListener('click', () => {
        const range = button.dataset.range as Range;
        figure.dataset.range = range;
        for (const b of figure.querySelectorAll('button[data-range]')) b.setAttribute('aria-pressed', String(b === button));
        drawChart(figure, data, range);
      });
    }
    drawChart(figure, data, current);
  }
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
        index = e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : Math.max(0, Math.min(items.length - 1, index + (e.key === 'ArrowLeft' ? -1 : 1)));
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
    for (const c of charts.values()) c.destroy();
    charts.clear();
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
