import { incidentFieldsSchema, createIncidentSchema, updateInputSchema, type IncidentFields } from './input';
import { zodErrors, fromLocalInput, type AdminLang, adminWords } from '../i18n-admin';
import { str } from '../auth/context';

/** Reads the incident form (field names as in the schema; impacts as `impact.<serviceId>`). */
export function incidentFieldsFrom(form: FormData, serviceIds: number[]) {
  const causeKnown = str(form, 'causeKnown');
  return {
    kind: str(form, 'kind'),
    severity: str(form, 'severity'),
    titleJa: str(form, 'titleJa'),
    titleEn: str(form, 'titleEn'),
    services: serviceIds.filter((id) => str(form, `impact.${id}`) !== '').map((id) => ({ serviceId: id, impact: str(form, `impact.${id}`) })),
    cause: str(form, 'cause'),
    fix: str(form, 'fix'),
    prevention: str(form, 'prevention'),
    causeKnown: causeKnown === 'known' ? true : causeKnown === 'unknown' ? false : null,
    causeCategory: str(form, 'causeCategory'),
    forceMajeure: form.get('forceMajeure') === 'on',
    forceMajeureReason: str(form, 'forceMajeureReason'),
  };
}

type Result<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

/** A cause category must be one of the configured list (config `incidents.cause_categories`). */
function checkCategory(value: { causeCategory?: string | null }, categories: readonly string[], lang: AdminLang, errors: Record<string, string>): void {
  if (value.causeCategory && !categories.includes(value.causeCategory)) errors.causeCategory = adminWords[lang].errors.invalid;
}

export function parseIncidentFields(form: FormData, serviceIds: number[], lang: AdminLang, categories: readonly string[] = []): Result<IncidentFields> {
  const r = incidentFieldsSchema.safeParse(incidentFieldsFrom(form, serviceIds));
  if (!r.success) return { ok: false, errors: zodErrors(r.error, lang) };
  const errors: Record<string, string> = {};
  checkCategory(r.data, categories, lang, errors);
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value: r.data };
}

export function parseNewIncident(form: FormData, serviceIds: number[], lang: AdminLang, zone: string, categories: readonly string[] = []) {
  const errors: Record<string, string> = {};
  const startedAt = fromLocalInput(str(form, 'startedAt'), zone);
  if (startedAt === null) errors.startedAt = adminWords[lang].errors.required;
  else if (Number.isNaN(startedAt)) errors.startedAt = adminWords[lang].errors.datetime;
  // Left empty, awareAt is the moment of recording (the verb's default).
  const awareAt = fromLocalInput(str(form, 'awareAt'), zone);
  if (awareAt !== null && Number.isNaN(awareAt)) errors.awareAt = adminWords[lang].errors.datetime;
  const hasUpdate = str(form, 'bodyJa').trim() !== '';
  const value = {
    ...incidentFieldsFrom(form, serviceIds),
    startedAt: startedAt ?? 0,
    awareAt: awareAt === null || Number.isNaN(awareAt) ? null : awareAt,
    firstUpdate: hasUpdate ? { status: str(form, 'status'), bodyJa: str(form, 'bodyJa'), bodyEn: str(form, 'bodyEn'), published: form.get('published') === 'on' } : null,
  };
  const r = createIncidentSchema.safeParse(value);
  if (!r.success) Object.assign(errors, Object.fromEntries(Object.entries(zodErrors(r.error, lang)).map(([k, v]) => [k.replace(/^firstUpdate\./, ''), v])));
  else checkCategory(r.data, categories, lang, errors);
  if (Object.keys(errors).length || !r.success) return { ok: false as const, errors };
  return { ok: true as const, value: r.data };
}

export function parseUpdate(form: FormData, lang: AdminLang) {
  const r = updateInputSchema.safeParse({ status: str(form, 'status'), bodyJa: str(form, 'bodyJa'), bodyEn: str(form, 'bodyEn'), published: form.get('published') === 'on' });
  return r.success ? { ok: true as const, value: r.data } : { ok: false as const, errors: zodErrors(r.error, lang) };
}
