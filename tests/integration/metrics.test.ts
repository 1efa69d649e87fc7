import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDb } from '../helpers/temp';
import { startSite, waitFor, type RunningSite } from '../helpers/site';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { enqueueMail } from '../../src/lib/mail/outbox';

const TOKEN = 'metrics-reader-4b7e1f09c2d8a3e6';
const PUSH = 'nightly-job-9d2c4e1a7b3f5068';

/** Prometheus's own parser of the text format (Debian's `prometheus` package). */
function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The value of one sample, found by its name and labels as written. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe('/metrics on the built site', () => {
  const t = tempDb();
  let site: RunningSite;
  beforeAll(async () => {
    importInterchange(t.db, validateInterchange({
      version: 1,
      services: [{ slug: 'backup', name: { ja: 'バックアップ' }, sla_target_pct: 99.5 }],
      monitors: [{ slug: 'nightly-job', service: 'backup', type: 'push', target: PUSH, interval_s: 5, timeout_s: 2, confirm: 1, counts_for_availability: false, options: { every_s: 60, grace_s: 1 } }],
    }));
    const now = Date.now();
    // A mail waiting (no SMTP_URL: it stays in the outbox) and an agent that last reported 2.5 s off with 7 s of backlog.
    enqueueMail(t.db, { to: 'ops@example.jp', subject: '【障害検知】', text: '…', kind: 'alarm' }, now - 90_000);
    t.db.$client.prepare(`INSERT INTO probe_locations (slug, label_ja, token_hash, created_at, last_contact_at, clock_offset_ms, lag_ms)
      VALUES ('osaka', '大阪', ?, ?, ?, 2500, 7000)`).run('0'.repeat(64), now - 3_600_000, now - 10_000);
    // An Alertmanager source heard from a minute ago, silent after 10 minutes.
    t.db.$client.prepare("INSERT INTO alert_sources (slug, kind, token_hash, silence_after_s, created_at, last_heard_at) VALUES ('prom', 'alertmanager', ?, 600, ?, ?)")
      .run('0'.repeat(64), now - 3_600_000, now - 60_000);
    // A paused destination holding a message queued a minute ago (paused: the worker leaves it waiting).
    const dest = Number(t.db.$client.prepare("INSERT INTO destinations (name, kind, url, alarms, paused_at, created_at, updated_at) VALUES ('chat', 'slack', 'http://127.0.0.1:9/x', 1, ?, ?, ?)").run(now, now, now).lastInsertRowid);
    t.db.$client.prepare("INSERT INTO destination_outbox (destination_id, destination_name, topic, event_key, webhook_id, body, created_at, next_attempt_at) VALUES (?, 'chat', 'alarms', 'k', 'msg_1', '{}', ?, ?)").run(dest, now - 60_000, now - 60_000);
    const config = join(t.dir, 'config.json');
    // The site sees 10.9.9.9 only through the trusted proxy on 127.0.0.1.
    writeFileSync(config, JSON.stringify({
      trusted_proxies: ['127.0.0.1'],
      metrics: { allow: ['10.9.9.0/24'], token_sha256: createHash('sha256').update(TOKEN).digest('hex') },
    }));
    site = await startSite({ DATABASE_PATH: t.path, CONFIG_PATH: config });
  }, 90_000);
  afterAll(async () => {
    await site?.stop();
    t.close();
  });

  const get = (headers: Record<string, string> = {}) => fetch(`${site.url}/metrics`, { headers });

  it('is refused without the token or an allowed address, and tells nothing', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${TOKEN}` }, { 'x-forwarded-for': '10.1.1.1' }] as Record<string, string>[]) {
      const res = await get(headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      const text = await res.text();
      expect(text).not.toMatch(/status_|nightly-job|osaka/);
    }
  });

  it('answers the token and the allowed addresses in the text format promtool accepts, with the figures of the database and of both threads', async () => {
    // Visitors read the status page: hits of the serving thread's cache.
    for (let i = 0; i < 4; i++) expect((await fetch(`${site.url}/`)).status).toBe(200);
    await waitFor(async () => {
      const text = await (await get({ authorization: `Bearer ${TOKEN}` })).text();
      return text.includes('status_monitor_state{') && (sample(text, 'status_answer_cache_hits_total') ?? 0) >= 1
        && (sample(text, 'status_render_cycles_total') ?? 0) >= 1;
    }, 30_000, 500);

    const res = await get({ authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const checked = promtool(text);
    expect(checked.output).toBe('');
    expect(checked.status).toBe(0);

    // The push monitor has never been called: the worker writes it down.
    const labels = '{monitor="nightly-job",service="backup",type="push",location="local"}';
    expect(sample(text, `status_monitor_state${labels}`)).toBe(2);
    expect(sample(text, `status_monitor_last_check_age_seconds${labels}`)).toBeLessThan(30);
    expect(sample(text, 'status_checks_written_recent{location="local"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'status_probe_lag_seconds{location="local"}')).toBeLessThan(30);
    expect(sample(text, 'status_outbox_depth')).toBe(1);
    expect(sample(text, 'status_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(90);
    expect(sample(text, 'status_destination_outbox_depth')).toBe(1);
    expect(sample(text, 'status_destination_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(60);
    expect(sample(text, 'status_agent_clock_offset_seconds{location="osaka"}')).toBe(2.5);
    expect(sample(text, 'status_agent_lag_seconds{location="osaka"}')).toBe(7);
    expect(sample(text, 'status_alert_source_last_heard_age_seconds{source="prom",kind="alertmanager"}')).toBeGreaterThanOrEqual(60);
    expect(sample(text, 'status_alert_source_silent{source="prom",kind="alertmanager"}')).toBe(0);
    expect(sample(text, 'status_render_cycles_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'status_render_cycle_last_seconds')).toBeGreaterThan(0);
    expect(sample(text, 'status_answer_cache_entries')).toBeGreaterThan(1);

    // An address of metrics.allow, as the trusted proxy names it.
    const allowed = await get({ 'x-forwarded-for': '10.9.9.20' });
    expect(allowed.status).toBe(200);
    expect(promtool(await allowed.text()).status).toBe(0);
  });
});
