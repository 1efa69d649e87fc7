import type { APIRoute } from 'astro';
import { handleAssignment } from '../../../../lib/agents/http';

// GET /api/agent/v1/assignment with "Authorization: Bearer TOKEN": the monitors this agent checks.
export const GET: APIRoute = ({ request, clientAddress }) => handleAssignment(request, clientAddress);
