import { z } from 'zod';
import type { Db } from '../db';
import type { Actor } from '../audit';
import { impacts } from '../../../db/schema/incidents';
import { AppError } from '../errors';
import { createIncident, setIncidentTime, parseInput, type Notify } from './verbs';
import { publicTitle } from './titles';

export { quickTitles, type QuickImpact } from './titles';

/**
 * Recording an outage at 3 a.m.: the service, the impact and (optionally) the words of the
 * first public update; the title comes from a template by impact. The admin's awareness is
 * the moment of recording, so the contract's timers run from the first second; everything
 * else (cause, severity, English text) is added later on the incident's page.
 */
export const quickImpacts = [...impacts].reverse() as Array<(typeof impacts)[number]>;

/** The first public update, unless the admin writes another. */
export const quickFirstUpdate = {
  ja: '現在、障害が発生しています。原因を調査しており、状況がわかり次第お知らせします。ご不便をおかけし申し訳ありません。',
  en: 'We are aware of a problem and are investigating. We will post more as soon as we know. We apologise for the inconvenience.',
};

export const quickOutageSchema = z.strictObject({
  serviceId: z.number().int().positive(),
  impact: z.enum(impacts),
  /** Empty: the template's title. */
  titleJa: z.string().trim().max(200),
  bodyJa: z.string().trim().min(1).max(20_000),
});
export type QuickOutageInput = z.input<typeof quickOutageSchema>;

export interface QuickOutageResult { id: number; updateId: number }

export function recordOutage(db: Db, actor: Actor, input: QuickOutageInput, now = Date.now(), zone = 'Asia/Tokyo', notify: Notify = {}): QuickOutageResult {
  const v = parseInput(quickOutageSchema, input);
  const service = db.$client.prepare('SELECT name_ja AS nameJa, name_en AS nameEn FROM services WHERE id = ?').get(v.serviceId) as { nameJa: string; nameEn: string | null } | undefined;
  if (!service) throw new AppError('VALIDATION', `serviceId: no service ${v.serviceId}`, [{ path: 'serviceId', message: 'unknown_service' }]);
  const template = publicTitle(v.impact, service);
  const titleJa = v.titleJa !== '' ? v.titleJa : template.ja;
  const titleEn = v.titleJa !== '' ? null : template.en;
  const bodyEn = v.bodyJa === quickFirstUpdate.ja ? quickFirstUpdate.en : null;
  const result = db.$client.transaction(() => {
    const created = createIncident(db, actor, {
      kind: 'failure', severity: v.impact === 'major_outage' ? 'major' : 'minor', titleJa, titleEn,
      services: [{ serviceId: v.serviceId, impact: v.impact }], cause: null, fix: null, prevention: null, causeKnown: null,
      forceMajeure: false, forceMajeureReason: null, startedAt: now,
      firstUpdate: { status: 'investigating', bodyJa: v.bodyJa, bodyEn, published: true },
    }, now, zone);
    // Recorded by hand: aware now (SLA.md), so every timer runs from this moment.
    if (created.awareAt === null) setIncidentTime(db, actor, created.id, 'awareAt', now, now);
    return { id: created.id, updateId: created.updates[0]!.id };
  })();
  void notify.onPublished?.(result.id, result.updateId);
  return result;
}

