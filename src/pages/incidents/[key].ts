import { publicPage } from '../../lib/status/routes';

export const GET = publicPage('ja', (ctx) => `incidents/${encodeURIComponent(ctx.params.key ?? '')}`);
