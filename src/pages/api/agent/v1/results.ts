import type { APIRoute } from 'astro';
import { handleResults } from '../../../../lib/agents/http';

// POST /api/agent/v1/results with "Authorization: Bearer TOKEN": one batch of check results.
export const POST: APIRoute = ({ request, clientAddress }) => handleResults(request, clientAddress);
