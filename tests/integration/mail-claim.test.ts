import { describe, it, expect } from 'vitest';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { tempDb } from '../helpers/temp';
import { openDatabase } from '../../src/lib/db';
import { enqueueMail, mailTransport, sendPendingMail } from '../../src/lib/mail/outbox';
import { startJobs } from '../../src/lib/jobs/index';
import { parseConfig } from '../../src/lib/config';
import { tryAcquireLease, LeaseWatch } from '../../src/lib/lease';

async function stallingSmtp(stallMs: number) {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onConnect(_s, cb) { setTimeout(() => cb(), stallMs); },
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => { received.push(session.envelope.rcptTo.map((r) => r.address).join(',')); cb(); });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return { url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, received, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

describe('the mail outbox under concurrent senders', () => {
  it('sends each message once when two senders on two connections run at the same time against a slow server', async () => {
    const t = tempDb();
    const smtp = await stallingSmtp(1500);
    const other = openDatabase(t.path);
    try {
      for (let i = 0; i < 3; i++) enqueueMail(t.db, { to: `ops${i}@example.jp`, subject: `m${i}`, text: 'x', kind: 'alarm' }, 0);
      const [r1, r2] = await Promise.all([
        sendPendingMail(t.db, mailTransport({ SMTP_URL: smtp.url })!, 1000),
        sendPendingMail(other, mailTransport({ SMTP_URL: smtp.url })!, 1000),
      ]);
      expect(r1.sent + r2.sent).toBe(3);
      expect([...smtp.received].sort()).toEqual(['ops0@example.jp', 'ops1@example.jp', 'ops2@example.jp']);
      expect(t.db.$client.prepare('SELECT attempts FROM mail_outbox').pluck().all()).toEqual([1, 1, 1]);
    } finally {
      other.$client.close();
      await smtp.close();
      t.close();
    }
  });

  it('claims nothing for a sender whose lease another holder has taken', async () => {
    const t = tempDb();
    const smtp = await stallingSmtp(0);
    try {
      tryAcquireLease(t.db, 'probe', 'someone-else', 15_000, new LeaseWatch());
      enqueueMail(t.db, { to: 'ops@example.jp', subject: 'm', text: 'x', kind: 'alarm' }, 0);
      const res = await sendPendingMail(t.db, mailTransport({ SMTP_URL: smtp.url })!, 1000, 100, { name: 'probe', holder: 'me' });
      expect(res).toEqual({ sent: 0, failed: 0 });
      expect(smtp.received).toEqual([]);
      expect(t.db.$client.prepare('SELECT attempts, claim_token FROM mail_outbox').get()).toEqual({ attempts: 0, claim_token: null });
    } finally {
      await smtp.close();
      t.close();
    }
  });

  it('never overlaps a job with itself: a tick while the last run is still going is skipped', async () => {
    const t = tempDb();
    let running = 0;
    let most = 0;
    let runs = 0;
    const jobs = startJobs({ db: t.db, config: parseConfig({}), env: {} as never, now: Date.now }, [{
      name: 'slow', schedule: '* * * * * *',
      async run() {
        running++; runs++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 2500));
        running--;
      },
    }]);
    await new Promise((r) => setTimeout(r, 4200));
    await jobs.stop();
    t.close();
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(2);
    expect(most).toBe(1);
  });
});
