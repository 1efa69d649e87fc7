import { historyMonthPage } from '../../../lib/status/routes';

export const GET = historyMonthPage('ja');
