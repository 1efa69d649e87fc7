// Plain JavaScript on purpose: this file runs before anything is compiled.
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { buildIfNeeded, builtProgram, programs } from './build.mjs';

/**
 * `npm start` and the other npm scripts: `node scripts/run.mjs NAME [args…]` builds what is
 * missing or older than its sources (a fresh clone builds once), then runs the built program
 * build/NAME.mjs in this same process: one `node`, no compiler loaded.
 */
const [name, ...args] = process.argv.slice(2);
if (!name || !programs().includes(name)) {
  process.stderr.write(`usage: node scripts/run.mjs <${programs().join('|')}> [arguments]\n`);
  process.exit(2);
}
try {
  await buildIfNeeded();
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
const file = builtProgram(name);
if (!existsSync(file)) {
  process.stderr.write(`${file} is missing after the build\n`);
  process.exit(1);
}
process.argv = [process.argv[0], file, ...args];
await import(pathToFileURL(file).href);
