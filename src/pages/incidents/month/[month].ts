import { publicPage } from '../../../lib/status/routes';

export const GET = publicPage('ja', (ctx) => `incidents/month/${encodeURIComponent(ctx.params.month ?? '')}`);
