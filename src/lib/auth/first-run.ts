import type { Db } from '../db';
import { PASSWORD_MIN_LENGTH } from './password';

/**
 * What `npm start` tells a newcomer after the site address: where to sign in and, while no
 * admin account exists, the exact command that creates the first one.
 */
export function firstRunLines(db: Db, siteUrl: string, databasePath: string, defaultDatabasePath = 'data/status.db'): string[] {
  const base = siteUrl.replace(/\/+$/, '');
  const lines = [`Sign in at ${base}/login`];
  const admins = db.$client.prepare("SELECT count(*) FROM users WHERE role = 'admin'").pluck().get() as number;
  if (admins === 0) {
    const dbPrefix = databasePath === defaultDatabasePath ? '' : `DATABASE_PATH=${shellQuote(databasePath)} `;
    lines.push(
      `No admin account exists yet. Create the first one (it asks for a password of at least ${PASSWORD_MIN_LENGTH} characters):`,
      `  ${dbPrefix}npm run user:add -- --email admin@example.jp --role admin`,
    );
  }
  return lines;
}

function shellQuote(s: string): string {
  return /^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
