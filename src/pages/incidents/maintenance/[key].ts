import { publicPage } from '../../../lib/status/routes';

export const GET = publicPage('ja', (ctx) => `incidents/maintenance/${encodeURIComponent(ctx.params.key ?? '')}`);
