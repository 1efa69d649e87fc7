import { AppError, type AppErrorCode } from '../../src/lib/errors';

/** Exit codes of the command-line tools, one per kind of error. */
export const exitCodes: Record<AppErrorCode, number> = {
  VALIDATION: 2, CONFLICT: 3, NOT_FOUND: 4, UNAUTHORIZED: 5, FORBIDDEN: 5, CONFIG: 78, DATABASE: 74,
};

/** Prints an error the way a person reads it (every issue with its path) and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof AppError) {
    process.stderr.write(`error: ${err.message}\n`);
    for (const issue of err.issues) process.stderr.write(`  ${issue.path}: ${issue.message}\n`);
    return exitCodes[err.code];
  }
  process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}

/** Runs a command's main function and turns its errors into a message and an exit code. */
export function runCli(main: () => Promise<void> | void): void {
  Promise.resolve()
    .then(main)
    .catch((err) => {
      process.exitCode = reportError(err);
    });
}

/** Reads `--name value` and `--flag` arguments; anything unknown is an error. */
export function parseArgs(argv: string[], spec: Record<string, 'string' | 'boolean'>): { flags: Record<string, string | boolean>; positional: string[] } {
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    const kind = spec[name];
    if (!kind) throw new AppError('VALIDATION', `unknown option --${name}; options: ${Object.keys(spec).map((k) => `--${k}`).join(', ') || 'none'}`);
    if (kind === 'boolean') flags[name] = true;
    else {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new AppError('VALIDATION', `--${name} needs a value`);
      flags[name] = value;
    }
  }
  return { flags, positional };
}
