import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tempDb } from '../helpers/temp';
import { waitFor } from '../helpers/site';
import { Probe, PROBE_LEASE } from '../../src/lib/probe/probe';
import { readLease } from '../../src/lib/lease';
import { importInterchange, validateInterchange } from '../../src/lib/interchange/import';
import { statusSummary } from '../../src/lib/status/summary';
import { parseConfig } from '../../src/lib/config';
import { CheckStore } from '../../src/lib/checks/store';

const config = parseConfig({});

function load(db: Parameters<typeof importInterchange>[0], target: string) {
  importInterchange(db, validateInterchange({
    version: 1,
    services: [{ slug: 'web', name: { ja: 'ウェブ' }, sla_target_pct: 99.9 }],
    monitors: [{ slug: 'web-http', service: 'web', type: 'http', target, interval_s: 5, timeout_s: 2, confirm: 2, counts_for_availability: true }],
  }));
}

describe('the probe', () => {
  it('never runs twice: a second probe waits for the lease and takes over when the first stops', async () => {
    const server = createServer((_q, r) => r.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const t = tempDb();
    load(t.db, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const first = new Probe(t.db, { flushEveryMs: 100 });
    const second = new Probe(t.db, { flushEveryMs: 100 });
    try {
      expect(await first.start()).toBe(true);
      let secondStarted = false;
      const pending = second.start().then((ok) => (secondStarted = ok));
      await waitFor(() => (t.db.$client.prepare('SELECT count(*) AS n FROM checks').get() as { n: number }).n >= 1, 10_000);
      expect(secondStarted).toBe(false);
      expect(readLease(t.db, PROBE_LEASE)?.holder).toBe(first.holder);
      await first.stop();
      await pending;
      expect(secondStarted).toBe(true);
      expect(readLease(t.db, PROBE_LEASE)?.holder).toBe(second.holder);
      await second.stop();
      expect(readLease(t.db, PROBE_LEASE)).toBeNull();
      const rows = t.db.$client.prepare('SELECT status, latency_ms AS latencyMs, error FROM checks').all() as { status: number; latencyMs: number; error: string | null }[];
      expect(rows.every((r) => r.status === 0 && r.latencyMs >= 0 && r.error === null)).toBe(true);
    } finally {
      await first.stop();
      await second.stop();
      server.close();
      t.close();
    }
  });

  it('records a refused connection as down with its reason', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    server.close(); // nothing listens there now
    const t = tempDb();
    load(t.db, `http://127.0.0.1:${port}/`);
    const probe = new Probe(t.db, { flushEveryMs: 100 });
    try {
      await probe.start();
      const row = await waitFor(() => t.db.$client.prepare('SELECT status, error FROM checks').get() as { status: number; error: string } | undefined, 10_000);
      expect(row).toEqual({ status: 2, error: 'connection refused' });
    } finally {
      await probe.stop();
      t.close();
    }
  });
});

describe('the 90-day bars', () => {
  it('show days without data as such, and a confirmed outage on its JST day', () => {
    const t = tempDb();
    try {
      load(t.db, 'http://127.0.0.1:9/');
      const now = Date.parse('2026-11-25T03:00:00Z'); // 12:00 JST
      const store = new CheckStore(t.db);
      const start = Date.parse('2026-11-23T15:00:00Z'); // 24 Nov 00:00 JST
      const results = [];
      for (let at = start; at < now; at += 5000) {
        const down = at >= Date.parse('2026-11-24T01:00:00Z') && at < Date.parse('2026-11-24T01:10:00Z');
        results.push({ monitorId: 1, at, status: down ? 'down' as const : 'up' as const, latencyMs: 100, error: null });
      }
      store.record(results);
      const summary = statusSummary({ db: t.db, config, now });
      const days = summary.services[0]!.days;
      expect(days).toHaveLength(90);
      expect(days[87]!.noData).toBe(true);
      expect(days[88]!.day.label).toBe('2026-11-24');
      expect(days[88]!.downtimeMs).toBe(10 * 60_000);
      expect(days[88]!.pct).toBe('99.305');
      expect(days[89]!.pct).toBe('100.000');
    } finally {
      t.close();
    }
  });
});

describe('the check store', () => {
  it('stores a check older than the last one (a late result, a clock set back) and splits the run it falls in', () => {
    const t = tempDb();
    try {
      load(t.db, 'http://127.0.0.1:9/');
      const store = new CheckStore(t.db);
      const base = Date.parse('2026-11-01T00:00:00Z');
      store.record([0, 5, 10].map((s) => ({ monitorId: 1, at: base + s * 1000, status: 'up' as const, latencyMs: 10, error: null })));
      store.record([{ monitorId: 1, at: base + 7000, status: 'down', latencyMs: null, error: 'connection refused' }]);
      expect(t.db.$client.prepare('SELECT count(*) AS n FROM checks').get()).toEqual({ n: 4 });
      const runs = () => t.db.$client.prepare('SELECT first_at AS firstAt, last_at AS lastAt, status, count FROM check_runs ORDER BY first_at').all();
      expect(runs()).toEqual([
        { firstAt: base, lastAt: base + 5000, status: 0, count: 2 },
        { firstAt: base + 7000, lastAt: base + 7000, status: 2, count: 1 },
        { firstAt: base + 10_000, lastAt: base + 10_000, status: 0, count: 1 },
      ]);
      store.record([{ monitorId: 1, at: base + 15_000, status: 'up', latencyMs: 10, error: null }]);
      expect(runs().at(-1)).toEqual({ firstAt: base + 10_000, lastAt: base + 15_000, status: 0, count: 2 });
    } finally {
      t.close();
    }
  });
});
