import { resolve } from 'node:path';
import { AppError } from '../src/lib/errors';
import { Agent, AgentFatal } from '../src/lib/agents/agent';
import { log } from '../src/lib/log';
import { parseArgs, reportError } from './lib/cli';

const USAGE = 'usage: npm run agent -- --site URL --token TOKEN [--spool DIR] [--override-target FROM=TO]  (or AGENT_SITE and AGENT_TOKEN in the environment)';

// npm run agent -- --site URL --token TOKEN [--spool DIR]: a probe agent for another host.
// Exits 2 for a bad URL or a site that is not this application, 5 for a refused token.
async function main(): Promise<void> {
  const { flags, positional } = parseArgs(process.argv.slice(2), { site: 'string', token: 'string', spool: 'string', 'override-target': 'string' });
  // AGENT_SITE and AGENT_TOKEN may stand in for the flags, so the token need not appear in the process list.
  flags.site ??= process.env.AGENT_SITE ?? '';
  flags.token ??= process.env.AGENT_TOKEN ?? '';
  if (positional.length || typeof flags.site !== 'string' || !flags.site || typeof flags.token !== 'string' || !flags.token) throw new AppError('VALIDATION', USAGE);
  let site: URL;
  try {
    site = new URL(flags.site);
  } catch {
    throw new AppError('VALIDATION', `--site must be the site's http(s) address, such as https://status.example.jp/, got "${flags.site}"`);
  }
  if (site.protocol !== 'http:' && site.protocol !== 'https:') throw new AppError('VALIDATION', `--site must be an http(s) URL, got "${flags.site}"`);
  let targetOverride: { from: string; to: string } | null = null;
  if (typeof flags['override-target'] === 'string') {
    const [from, to] = flags['override-target'].split('=');
    if (!from || to === undefined) throw new AppError('VALIDATION', '--override-target must be FROM=TO, such as 10.0.0.5:443=192.0.2.5:443');
    targetOverride = { from, to };
  }
  const agent = new Agent({
    site: site.toString(),
    token: flags.token,
    spoolDir: resolve(typeof flags.spool === 'string' ? flags.spool : 'data/agent-spool'),
    targetOverride,
    sendEveryMs: Number(process.env.AGENT_SEND_EVERY_MS ?? 4000),
    reloadEveryMs: Number(process.env.AGENT_RELOAD_EVERY_MS ?? 60_000),
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('agent.signal', { signal });
    await agent.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  const fatal = await agent.start();
  const err = await fatal;
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(err.exitCode);
}

main().catch((err) => {
  if (err instanceof AgentFatal) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.exit(reportError(err));
});
