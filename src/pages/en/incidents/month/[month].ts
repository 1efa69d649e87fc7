import { publicPage } from '../../../../lib/status/routes';

export const GET = publicPage('en', (ctx) => `incidents/month/${encodeURIComponent(ctx.params.month ?? '')}`);
