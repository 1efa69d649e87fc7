import type { APIRoute } from 'astro';
import { getRuntime } from '../../../lib/runtime';
import { authenticateSource } from '../../../lib/alerts/sources';
import { alertsFromAlertmanager, storeAlerts } from '../../../lib/alerts/ingest';
import { alertAnswer } from '../../../lib/alerts/http';

/**
 * Prometheus Alertmanager's webhook (`webhook_configs` with `http_config.authorization`
 * credentials set to the source's token). Each alert maps to the external monitors whose
 * matchers its labels satisfy (src/lib/probe/checks/external.ts).
 */
export const POST: APIRoute = async ({ request }) => {
  const { db } = getRuntime();
  const source = authenticateSource(db, 'alertmanager', request.headers.get('authorization'));
  if (!source) return alertAnswer(401, { ok: false, error: 'a bearer token of an active Alertmanager alert source is required' });
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    return alertAnswer(400, { ok: false, error: 'the body is not JSON' });
  }
  const alerts = alertsFromAlertmanager(body);
  if (typeof alerts === 'string') return alertAnswer(422, { ok: false, error: alerts });
  return alertAnswer(200, storeAlerts(db, source, alerts, Date.now()));
};
