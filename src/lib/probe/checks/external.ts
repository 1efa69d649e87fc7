import { z } from 'zod';
import type { CheckType, CheckOutcome } from '../check-type';
import { matches, parseMatchers } from '../../alerts/matchers';
import { sourceBySlug } from '../../alerts/sources';

const externalOptions = z.strictObject({
  /** The alert source (admin pages, Alert sources) whose alerts this monitor follows. */
  source: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be the name of an alert source'),
});
export type ExternalOptions = z.infer<typeof externalOptions>;

/**
 * External: the state another monitoring tool reports (Prometheus Alertmanager, Zabbix;
 * src/lib/alerts). The target is a list of label matchers (`service="elearning",
 * severity="critical"`): down while an alert of the source matching them fires, up
 * otherwise. While the source is silent (no delivery, no Watchdog, for its silence time),
 * nothing is known: the check writes nothing, so the time becomes a gap, unmonitored and
 * never up.
 */
export const externalCheck: CheckType<ExternalOptions> = {
  type: 'external',
  options: externalOptions as unknown as z.ZodType<ExternalOptions>,
  validateTarget(target) {
    const parsed = parseMatchers(target);
    return typeof parsed === 'string' ? parsed : null;
  },
  async run({ target, options, monitor }): Promise<CheckOutcome> {
    if (!monitor?.db) return { status: 'down', latencyMs: null, reason: 'external monitors need the probe' };
    const matchers = parseMatchers(target);
    if (typeof matchers === 'string') return { status: 'down', latencyMs: null, reason: matchers };
    const db = monitor.db;
    const source = sourceBySlug(db, options.source);
    const now = Date.now();
    if (!source || source.revokedAt !== null) return { status: 'down', latencyMs: null, reason: `no active alert source named ${options.source}`, unmonitored: true };
    if (source.lastHeardAt === null || now - source.lastHeardAt > source.silenceAfterS * 1000) {
      return { status: 'down', latencyMs: null, reason: `alert source ${source.slug} silent`, unmonitored: true };
    }
    const firing = (db.$client.prepare("SELECT labels FROM external_alerts WHERE source_id = ? AND state = 'firing' ORDER BY starts_at")
      .pluck().all(source.id) as string[]).map((l) => JSON.parse(l) as Record<string, string>).filter((labels) => matches(matchers, labels));
    if (firing.length === 0) return { status: 'up', latencyMs: null, reason: null };
    const names = [...new Set(firing.map((l) => l.alertname ?? l.trigger ?? '?'))].slice(0, 5).join(', ');
    return { status: 'down', latencyMs: null, reason: `alert firing at ${source.slug}: ${names}` };
  },
};
