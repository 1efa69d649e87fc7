import { z } from 'zod';
import { AppError } from './errors';

/**
 * The environment the programs read (CONTRACTS.md). A bad value stops the program at start
 * with a message that names the variable.
 */
const envSchema = z.object({
  DATABASE_PATH: z.string().min(1).default('data/status.db'),
  HOST: z.string().min(1).default('localhost'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4321),
  PUBLIC_URL: z.url().optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  CONFIG_PATH: z.string().min(1).optional(),
  /** `off` when the probe runs elsewhere (`npm run probe` on another host). */
  PROBE: z.enum(['on', 'off']).default('on'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // An empty variable means "not set", as shells often export them empty.
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: String(i.path[0]), message: i.message }));
    throw new AppError('CONFIG', issues.map((i) => `environment variable ${i.path}: ${i.message}`).join('; '), issues);
  }
  return parsed.data;
}

/** The address visitors use; links in mail and feeds are built on it. */
export function publicUrl(env: Env): string {
  if (env.PUBLIC_URL) return env.PUBLIC_URL.replace(/\/$/, '');
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? 'localhost' : env.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.PORT}`;
}
