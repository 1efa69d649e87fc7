import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface RunningWorker {
  process: ChildProcess;
  pid: number;
  output: () => string;
  /** Resolves with the exit status (or the signal's name) once the process has ended. */
  exited: Promise<number | string | null>;
  stop: () => Promise<number | string | null>;
}

/**
 * Starts the worker as `npm run probe` does (scripts/probe.ts), with the given environment
 * (LD_PRELOAD of libfaketime shifts its clock). Its log lines are collected.
 */
export function startWorker(env: Record<string, string>): RunningWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('scripts/probe.ts')], { env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string | null>((done) => child.on('exit', (code, signal) => done(code ?? signal)));
  return {
    process: child,
    pid: child.pid!,
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
      }
      return exited;
    },
  };
}

/** The JSON log lines of a worker's output with the given event name. */
export function logEvents(output: string, event: string): Array<Record<string, unknown>> {
  return output.split('\n').filter((l) => l.startsWith('{')).map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      return {};
    }
  }).filter((e) => e.event === event);
}
