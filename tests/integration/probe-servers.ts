import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

/** A message the test SMTP server received. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on 127.0.0.1 that keeps what it receives; `failNext` rejects messages. */
export async function startSmtp(): Promise<{ port: number; url: string; received: ReceivedMail[]; failNext: (n: number) => void; close: () => Promise<void> }> {
  const received: ReceivedMail[] = [];
  let failures = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures--;
          const err = new Error('mailbox busy, try later') as Error & { responseCode: number };
          err.responseCode = 451;
          return callback(err);
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    failNext: (n) => { failures = n; },
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** Decodes a MIME header or body part that nodemailer encoded (quoted-printable/base64, UTF-8 words). */
export function decodeMail(raw: string): string {
  // Unfold headers; whitespace between two encoded words is not text (RFC 2047).
  const unfolded = raw.replace(/\?=\s*\r?\n[ \t]+=\?/g, '?==?').replace(/\r?\n[ \t]+/g, ' ');
  let out = unfolded.replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, text: string) => enc.toUpperCase() === 'B'
    ? Buffer.from(text, 'base64').toString('utf8')
    : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
  out = out.replace(/Content-Transfer-Encoding: base64\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/gi, (_m, body: string) => Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8'));
  // Quoted-printable soft breaks and escapes in bodies.
  out = out.replace(/=\r?\n/g, '');
  out = out.replace(/(?:=[0-9A-F]{2})+/g, (m) => Buffer.from(m.split('=').slice(1).map((h) => parseInt(h, 16))).toString('utf8'));
  return out;
}
