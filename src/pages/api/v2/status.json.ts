import { statuspageRoute } from '../../../lib/status/routes';

export const GET = statuspageRoute('status');
