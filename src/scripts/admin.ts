import type { DashboardData } from '../lib/monitors/dashboard';
import type { DashboardLiveWords } from '../lib/i18n-admin';
import { alarmCodeName, reasonText } from '../lib/probe/reason-text';
import { countdownText } from '../lib/countdown';

/**
 * The admin pages' browser code: live countdowns of SLA timers on every page, and on the
 * dashboard a poll of /admin/dashboard.json that redraws the alarms and states, sounds a
 * beep (Web Audio) and flashes while an alarm is unacknowledged. Everything is built with
 * DOM calls and textContent, never HTML strings. Bundled by Astro from the admin layout
 * and served as a file (the Content-Security-Policy allows no inline script).
 */

const POLL_MS = 5000;
const BEEP_EVERY_MS = 2000;
/** Without a good answer for this long the dashboard says its figures are stale. */
const STALE_AFTER_MS = 20_000;

/**
 * How far the site's clock is ahead of this browser's, read once from the page: countdowns run
 * on the site's time, so a wrong clock on the operator's computer never shows a wrong time left.
 */
const serverNow = Number(document.body.getAttribute('data-server-now'));
const clockOffsetMs = Number.isFinite(serverNow) && serverNow > 0 ? serverNow - Date.now() : 0;

function tickCountdowns(): void {
  const now = Date.now() + clockOffsetMs;
  const lang = document.body.getAttribute('data-lang') === 'en' ? 'en' : 'ja';
  const zone = document.body.getAttribute('data-zone') ?? 'Asia/Tokyo';
  for (const el of document.querySelectorAll<HTMLElement>('[data-deadline]')) {
    const deadline = Number(el.getAttribute('data-deadline'));
    el.textContent = countdownText(deadline, now, lang, zone);
    el.classList.toggle('state-missed', deadline < now);
  }
}

type Attrs = Record<string, string | number | null | undefined>;
type Kid = Node | string | number | null | undefined;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...kids: Kid[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) if (v != null) e.setAttribute(k, String(v));
  for (const k of kids) if (k != null) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

function readWords(): DashboardLiveWords | null {
  const text = document.getElementById('dashboard-words')?.textContent;
  if (!text) return null;
  try {
    return JSON.parse(text) as DashboardLiveWords;
  } catch {
    return null;
  }
}

