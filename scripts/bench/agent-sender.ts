import { randomUUID } from 'node:crypto';
import { phaseOf } from '../../src/lib/probe/phase-scheduler';

/**
 * A simulated probe agent: what a real one posts to /api/agent/v1/results, one batch every
 * `everyMs` holding each result of the window just past (each monitor checked once per
 * interval, on its phase as the agent schedules it; every 97th monitor down).
 */
export interface AgentSender {
  /** Each batch's time from posting to the site's answer, in ms. */
  latencies: number[];
  failures: number;
  /** Why batches were refused: the HTTP status and the site's code, or `no answer`. */
  refusals: Record<string, number>;
  stored: number;
  /** Kept-alive connections the server closed at the moment of sending: sent again at once, as the agent does. */
  resets: number;
  /** While true the agent keeps its results and sends them on resuming, as a real one's spool does. */
  paused: boolean;
  /** Stops after the batch in flight; resolves when the loop has ended. */
  stop: () => Promise<void>;
}

export function agentBatch(ids: readonly number[], intervalS: number, windowStart: number, windowEnd: number): object {
  const intervalMs = intervalS * 1000;
  const results = [];
  for (const id of ids) {
    const phase = phaseOf(id, intervalMs);
    for (let at = windowStart - ((windowStart - phase) % intervalMs); at < windowEnd; at += intervalMs) {
      if (at >= windowStart) results.push({ monitor_id: id, at: new Date(at).toISOString(), status: id % 97 === 0 ? 'down' : 'up', latency_ms: id % 97 === 0 ? null : 80 + (id % 50), error: id % 97 === 0 ? 'connect ECONNREFUSED' : null });
    }
  }
  return { batch_id: randomUUID(), sent_at: new Date().toISOString(), results, controls: [{ at: new Date().toISOString(), ok: true }], health: { spool_results: 0 } };
}

/** Starts an agent posting to `siteUrl` with `token` after `offsetMs`, until stopped. */
export function startAgentSender(siteUrl: string, token: string, ids: readonly number[], o: { intervalS: number; everyMs: number; offsetMs: number }): AgentSender {
  let sending = true;
  const sender: AgentSender = { latencies: [], failures: 0, refusals: {}, stored: 0, resets: 0, paused: false, stop: async () => { sending = false; await loop; } };
  const loop = (async () => {
    await new Promise((r) => setTimeout(r, o.offsetMs));
    let windowStart = Date.now() - o.everyMs;
    while (sending) {
      if (sender.paused) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const windowEnd = Date.now();
      const body = JSON.stringify(agentBatch(ids, o.intervalS, windowStart, windowEnd));
      windowStart = windowEnd;
      const post = () => fetch(`${siteUrl}/api/agent/v1/results`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
      const t0 = performance.now();
      const answered = await post().catch(() => (sender.resets++, post())).then(async (res) => ({ res, text: await res.text() })).catch(() => null);
      if (!answered) {
        // No answer twice (the site gone): refused; the loop goes on until stopped.
        sender.failures++;
        sender.refusals['no answer'] = (sender.refusals['no answer'] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, o.everyMs));
        continue;
      }
      const { res, text } = answered;
      sender.latencies.push(performance.now() - t0);
      // Anything but a JSON answer saying ok (a 503 while the site starts, a refusal) is
      // counted as refused; a real agent keeps those results and sends them again.
      let answer: { ok?: boolean; stored?: number; code?: string } = {};
      try {
        answer = JSON.parse(text) as typeof answer;
      } catch { /* not JSON: refused */ }
      if (!res.ok || !answer.ok) {
        sender.failures++;
        const why = `${res.status}${answer.code ? ` ${answer.code}` : ' (not the site\'s answer)'}`;
        sender.refusals[why] = (sender.refusals[why] ?? 0) + 1;
      }
      else sender.stored += answer.stored ?? 0;
      await new Promise((r) => setTimeout(r, Math.max(0, o.everyMs - (Date.now() - windowEnd))));
    }
  })();
  return sender;
}
