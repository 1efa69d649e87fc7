import { readEnv } from '../src/lib/env';
import { openDatabase } from '../src/lib/db';
import { AppError } from '../src/lib/errors';
import { createUser } from '../src/lib/auth/users';
import { roleSchema } from '../src/lib/auth/users';
import { systemActor } from '../src/lib/audit';
import { parseArgs, runCli } from './lib/cli';

/** The whole of standard input, without its final line break. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

// npm run user:add -- --email E --role admin|client   (the password is read from standard input)
runCli(async () => {
  const { flags, positional } = parseArgs(process.argv.slice(2), { email: 'string', role: 'string' });
  if (positional.length || typeof flags.email !== 'string' || typeof flags.role !== 'string') {
    throw new AppError('VALIDATION', 'usage: npm run user:add -- --email E --role admin|client  (password on standard input)');
  }
  if (!roleSchema.safeParse(flags.role).success) throw new AppError('VALIDATION', `--role must be admin or client, got "${flags.role}"`);
  if (process.stdin.isTTY) process.stderr.write('Password (at least 12 characters), then Enter and Ctrl-D: ');
  const password = await readStdin();
  const db = openDatabase(readEnv().DATABASE_PATH);
  try {
    const user = await createUser(db, systemActor('user:add'), { email: flags.email, role: flags.role as 'admin' | 'client', password });
    process.stdout.write(`created ${user.role} ${user.email}\n`);
  } finally {
    db.$client.close();
  }
});
