import type { APIRoute } from 'astro';
import { getRuntime } from '../../lib/runtime';
import { holdsSampleData } from '../../lib/settings';

/** What the sample monitors check on a fresh installation; gone once real services are loaded. */
export const GET: APIRoute = ({ params }) => {
  const { db } = getRuntime();
  if (!holdsSampleData(db) || !['awareness', 'elearning'].includes(params.name ?? '')) return new Response('not found', { status: 404 });
  return new Response('ok', { headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' } });
};
