import {
  Chart, LineController, LineElement, PointElement, LinearScale, CategoryScale, Filler, Tooltip,
} from 'chart.js';

/**
 * The response-time charts of the status page, loaded by status-page.client.ts only when a
 * chart comes into view: only the chart.js parts a line chart uses are bundled.
 */
Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Filler, Tooltip);

type Range = 'h24' | 'd7' | 'd30';
export interface ChartData {
  lang: 'ja' | 'en';
  zone: string;
  labels: Record<Range, string>;
  /** Each range: the first bucket's start, the step between buckets (ms) and the mean response times. */
  services: Array<{ slug: string } & Record<Range, { t: number; step: number; ms: Array<number | null> }>>;
}

const charts = new Map<string, Chart>();

export function destroyCharts(): void {
  for (const c of charts.values()) c.destroy();
  charts.clear();
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

/** Draws every chart of the page, with its range buttons. */
export function setUpCharts(data: ChartData | null): void {
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

