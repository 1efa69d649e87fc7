import type { APIRoute } from 'astro';

/**
 * The admin pages' only script, served as a file (the CSP allows no inline script):
 * live countdowns of SLA timers, and on the dashboard a poll of /admin/dashboard.json that
 * redraws the alarms and states, sounds a beep (Web Audio) and flashes while an alarm is
 * unacknowledged. Everything is built with DOM calls and textContent, never HTML strings.
 */
const js = String.raw`(() => {
  'use strict';
  const pad = (n) => String(n).padStart(2, '0');
  function span(ms) {
    const s = Math.floor(Math.abs(ms) / 1000);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h > 0 ? h + ':' : '') + pad(m) + ':' + pad(r);
  }
  function tickCountdowns() {
    const now = Date.now();
    for (const el of document.querySelectorAll('[data-deadline]')) {
      const left = Number(el.getAttribute('data-deadline')) - now;
      el.textContent = left >= 0 ? span(left) : '-' + span(left) + ' ' + (el.getAttribute('data-overdue') || '');
      el.classList.toggle('state-missed', left < 0);
    }
  }
  tickCountdowns();
  setInterval(tickCountdowns, 1000);

  const body = document.body;
  if (!body.hasAttribute('data-live')) return;
  const words = JSON.parse(document.getElementById('dashboard-words')?.textContent || '{}');
  const lang = body.getAttribute('data-lang') || 'ja';
  let audio = null;
  let beeping = null;
  const soundButton = document.getElementById('sound-on');
  if (soundButton) soundButton.addEventListener('click', () => {
    try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); audio.resume(); soundButton.hidden = true; } catch (e) { /* no audio */ }
  });
  function beep() {
    if (!audio || audio.state !== 'running') return;
    const osc = audio.createOscillator(), gain = audio.createGain();
    osc.type = 'square'; osc.frequency.value = 880; gain.gain.value = 0.08;
    osc.connect(gain); gain.connect(audio.destination);
    osc.start(); osc.stop(audio.currentTime + 0.35);
  }
  const fmt = (ms) => ms == null ? '' : new Intl.DateTimeFormat('sv-SE', { timeZone: words.zone || 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, String(v));
    for (const k of kids) if (k != null) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return e;
  };
  function renderAlarms(alarms) {
    const box = document.getElementById('alarms');
    if (!box) return;
    box.replaceChildren();
    if (alarms.length === 0) { box.append(el('p', { class: 'note' }, words.noAlarms)); return; }
    for (const a of alarms) {
      const unacked = a.acknowledgedAt == null;
      const item = el('div', { class: 'alarm' + (unacked ? ' unacked flash' : ''), 'data-alarm-id': a.id, role: unacked ? 'alert' : null },
        el('strong', null, (words.severity[a.severity] || a.severity) + ' · ' + a.monitor + ' · ' + a.code), ' ',
        el('span', null, a.message), el('br'), el('small', null, fmt(a.detectedAt) + (a.recoveredAt ? ' → ' + words.recovered + ' ' + fmt(a.recoveredAt) : '')));
      if (unacked) {
        const form = el('form', { method: 'post', action: '/admin/alarms/' + a.id + '/ack', class: 'inline ack' }, ' ', el('button', { type: 'submit' }, words.acknowledge));
        item.append(form);
      } else item.append(' ', el('span', { class: 'badge' }, words.acknowledged));
      box.append(item);
    }
  }
  function renderMonitors(services) {
    for (const s of services) for (const m of s.monitors) {
      const cell = document.querySelector('[data-monitor-state="' + m.id + '"]');
      if (!cell) continue;
      cell.textContent = m.paused ? words.paused : (words.status[m.status] || m.status);
      cell.className = 'status-' + (m.paused ? 'unknown' : m.status);
      const when = document.querySelector('[data-monitor-last="' + m.id + '"]');
      if (when) when.textContent = fmt(m.lastAt) + (m.latencyMs != null ? ' (' + m.latencyMs + ' ms)' : '');
    }
  }
  function renderIncidents(list) {
    const box = document.getElementById('open-incidents');
    if (!box) return;
    box.replaceChildren();
    if (list.length === 0) { box.append(el('p', { class: 'note' }, words.noIncidents)); return; }
    const ul = el('ul');
    for (const i of list) {
      const title = lang === 'en' && i.titleEn ? i.titleEn : i.titleJa;
      const li = el('li', null, el('a', { href: '/admin/incidents/' + i.id }, title), ' ', i.draft ? el('span', { class: 'badge' }, words.draft) : null);
      if (i.nearest) li.append(' · ' + words.nearest + ' (' + (words.timers[i.nearest.key] || i.nearest.key) + '): ', el('span', { 'data-deadline': i.nearest.deadline, 'data-overdue': words.overdue }, ''));
      ul.append(li);
    }
    box.append(ul);
    tickCountdowns();
  }
  let lastOk = Date.now();
  async function poll() {
    try {
      const res = await fetch('/admin/dashboard.json', { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' });
      if (res.status === 401 || res.redirected) { location.href = '/login?next=/admin/'; return; }
      if (!res.ok) throw new Error(String(res.status));
      const data = await res.json();
      lastOk = Date.now();
      renderAlarms(data.alarms); renderMonitors(data.services); renderIncidents(data.incidents);
      const unacked = data.alarms.some((a) => a.acknowledgedAt == null);
      const lamp = document.getElementById('lamp');
      if (lamp) { lamp.classList.toggle('on', unacked); lamp.classList.toggle('flash', unacked); }
      if (unacked && !beeping) { beep(); beeping = setInterval(beep, 2000); }
      if (!unacked && beeping) { clearInterval(beeping); beeping = null; }
      document.getElementById('live-state')?.replaceChildren(words.live);
    } catch (e) {
      if (Date.now() - lastOk > 20000) document.getElementById('live-state')?.replaceChildren(words.stale);
    }
  }
  document.addEventListener('submit', async (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('ack')) return;
    ev.preventDefault();
    await fetch(form.action, { method: 'POST', body: new FormData(form), credentials: 'same-origin' });
    poll();
  });
  poll();
  setInterval(poll, 5000);
})();
`;

export const GET: APIRoute = () => new Response(js, { headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300' } });
