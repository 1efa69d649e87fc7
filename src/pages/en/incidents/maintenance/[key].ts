import { publicPage } from '../../../../lib/status/routes';

export const GET = publicPage('en', (ctx) => `incidents/maintenance/${encodeURIComponent(ctx.params.key ?? '')}`);
