import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { tempDb } from '../helpers/temp';
import { enqueueMail, sendPendingMail, mailTransport, outboxCounts, MAX_ATTEMPTS } from '../../src/lib/mail/outbox';
import { inTransaction } from '../../src/lib/db';
import { startSmtp, decodeMail } from './probe-servers';

describe('mail outbox', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  beforeAll(async () => { smtp = await startSmtp(); });
  afterAll(async () => { await smtp.close(); });

  it('keeps mail queued across a restart and sends it through SMTP with sent_at recorded', async () => {
    const t = tempDb();
    const id = inTransaction(t.db, () => enqueueMail(t.db, { to: 'ops@example.jp', subject: '【障害】テスト', text: '本文です', kind: 'test' }, 1000));
    expect(id).toBeGreaterThan(0);
    // "Restart": close and reopen the database file; the message is still there.
    t.db.$client.close();
    const { openDatabase } = await import('../../src/lib/db');
    const db = openDatabase(t.path);
    expect(outboxCounts(db).pending).toBe(1);
    const transport = mailTransport({ SMTP_URL: `${smtp.url}?from=status@example.jp` })!;
    const before = smtp.received.length;
    const res = await sendPendingMail(db, transport, 2000);
    expect(res).toEqual({ sent: 1, failed: 0 });
    const got = smtp.received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.to).toEqual(['ops@example.jp']);
    expect(got[0]!.from).toBe('status@example.jp');
    expect(decodeMail(got[0]!.raw)).toContain('【障害】テスト');
    expect(decodeMail(got[0]!.raw)).toContain('本文です');
    const row = db.$client.prepare('SELECT sent_at AS sentAt, next_attempt_at AS next FROM mail_outbox WHERE id = ?').get(id) as { sentAt: number; next: number | null };
    expect(row.sentAt).toBeGreaterThanOrEqual(2000);
    expect(row.next).toBeNull();
    // Nothing is sent twice.
    expect(await sendPendingMail(db, transport, 3000)).toEqual({ sent: 0, failed: 0 });
    db.$client.close();
    t.close();
  });

  it('retries with backoff after a refusal, records the error, and gives up after the last try', async () => {
    const t = tempDb();
    const id = enqueueMail(t.db, { to: 'ops@example.jp', subject: 'retry', text: 'x', kind: 'test' }, 0);
    const transport = mailTransport({ SMTP_URL: smtp.url })!;
    smtp.failNext(1);
    expect(await sendPendingMail(t.db, transport, 0)).toEqual({ sent: 0, failed: 1 });
    const row = () => t.db.$client.prepare('SELECT attempts, last_error AS err, next_attempt_at AS next, sent_at AS sent, failed_at AS failed FROM mail_outbox WHERE id = ?').get(id) as { attempts: number; err: string; next: number | null; sent: number | null; failed: number | null };
    expect(row().attempts).toBe(1);
    expect(row().err).toContain('mailbox busy');
    expect(row().next).toBe(30_000);
    // Not due yet: nothing is tried.
    expect(await sendPendingMail(t.db, transport, 10_000)).toEqual({ sent: 0, failed: 0 });
    expect(await sendPendingMail(t.db, transport, 30_000)).toEqual({ sent: 1, failed: 0 });
    expect(row().sent).not.toBeNull();

    // A server that is not there: every try fails until it is given up.
    const dead = mailTransport({ SMTP_URL: 'smtp://127.0.0.1:1' })!;
    const id2 = enqueueMail(t.db, { to: 'ops@example.jp', subject: 'never', text: 'x', kind: 'test' }, 0);
    let now = 0;
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const next = (t.db.$client.prepare('SELECT next_attempt_at AS n FROM mail_outbox WHERE id = ?').get(id2) as { n: number }).n;
      now = Math.max(now, next);
      await sendPendingMail(t.db, dead, now);
    }
    const r2 = t.db.$client.prepare('SELECT attempts, failed_at AS failed, next_attempt_at AS next, last_error AS err FROM mail_outbox WHERE id = ?').get(id2) as { attempts: number; failed: number; next: number | null; err: string };
    expect(r2.attempts).toBe(MAX_ATTEMPTS);
    expect(r2.failed).not.toBeNull();
    expect(r2.next).toBeNull();
    expect(r2.err).toMatch(/ECONNREFUSED|connect/);
    expect(outboxCounts(t.db)).toEqual({ pending: 0, failed: 1, sent: 1 });
    t.close();
  });

  it('refuses a bad address or a header injection, naming the field, and writes nothing', () => {
    const t = tempDb();
    expect(() => enqueueMail(t.db, { to: 'not an address', subject: 's', text: 't', kind: 'k' })).toThrow(/mail\.to/);
    expect(() => enqueueMail(t.db, { to: 'a@b.jp', subject: 'two\nlines', text: 't', kind: 'k' })).toThrow(/mail\.subject/);
    expect(() => enqueueMail(t.db, { to: 'a@b.jp', subject: 's', text: 't', kind: 'k', headers: { 'X-A': 'x\r\nBcc: evil@x' } })).toThrow(/mail\.headers/);
    expect(outboxCounts(t.db).pending).toBe(0);
    t.close();
  });

  it('has no transport without SMTP_URL, so mail stays queued', () => {
    expect(mailTransport({ SMTP_URL: undefined })).toBeNull();
  });
});
