import { getRuntime } from '../runtime';
import { AGENT_BATCH_BODY_LIMIT } from '../auth/body-limit';
import { AgentGate, AgentApiError, agentErrorResponse, assignmentFor, ingestBatch, touchLocation } from './api';

/** The agent endpoints' request handling, shared by the two routes. */
let gate: AgentGate | null = null;

function gateOf(): AgentGate {
  if (!gate) {
    const { db, config } = getRuntime();
    gate = new AgentGate(db, config);
  }
  return gate;
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };

export function handleAssignment(request: Request, address: string): Response {
  try {
    const { db, config } = getRuntime();
    const now = Date.now();
    const location = gateOf().authenticate(request.headers.get('authorization'), address, now);
    touchLocation(db, location.id, now);
    return new Response(JSON.stringify(assignmentFor(db, config, location, now)), { status: 200, headers: JSON_HEADERS });
  } catch (err) {
    return agentErrorResponse(err);
  }
}

export async function handleResults(request: Request, address: string): Promise<Response> {
  try {
    const { db, config } = getRuntime();
    const location = gateOf().authenticate(request.headers.get('authorization'), address);
    if (!/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) {
      throw new AgentApiError(415, 'content_type', 'send the batch as Content-Type: application/json');
    }
    const length = Number(request.headers.get('content-length') ?? 0);
    if (length > AGENT_BATCH_BODY_LIMIT) throw new AgentApiError(413, 'batch_too_large', `a batch is at most ${AGENT_BATCH_BODY_LIMIT} bytes`);
    const text = await request.text();
    if (text.length > AGENT_BATCH_BODY_LIMIT) throw new AgentApiError(413, 'batch_too_large', `a batch is at most ${AGENT_BATCH_BODY_LIMIT} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AgentApiError(400, 'invalid_batch', 'the body is not JSON');
    }
    // Received now: the clock is read after the body arrived, so a slow upload is not skew.
    const outcome = ingestBatch(db, config, location, body, Date.now());
    return new Response(JSON.stringify({ ok: true, ...outcome }), { status: 200, headers: JSON_HEADERS });
  } catch (err) {
    return agentErrorResponse(err);
  }
}
