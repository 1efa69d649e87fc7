// Plain JavaScript on purpose: this file runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The production build: `astro build` for the site (into ASTRO_OUT_DIR or dist/), then each
 * program in scripts/*.ts (the start script, the worker, every command-line tool) bundled by
 * esbuild into plain JavaScript in build/ (with the site's render thread), so that production runs `node` on built files and
 * no TypeScript compiler is loaded at run time. Packages stay in node_modules (external):
 * better-sqlite3 and the other native or heavy ones load as they are.
 *
 *   node scripts/build.mjs             everything
 *   node scripts/build.mjs --scripts   the programs only
 *   node scripts/build.mjs --if-needed only what is older than its sources
 */
export const root = resolve(import.meta.dirname, '..');
export const buildDir = join(root, 'build');

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/** The programs: every scripts/*.ts (the benchmarks under scripts/bench/ are development tools). */
export function programs() {
  return readdirSync(join(root, 'scripts')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
}

/** Entry points that are not programs: the site's render thread, the sample loader (started by build/start.mjs) and the worker's report issuer. */
const threads = { 'render-thread': 'src/lib/status/render-thread.ts', 'sample-load': 'src/lib/sample/load-process.ts', 'report-issue': 'src/lib/report/issue-process.ts' };

export function builtProgram(name) {
  return join(buildDir, `${name}.mjs`);
}

function siteEntry() {
  return join(resolve(root, process.env.ASTRO_OUT_DIR ?? 'dist'), 'server', 'entry.mjs');
}

export function buildSite() {
  const res = spawnSync(process.execPath, [join(root, 'node_modules/astro/astro.js'), 'build'], {
    // Its messages go to stderr: a command's standard output (JSON, a file's path) stays its own.
    cwd: root, stdio: ['ignore', process.stderr, 'inherit'], env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
  });
  if (res.status !== 0) throw new Error('building the site failed (see the messages above)');
  precompress(join(resolve(root, process.env.ASTRO_OUT_DIR ?? 'dist'), 'client'));
}

/**
 * Brotli (best quality) and gzip forms beside every text asset of the built site, made once
 * here rather than per visitor: the site (src/lib/status/assets.ts) and nginx (gzip_static)
 * send them to visitors who take them.
 */
export function precompress(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) {
      precompress(file);
      continue;
    }
    if (!/\.(js|mjs|css|svg|json|txt|html)$/.test(entry.name)) continue;
    const body = readFileSync(file);
    if (body.length < 512) continue;
    writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }));
    writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
  }
}

export async function buildPrograms() {
  const { build } = await import('esbuild');
  await build({
    absWorkingDir: root,
    entryPoints: {
      ...Object.fromEntries(programs().map((name) => [name, join(root, 'scripts', `${name}.ts`)])),
      ...Object.fromEntries(Object.entries(threads).map(([name, path]) => [name, join(root, path)])),
    },
    outdir: buildDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
}

const siteSources = () => ['src', 'db/schema', 'public', 'astro.config.mjs', 'package.json'].map((p) => newestMtime(join(root, p)));
const programSources = () => ['src/lib', 'scripts', 'db/schema', 'package.json'].map((p) => newestMtime(join(root, p)));

/** Builds whatever is missing or older than its sources; returns what it built. */
export async function buildIfNeeded() {
  const built = [];
  const entry = siteEntry();
  if (mtime(entry) < Math.max(...siteSources())) {
    process.stderr.write('building the site…\n');
    buildSite();
    built.push('site');
  }
  const oldest = Math.min(...[...programs(), ...Object.keys(threads)].map((name) => mtime(builtProgram(name))));
  if (oldest < Math.max(...programSources())) {
    process.stderr.write('building the programs…\n');
    await buildPrograms();
    built.push('programs');
  }
  return built;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  try {
    if (args.includes('--if-needed')) await buildIfNeeded();
    else {
      if (!args.includes('--scripts')) buildSite();
      await buildPrograms();
    }
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
