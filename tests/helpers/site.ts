import { spawn, type ChildProcess } from 'node:child_process';
import { basename, resolve } from 'node:path';

/** The built program of a script (scripts/sla.ts → build/sla.mjs), as production runs it. */
export function builtScript(script: string): string {
  return resolve('build', `${basename(script).replace(/\.ts$/, '')}.mjs`);
}

export interface RunningSite {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<number | null>;
}

/**
 * Starts the built site as `npm start` does (node build/start.mjs) on a free port, with the
 * given environment (DATABASE_PATH at least), and waits until it listens.
 */
export async function startSite(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningSite> {
  const child = spawn(process.execPath, [builtScript('scripts/start.ts')], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`site did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = () => {
      const m = /Status site at (http:\/\/\S+?)\/?\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        ready(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`site exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    process: child,
    output: () => out,
    stop: () => new Promise((done) => {
      if (child.exitCode !== null) return done(child.exitCode);
      child.once('exit', (code) => done(code));
      child.kill('SIGTERM');
    }),
  };
}

/** Polls `fn` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 30_000, everyMs = 250): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Runs a script (scripts/*.ts, as built in build/) to its end without blocking the test's event loop. */
export function runScript(script: string, args: string[] = [], env: Record<string, string> = {}, input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [builtScript(script), ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('exit', (status) => done({ status, stdout, stderr }));
    child.stdin!.end(input ?? '');
  });
}
