import { describe, it, expect, afterEach } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { tempDb } from '../helpers/temp';
import { waitFor } from '../helpers/site';
import { startWorker, logEvents, type RunningWorker } from '../helpers/worker';
import { enqueueMail } from '../../src/lib/mail/outbox';
import { readLease } from '../../src/lib/lease';
import { PROBE_LEASE } from '../../src/lib/probe/probe';
import { decodeMail } from '../integration/probe-servers';

/** A real SMTP server that holds back its greeting for `stallMs` on every connection. */
async function slowSmtp(stallMs: number) {
  const subjects: string[] = [];
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      connections++;
      setTimeout(() => callback(), stallMs);
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const subject = /^Subject: (.*)$/m.exec(decodeMail(Buffer.concat(chunks).toString('utf8')))?.[1]?.trim() ?? '';
        subjects.push(subject);
        callback();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    subjects,
    connections: () => connections,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

describe('alarm mail under faults', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('is sent exactly once with a server that stalls its greeting 12 s, a worker paused mid-send, and a second worker taking over', async () => {
    const t = tempDb();
    cleanup.push(() => t.close());
    const smtp = await slowSmtp(12_000);
    cleanup.push(() => smtp.close());
    const configPath = join(t.dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ probe: { lease_ttl_s: 4 } }));
    const env = { DATABASE_PATH: t.path, CONFIG_PATH: configPath, SMTP_URL: `${smtp.url}?from=status@example.jp` };

    enqueueMail(t.db, { to: 'ops@example.jp', subject: 'first-alarm', text: 'x', kind: 'alarm' });
    const a: RunningWorker = startWorker(env);
    cleanup.push(() => a.stop());
    // A has claimed the mail and waits on the stalled greeting; its mail job ticks every 5 s meanwhile.
    await waitFor(() => smtp.connections() === 1, 15_000, 50);
    const b = startWorker(env);
    cleanup.push(() => b.stop());
    await waitFor(() => logEvents(b.output(), 'probe.waiting_for_lease').length === 1, 10_000, 50);
    a.process.kill('SIGSTOP');
    enqueueMail(t.db, { to: 'ops@example.jp', subject: 'second-alarm', text: 'x', kind: 'alarm' });
    // B sees A's heartbeat stand still for the lease time and takes over; it leaves A's claimed mail alone.
    await waitFor(() => readLease(t.db, PROBE_LEASE)?.pid === b.pid, 15_000, 100);
    await waitFor(() => smtp.connections() >= 2, 10_000, 50);
    a.process.kill('SIGCONT');
    // A finishes the try it had begun, finds its lease gone, stops everything and exits for a clean restart.
    expect(await a.exited).toBe(75);
    expect(logEvents(a.output(), 'probe.lease_lost')).toHaveLength(1);
    await waitFor(() => smtp.subjects.length >= 2, 20_000, 100);
    // Every job tick during the stall, and B's, would have sent again: give them time to.
    await new Promise((r) => setTimeout(r, 3000));
    expect([...smtp.subjects].sort()).toEqual(['first-alarm', 'second-alarm']);
    const rows = t.db.$client.prepare('SELECT subject, attempts, sent_at IS NOT NULL AS sent, claim_token AS token FROM mail_outbox ORDER BY id').all();
    expect(rows).toEqual([
      { subject: 'first-alarm', attempts: 1, sent: 1, token: null },
      { subject: 'second-alarm', attempts: 1, sent: 1, token: null },
    ]);
    expect(smtp.connections()).toBe(2);
    expect(b.process.exitCode).toBeNull();
  }, 90_000);
});
