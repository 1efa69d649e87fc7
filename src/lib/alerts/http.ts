/** An alert route's JSON answer: machines read it, and the reason names what was wrong. */
export function alertAnswer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
}