/** The dashboard's live part: polls, redraws, and calls attention to unacknowledged alarms. */
function startDashboard(words: DashboardLiveWords): void {
  const lang = document.body.getAttribute('data-lang') === 'en' ? 'en' : 'ja';
  const fmt = (ms: number | null): string => ms == null ? '' : new Intl.DateTimeFormat('sv-SE', {
    timeZone: words.zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).format(new Date(ms));

  // Browsers start sound only after a click: the button turns it on.
  let audio: AudioContext | null = null;
  let beeping: ReturnType<typeof setInterval> | null = null;
  const soundButton = document.getElementById('sound-on');
  soundButton?.addEventListener('click', () => {
    try {
      const Context = window.AudioContext ?? (window as Window & { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
      audio ??= new Context();
      void audio.resume();
      soundButton.hidden = true;
    } catch {
      // No audio on this browser: the lamp and the flashing still show the alarm.
    }
  });
  function beep(): void {
    if (!audio || audio.state !== 'running') return;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'square';
    osc.frequency.value = 880;
    gain.gain.value = 0.08;
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.35);
  }

  function renderAlarms(alarms: DashboardData['alarms']): void {
    const box = document.getElementById('alarms');
    if (!box) return;
    box.replaceChildren();
    if (alarms.length === 0) {
      box.append(el('p', { class: 'note' }, words.noAlarms));
      return;
    }
    for (const a of alarms) {
      const unacked = a.acknowledgedAt == null;
      const item = el('div', { class: 'alarm' + (unacked ? ' unacked flash' : ''), 'data-alarm-id': a.id, role: unacked ? 'alert' : null },
        el('strong', null, `${words.severity[a.severity] ?? a.severity} · ${a.monitor} · ${alarmCodeName(a.code, lang)}`), ' ',
        el('span', { class: 'probe-reason' }, reasonText(a.message, lang)),
        el('details', { class: 'probe-output' }, el('summary', null, words.probeOutput), el('code', null, a.message)),
        el('small', null, fmt(a.detectedAt) + (a.recoveredAt ? ` → ${words.recovered} ${fmt(a.recoveredAt)}` : '')));
      if (unacked) item.append(el('form', { method: 'post', action: `/admin/alarms/${a.id}/ack`, class: 'inline ack' }, ' ', el('button', { type: 'submit' }, words.acknowledge)));
      else item.append(' ', el('span', { class: 'badge' }, words.acknowledged));
      box.append(item);
    }
  }

  function renderMonitors(services: DashboardData['services']): void {
    for (const s of services) for (const m of s.monitors) {
      const cell = document.querySelector(`[data-monitor-state="${m.id}"]`);
      if (!cell) continue;
      cell.textContent = m.paused ? words.paused : (words.status[m.status] ?? m.status);
      cell.className = `status-${m.paused ? 'unknown' : m.status}`;
      const when = document.querySelector(`[data-monitor-last="${m.id}"]`);
      if (when) when.textContent = fmt(m.lastAt) + (m.latencyMs != null ? ` (${m.latencyMs} ms)` : '');
    }
  }

  function renderIncidents(list: DashboardData['incidents']): void {
    const box = document.getElementById('open-incidents');
    if (!box) return;
    box.replaceChildren();
    if (list.length === 0) {
      box.append(el('p', { class: 'note' }, words.noIncidents));
      return;
    }
    const ul = el('ul');
    for (const i of list) {
      const title = lang === 'en' && i.titleEn ? i.titleEn : i.titleJa;
      const li = el('li', null, el('a', { href: `/admin/incidents/${i.id}` }, title), ' ', i.draft ? el('span', { class: 'badge' }, words.draft) : null);
      if (i.nearest) li.append(` · ${words.nearest} (${words.timers[i.nearest.key] ?? i.nearest.key}): `, el('span', { 'data-deadline': i.nearest.deadline, 'data-overdue': words.overdue }));
      ul.append(li);
    }
    box.append(ul);
    tickCountdowns();
  }

  /** The next action, redrawn like the rest: a new incident overnight takes its place at the top. */
  function renderNextAction(next: DashboardData['nextAction']): void {
    const box = document.getElementById('next-action-body');
    if (!box) return;
    if (!next) {
      box.replaceChildren(el('p', { class: 'note' }, words.noAction));
      return;
    }
    const title = lang === 'en' && next.titleEn ? next.titleEn : next.titleJa;
    box.replaceChildren(el('p', null,
      el('a', { href: `/admin/incidents/${next.incidentId}#${next.anchor}` }, el('strong', null, words.waitsFor[next.timer] ?? words.timers[next.timer] ?? '')),
      ` · ${title} (${words.timers[next.timer] ?? ''}): `,
      el('span', { class: 'countdown', 'data-deadline': next.deadline, 'data-testid': 'next-action-left' })));
    tickCountdowns();
  }

  let lastOk = Date.now();
  async function poll(): Promise<void> {
    try {
      const res = await fetch('/admin/dashboard.json', { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' });
      if (res.status === 401 || res.redirected) {
        location.href = '/login?next=/admin/';
        return;
      }
      if (!res.ok) throw new Error(String(res.status));
      const data = (await res.json()) as DashboardData;
      lastOk = Date.now();
      renderAlarms(data.alarms);
      renderMonitors(data.services);
      renderIncidents(data.incidents);
      renderNextAction(data.nextAction);
      const unacked = data.alarms.some((a) => a.acknowledgedAt == null);
      const lamp = document.getElementById('lamp');
      lamp?.classList.toggle('on', unacked);
      lamp?.classList.toggle('flash', unacked);
      if (unacked && !beeping) {
        beep();
        beeping = setInterval(beep, BEEP_EVERY_MS);
      }
      if (!unacked && beeping) {
        clearInterval(beeping);
        beeping = null;
      }
      document.getElementById('live-state')?.replaceChildren(words.live);
    } catch {
      if (Date.now() - lastOk > STALE_AFTER_MS) document.getElementById('live-state')?.replaceChildren(words.stale);
    }
  }

  // Acknowledging stays on the page: the form posts in the background, then the poll redraws.
  document.addEventListener('submit', (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('ack')) return;
    ev.preventDefault();
    void fetch(form.action, { method: 'POST', body: new FormData(form), credentials: 'same-origin' }).finally(() => void poll());
  });
  void poll();
  setInterval(() => void poll(), POLL_MS);
}

tickCountdowns();
setInterval(tickCountdowns, 1000);
if (document.body.hasAttribute('data-live')) {
  const words = readWords();
  if (words) startDashboard(words);
}
