import { readEnv, publicUrl } from '../env';
import { openDatabase } from '../db';
import { seedSampleIfEmpty } from './sample';

/**
 * Loads the sample into an empty database, as a process of its own that `npm start` runs and
 * waits for (scripts/start.ts): the sample's 90 days are built in memory at once, and a
 * process that ends gives all of that back, where the site would keep it for good.
 */
const env = readEnv();
const db = openDatabase(env.DATABASE_PATH, { migrate: false });
try {
  seedSampleIfEmpty(db, publicUrl(env));
} finally {
  db.$client.close();
}
