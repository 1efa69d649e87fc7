import type { APIRoute } from 'astro';

/** The admin pages' stylesheet, served as a file so the CSP needs no inline style for it. */
const css = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #5b6470; --line: #d0d7de; --accent: #0b5cad; --bad: #b42318; --warn: #9a6700; --good: #1a7f37; --panel: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9aa5b1; --line: #30363d; --accent: #58a6ff; --bad: #ff7b72; --warn: #d29922; --good: #3fb950; --panel: #161b22; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.6 system-ui, "Hiragino Sans", "Noto Sans JP", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
.admin-head { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
.admin-head ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
.admin-head [aria-current="page"] { font-weight: 700; text-decoration: none; }
.who { margin-left: auto; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
.admin-main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
.auth-main { max-width: 26rem; margin: 3rem auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll td { overflow-wrap: anywhere; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--panel); }
.field { margin: .6rem 0; display: flex; flex-direction: column; gap: .2rem; }
.field.check { flex-direction: row; align-items: center; gap: .5rem; }
input, select, textarea, button { font: inherit; }
input[type=text], input[type=email], input[type=password], input[type=number], input[type=datetime-local], input[type=month], select, textarea { padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); max-width: 100%; }
textarea { width: 100%; }
button { padding: .35rem .9rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
a.button { display: inline-block; padding: .5rem 1rem; border-radius: 4px; border: 1px solid var(--accent); text-decoration: none; font-weight: 700; min-height: 2.75rem; }
a.button.primary { background: #b42318; border-color: #b42318; color: #fff; font-size: 1.1rem; }
a.button.secondary { background: transparent; color: var(--accent); }
.record-outage { display: flex; flex-wrap: wrap; gap: .5rem; margin: .75rem 0; }
.quick-outage label.choice { display: block; padding: .4rem 0; min-height: 2.5rem; }
.quick-outage fieldset { border: 1px solid var(--line, #ccc); border-radius: 4px; margin: 0 0 1rem; }
form.inline { display: inline; }
.invalid input, .invalid select, .invalid textarea { border-color: var(--bad); }
.error { color: var(--bad); margin: 0; font-size: .9rem; }
.notice { padding: .5rem .75rem; border-left: 4px solid var(--good); background: var(--panel); }
.alert { padding: .5rem .75rem; border-left: 4px solid var(--bad); background: var(--panel); }
.warning-box { padding: .75rem; border: 2px solid var(--warn); border-radius: 6px; margin: 1rem 0; }
.note { color: var(--muted); }
.zone-note { color: var(--muted); font-size: .85rem; margin-top: 2rem; }
.state-met, .status-up { color: var(--good); font-weight: 600; }
.state-missed, .status-down { color: var(--bad); font-weight: 600; }
.state-pending, .status-degraded { color: var(--warn); font-weight: 600; }
.status-unknown { color: var(--muted); }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; border: 1px solid var(--line); font-size: .85rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.panel { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem; }
.alarm { border: 1px solid var(--line); border-radius: 6px; padding: .5rem; margin: .4rem 0; }
.alarm.unacked { border-color: var(--bad); }
.flash { animation: flash 1s steps(2, start) infinite; }
@keyframes flash { to { background: var(--bad); color: #fff; } }
@media (prefers-reduced-motion: reduce) { .flash { animation: none; outline: 3px solid var(--bad); } }
.lamp { display: inline-block; width: 1rem; height: 1rem; border-radius: 50%; background: var(--good); vertical-align: middle; }
.lamp.on { background: var(--bad); }
.times td form { display: flex; gap: .3rem; flex-wrap: wrap; align-items: center; }
.services-pick td { vertical-align: middle; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0; font-size: .8rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;

export const GET: APIRoute = () => new Response(css, { headers: { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=300' } });
