import { feedRoute } from '../lib/status/routes';
import { maintenanceCalendar } from '../lib/status/feeds';

export const GET = feedRoute('text/calendar; charset=utf-8', maintenanceCalendar);
