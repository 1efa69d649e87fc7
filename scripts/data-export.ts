import { readEnv } from '../src/lib/env';
import { openDatabase } from '../src/lib/db';
import { exportInterchange, exportToFile } from '../src/lib/interchange/export';
import { parseArgs, runCli } from './lib/cli';

// npm run data:export -- [--out FILE]: the whole configuration and history; standard output without --out.
runCli(() => {
  const { flags } = parseArgs(process.argv.slice(2), { out: 'string' });
  const env = readEnv();
  const db = openDatabase(env.DATABASE_PATH, { mustExist: true });
  try {
    if (typeof flags.out === 'string') {
      exportToFile(db, flags.out);
      process.stderr.write(`exported to ${flags.out}\n`);
    } else {
      exportInterchange(db, (chunk) => process.stdout.write(chunk));
    }
  } finally {
    db.$client.close();
  }
});
