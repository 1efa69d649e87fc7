import { readEnv } from '../src/lib/env';
import { openDatabase } from '../src/lib/db';
import { exportInterchange, exportToFile } from '../src/lib/interchange/export';
import { parseArgs, runCli } from './lib/cli';

// npm run data:export -- [--out FILE] [--with-secrets]: the whole configuration and history; standard
// output without --out. Monitors' secrets are masked unless --with-secrets is given.
runCli(() => {
  const { flags } = parseArgs(process.argv.slice(2), { out: 'string', 'with-secrets': 'boolean' });
  const options = { withSecrets: flags['with-secrets'] === true };
  const env = readEnv();
  const db = openDatabase(env.DATABASE_PATH, { mustExist: true });
  try {
    if (typeof flags.out === 'string') {
      exportToFile(db, flags.out, options);
      process.stderr.write(`exported to ${flags.out}\n`);
    } else {
      exportInterchange(db, (chunk) => process.stdout.write(chunk), options);
    }
  } finally {
    db.$client.close();
  }
});
