import type { APIRoute } from 'astro';
import { getRuntime } from '../../../lib/runtime';
import { authenticateSource } from '../../../lib/alerts/sources';
import { alertsFromZabbix, storeAlerts } from '../../../lib/alerts/ingest';
import { alertAnswer } from '../../../lib/alerts/http';

/**
 * Zabbix's webhook media type (deploy/zabbix/status-site.js) posts a problem (value 1) and
 * its recovery (value 0) here with the source's token. The alert maps to the external
 * monitors whose matchers its host, severity, trigger and tags satisfy.
 */
export const POST: APIRoute = async ({ request }) => {
  const { db } = getRuntime();
  const source = authenticateSource(db, 'zabbix', request.headers.get('authorization'));
  if (!source) return alertAnswer(401, { ok: false, error: 'a bearer token of an active Zabbix alert source is required' });
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    return alertAnswer(400, { ok: false, error: 'the body is not JSON' });
  }
  const alerts = alertsFromZabbix(body, Date.now());
  if (typeof alerts === 'string') return alertAnswer(422, { ok: false, error: alerts });
  return alertAnswer(200, storeAlerts(db, source, alerts, Date.now()));
};
