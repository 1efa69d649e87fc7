import { eq } from 'drizzle-orm';
import type { Db } from './db';
import { settings } from '../../db/schema/index';

export function getSetting(db: Db, key: string): string | null {
  return db.select().from(settings).where(eq(settings.key, key)).get()?.value ?? null;
}

export function setSetting(db: Db, key: string, value: string | null): void {
  if (value === null) db.delete(settings).where(eq(settings.key, key)).run();
  else db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } }).run();
}

/** True while the database holds only the sample loaded into an empty database at first start. */
export function holdsSampleData(db: Db): boolean {
  return getSetting(db, 'sample_data') === '1';
}
