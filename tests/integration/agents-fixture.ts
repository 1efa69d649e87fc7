import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { builtScript } from '../helpers/site';

/** A port free right now on 127.0.0.1 (for a site that must come back on the same address). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A port nothing listens on: connections to it are refused. */
export const closedPort = freePort;

export interface RunningAgent {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Starts `npm run agent` (the built scripts/agent.ts) as its own process; `prefix` runs it under another command (faketime). */
/**
 * The faketime offset that puts a process `seconds` ahead of this one, whose clock may itself
 * be moved by faketime (CI runs the suite a second time on a moved clock).
 */
export function clockAhead(seconds: number): string[] {
  const outer = /^([+-]\d+)s$/.exec(process.env.FAKETIME ?? '');
  const offset = (outer ? Number(outer[1]) : 0) + seconds;
  return ['faketime', '-f', `${offset >= 0 ? '+' : ''}${offset}s`];
}

export function startAgent(args: string[], env: Record<string, string> = {}, prefix: string[] = []): RunningAgent {
  const command = [...prefix, process.execPath, builtScript('scripts/agent.ts'), ...args];
  // A clock of its own (`faketime` as the prefix) replaces any the tests run under.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(prefix[0] === 'faketime' && /^(LD_PRELOAD|FAKETIME)/.test(k))));
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...inherited, LOG_LEVEL: 'info', AGENT_SEND_EVERY_MS: '1000', AGENT_RELOAD_EVERY_MS: '3000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    process: child,
    output: () => out,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      return exited;
    },
  };
}
