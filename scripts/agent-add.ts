import { readEnv } from '../src/lib/env';
import { openDatabase } from '../src/lib/db';
import { AppError } from '../src/lib/errors';
import { systemActor } from '../src/lib/audit';
import { addAgent, locationBySlug, reissueAgent } from '../src/lib/agents/locations';
import { parseArgs, runCli } from './lib/cli';

const USAGE = 'usage: npm run agent:add -- --name NAME [--label-ja 大阪] [--label-en Osaka] [--control URL], or --name NAME --reissue';

// npm run agent:add -- --name NAME [--label-ja 大阪] [--label-en Osaka] [--control URL]
// Registers a probe agent location and prints its token once, on the last line.
// npm run agent:add -- --name NAME --reissue
// Issues a new token for that location (the old one is refused from then on), printed likewise.
runCli(() => {
  const { flags, positional } = parseArgs(process.argv.slice(2), { name: 'string', 'label-ja': 'string', 'label-en': 'string', control: 'string', reissue: 'boolean' });
  if (positional.length || typeof flags.name !== 'string') throw new AppError('VALIDATION', USAGE);
  if (flags.reissue && (flags['label-ja'] !== undefined || flags['label-en'] !== undefined || flags.control !== undefined)) throw new AppError('VALIDATION', USAGE);
  const db = openDatabase(readEnv().DATABASE_PATH);
  try {
    if (flags.reissue) {
      const found = locationBySlug(db, flags.name);
      if (!found || found.slug === 'local') throw new AppError('NOT_FOUND', `no agent location named "${flags.name}"`);
      const { location, token } = reissueAgent(db, systemActor('agent:add'), found.id);
      process.stdout.write(`issued a new token for agent location ${location.slug} (${location.labelJa}); the old one is refused from now on. The new token is shown only now:\n${token}\n`);
      return;
    }
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
