import type { Transporter } from 'nodemailer';
import type { Job } from './job';
import { mailTransport, sendPendingMail, outboxCounts } from '../mail/outbox';
import { log } from '../log';

let transport: Transporter | null | undefined;
let warnedUnset = false;

/** Sends queued mail (alarms, subscriber notices) every five seconds. */
export const mailJob: Job = {
  name: 'mail',
  schedule: { every: 5000 },
  async run({ db, env, now, lease }) {
    if (transport === undefined) transport = mailTransport(env);
    if (!transport) {
      const { pending } = outboxCounts(db);
      if (pending > 0 && !warnedUnset) {
        log.warn('mail.not_configured', { pending, reason: 'SMTP_URL is not set; mail stays queued' });
        warnedUnset = true;
      }
      return;
    }
    await sendPendingMail(db, transport, now(), 100, lease ?? null);
  },
};
