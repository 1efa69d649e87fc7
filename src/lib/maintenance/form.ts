import { stopInputSchema, type StopInput } from './verbs';
import { zodErrors, fromLocalInput, adminWords, type AdminLang } from '../i18n-admin';
import { str } from '../auth/context';

/** Reads the planned-stop form; times are `datetime-local` values in the zone. */
export function parseStopForm(form: FormData, lang: AdminLang, zone: string): { ok: true; value: StopInput; confirmed: boolean; announce: boolean } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const time = (name: string, required: boolean, fallback: number | null = null): number | null => {
    const v = fromLocalInput(str(form, name), zone);
    if (v === null) {
      if (required && fallback === null) errors[name] = adminWords[lang].errors.required;
      return fallback;
    }
    if (Number.isNaN(v)) {
      errors[name] = adminWords[lang].errors.datetime;
      return null;
    }
    return v;
  };
  const value = {
    category: str(form, 'category'),
    titleJa: str(form, 'titleJa'),
    titleEn: str(form, 'titleEn'),
    bodyJa: str(form, 'bodyJa'),
    bodyEn: str(form, 'bodyEn'),
    serviceIds: form.getAll('serviceIds').map((v) => Number(v)),
    scheduledStart: time('scheduledStart', true) ?? 0,
    scheduledEnd: time('scheduledEnd', true) ?? 0,
    clientApprovedAt: time('clientApprovedAt', false),
    holdOpen: form.get('holdOpen') === 'on',
  };
  const r = stopInputSchema.safeParse(value);
  if (!r.success) for (const [k, v] of Object.entries(zodErrors(r.error, lang))) errors[k] ??= v;
  if (Object.keys(errors).length || !r.success) return { ok: false, errors };
  return { ok: true, value: r.data, confirmed: form.get('confirmRules') === 'on', announce: form.get('announce') === 'on' };
}
