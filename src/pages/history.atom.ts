import { feedRoute } from '../lib/status/routes';
import { historyFeed } from '../lib/status/feeds';

export const GET = feedRoute('application/atom+xml; charset=utf-8', (ctx) => historyFeed(ctx).atom1());
