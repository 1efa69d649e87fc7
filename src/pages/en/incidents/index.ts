import { publicPage } from '../../../lib/status/routes';

export const GET = publicPage('en', () => 'incidents');
