import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError, jsonPath } from './errors';

/**
 * The site's settings file (JSON, at CONFIG_PATH). Everything has a default that works, so
 * the file is optional. Services and monitors are not here: the database holds them.
 */
const configSchema = z.strictObject({
  site: z.strictObject({
    name: z.strictObject({ ja: z.string().min(1), en: z.string().min(1) }).default({ ja: 'サービス稼働状況', en: 'Service status' }),
    default_lang: z.enum(['ja', 'en']).default('ja'),
  }).default({ name: { ja: 'サービス稼働状況', en: 'Service status' }, default_lang: 'ja' }),
  zone: z.string().refine((z) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: z });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Asia/Tokyo').default('Asia/Tokyo'),
  fiscal_year_start_month: z.number().int().min(1).max(12).default(4),
  sla: z.strictObject({
    notice_days: z.number().int().min(0).default(14),
  }).default({ notice_days: 14 }),
  probe: z.strictObject({
    concurrency: z.number().int().min(1).max(1000).default(64),
    /** /healthz fails when the probe's heartbeat is older than this. */
    stale_after_s: z.number().int().min(5).default(60),
  }).default({ concurrency: 64, stale_after_s: 60 }),
});

export type Config = z.infer<typeof configSchema>;

export function parseConfig(value: unknown, source = 'configuration'): Config {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: jsonPath(i.path), message: i.message }));
    throw new AppError('CONFIG', `${source}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return parsed.data;
}

/** Reads and validates the file at `path`, or returns the defaults when there is none. */
export function loadConfig(path: string | undefined): Config {
  if (!path) return parseConfig({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('CONFIG', `cannot read the configuration file ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AppError('CONFIG', `the configuration file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(value, `configuration file ${path}`);
}
