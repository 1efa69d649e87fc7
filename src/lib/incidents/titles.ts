import type { impacts } from '../../../db/schema/incidents';

export type QuickImpact = (typeof impacts)[number];

/** Title templates by impact, in both languages: `{service}` is the service's name. */
export const quickTitles: Record<QuickImpact, { ja: string; en: string }> = {
  major_outage: { ja: '{service}をご利用いただけない状態です', en: '{service} is unavailable' },
  partial_outage: { ja: '{service}の一部の機能をご利用いただけない状態です', en: 'Part of {service} is unavailable' },
  degraded_performance: { ja: '{service}の動作が遅くなっています', en: '{service} is slow' },
};

/**
 * The public title of an outage of a service: the only words a draft the probe opened
 * carries, so that nothing the probe says (a monitor's name, its error) reaches the public.
 */
export function publicTitle(impact: QuickImpact, service: { nameJa: string; nameEn: string | null }): { ja: string; en: string } {
  const template = quickTitles[impact];
  return { ja: template.ja.replace('{service}', service.nameJa), en: template.en.replace('{service}', service.nameEn ?? service.nameJa) };
}

