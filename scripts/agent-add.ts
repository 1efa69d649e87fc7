import { readEnv } from '../src/lib/env';
import { openDatabase } from '../src/lib/db';
import { AppError } from '../src/lib/errors';
import { systemActor } from '../src/lib/audit';
import { addAgent } from '../src/lib/agents/locations';
import { parseArgs, runCli } from './lib/cli';

// npm run agent:add -- --name NAME [--label-ja 大阪] [--label-en Osaka] [--control URL]
// Registers a probe agent location and prints its token once, on the last line.
runCli(() => {
  const { flags, positional } = parseArgs(process.argv.slice(2), { name: 'string', 'label-ja': 'string', 'label-en': 'string', control: 'string' });
  if (positional.length || typeof flags.name !== 'string') {
    throw new AppError('VALIDATION', 'usage: npm run agent:add -- --name NAME [--label-ja 大阪] [--label-en Osaka] [--control URL]');
  }
  const db = openDatabase(readEnv().DATABASE_PATH);
  try {
    const { location, token } = addAgent(db, systemActor('agent:add'), {
      name: flags.name,
      labelJa: flags['label-ja'] as string | undefined,
      labelEn: flags['label-en'] as string | undefined,
      controlTarget: flags.control as string | undefined,
    });
    process.stdout.write(`added agent location ${location.slug} (${location.labelJa}); its token is shown only now:\n${token}\n`);
  } finally {
    db.$client.close();
  }
});
