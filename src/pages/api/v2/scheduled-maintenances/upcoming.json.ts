import { statuspageRoute } from '../../../../lib/status/routes';

export const GET = statuspageRoute('scheduled-maintenances/upcoming');
