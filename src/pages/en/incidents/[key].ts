import { publicPage } from '../../../lib/status/routes';

export const GET = publicPage('en', (ctx) => `incidents/${encodeURIComponent(ctx.params.key ?? '')}`);
