import { describe, it, expect, afterEach } from 'vitest';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { tempDb } from '../helpers/temp';
import { enqueueMail, sendPendingMail, mailTransport, REPLY_TIMEOUT_MS } from '../../src/lib/mail/outbox';
import { checkHealth } from '../../src/lib/health';
import { loadConfig } from '../../src/lib/config';

/**
 * A real SMTP server that stores each message it gets (its Message-ID is recorded), then
 * answers as `answer` says: `ok`, `busy` (451, try later) or `stall` (no final answer at all).
 */
async function storingSmtp(answer: () => 'ok' | 'busy' | 'stall') {
  const stored: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        stored.push(/^Message-ID: (.*)$/im.exec(Buffer.concat(chunks).toString('utf8'))?.[1]?.trim() ?? '');
        const how = answer();
        if (how === 'stall') return; // stored, and the final OK never comes
        if (how === 'busy') return callback(Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 }));
        callback();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}?from=status@example.jp`,
    stored,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

describe('a mail server that stores a message and then stalls before its final OK', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('waits as long as RFC 5321 allows after the data (10 minutes) by default', () => {
    const transport = mailTransport({ SMTP_URL: 'smtp://127.0.0.1:25' })!;
    expect((transport as unknown as { options: { socketTimeout: number } }).options.socketTimeout).toBeGreaterThanOrEqual(10 * 60_000);
    expect(REPLY_TIMEOUT_MS).toBeGreaterThanOrEqual(10 * 60_000);
  });

  it('counts the timed-out try as maybe delivered: not sent again, shown to admins; every try of a message carries one Message-ID', async () => {
    const t = tempDb();
    cleanup.push(() => t.close());
    let next: Array<'ok' | 'busy' | 'stall'> = [];
    const smtp = await storingSmtp(() => next.shift() ?? 'ok');
    cleanup.push(() => smtp.close());
    // A short wait for the final answer, so the test need not wait the 10 minutes.
    const transport = mailTransport({ SMTP_URL: smtp.url }, 2000)!;
    cleanup.push(() => transport.close());

    const stalled = enqueueMail(t.db, { to: 'ops@example.jp', subject: 'stalled', text: 'x', kind: 'alarm' }, 1000);
    next = ['stall'];
    expect(await sendPendingMail(t.db, transport, 2000)).toEqual({ sent: 0, failed: 1 });
    expect(smtp.stored).toHaveLength(1);
    const row = () => t.db.$client.prepare('SELECT message_id AS messageId, attempts, next_attempt_at AS nextAt, maybe_delivered_at IS NOT NULL AS maybe, sent_at AS sentAt, failed_at AS failedAt, last_error AS error FROM mail_outbox WHERE id = ?').get(stalled) as Record<string, unknown>;
    expect(row()).toMatchObject({ attempts: 1, nextAt: null, maybe: 1, sentAt: null, failedAt: null, messageId: smtp.stored[0] });
    expect(row().error).toMatch(/did not confirm/);
    // Later runs of the mail job (long after any backoff) do not send it again.
    await sendPendingMail(t.db, transport, 10_000_000);
    expect(smtp.stored).toHaveLength(1);
    const health = checkHealth(t.db, loadConfig(undefined), Date.now());
    expect(health.warnings.map((w) => w.cause)).toContain('mail_unconfirmed');

    // A message refused for now (451) and sent on its next try: the same Message-ID both times.
    const retried = enqueueMail(t.db, { to: 'ops@example.jp', subject: 'retried', text: 'x', kind: 'alarm' }, 20_000_000);
    next = ['busy'];
    expect(await sendPendingMail(t.db, transport, 20_000_000)).toEqual({ sent: 0, failed: 1 });
    expect(await sendPendingMail(t.db, transport, 30_000_000)).toEqual({ sent: 1, failed: 0 });
    expect(smtp.stored).toHaveLength(3);
    const id = t.db.$client.prepare('SELECT message_id FROM mail_outbox WHERE id = ?').pluck().get(retried) as string;
    expect(id).toMatch(/^<[0-9a-f-]{36}@example\.jp>$/);
    expect(smtp.stored.slice(1)).toEqual([id, id]);
    expect(id).not.toBe(smtp.stored[0]);
  }, 60_000);
});
