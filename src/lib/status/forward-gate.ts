import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyTooLargeText, declaredBody, readCounted, setReadBody, type BodyRule } from '../auth/body-limit';

/**
 * What the front door asks of a request before it goes to the site (./site-proxy.ts), whose
 * private sockets are few: that its client has few requests in the site already, and that
 * its body has arrived whole, within the path's limit and deadline (../auth/body-limit.ts).
 * A slow sender then holds only its own connection, never a socket the others need, and
 * one client cannot take every socket with requests the site is slow to answer.
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Requests of one client (the believed address, ../auth/proxies.ts) reading their body or in the site at once. */
export const FORWARDED_PER_CLIENT = 8;
const RETRY_AFTER_S = 2;

export interface ForwardGateOptions {
  clientOf: (req: IncomingMessage) => string;
  ruleOf: (req: IncomingMessage) => BodyRule;
  /** Answers with a plain-text refusal (and closes the connection: the body was not read). */
  refuse: (res: ServerResponse, status: number, text: string, headers?: Record<string, string>) => void;
  perClient?: number;
}

export class ForwardGate {
  /** Requests in progress per client. */
  readonly active = new Map<string, number>();
  private readonly perClient: number;

  constructor(private readonly o: ForwardGateOptions) {
    this.perClient = o.perClient ?? FORWARDED_PER_CLIENT;
  }

  wrap(next: Handler): Handler {
    return (req, res) => {
      const client = this.o.clientOf(req);
      const n = this.active.get(client) ?? 0;
      if (n >= this.perClient) {
        this.o.refuse(res, 429, 'Too many requests at once from this address; try again in a moment / 同時に送信されたリクエストが多すぎます。しばらくしてから再度お試しください', { 'retry-after': String(RETRY_AFTER_S) });
        return;
      }
      this.active.set(client, n + 1);
      let released = false;
      res.once('close', () => {
        if (released) return;
        released = true;
        const left = (this.active.get(client) ?? 1) - 1;
        if (left > 0) this.active.set(client, left);
        else this.active.delete(client);
      });
      const rule = this.o.ruleOf(req);
      if (declaredBody(req, rule.limit) === 'none') return next(req, res);
      readCounted(req, rule.limit, rule.readWithinMs).then((body) => {
        if (body === 'too_large') return this.o.refuse(res, 413, bodyTooLargeText(rule.limit));
        if (body === 'too_slow') {
          this.o.refuse(res, 408, `The request body did not arrive within ${Math.round(rule.readWithinMs / 1000)} s / 送信に時間がかかりすぎました。もう一度お試しください`);
          return;
        }
        setReadBody(req, body);
        next(req, res);
      }, () => req.destroy());
    };
  }
}
