import { feedRoute } from '../lib/status/routes';
import { historyFeed } from '../lib/status/feeds';

export const GET = feedRoute('application/rss+xml; charset=utf-8', (ctx) => historyFeed(ctx).rss2());
