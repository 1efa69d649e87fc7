import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Config } from '../config';
import { log } from '../log';
import { snapshotFile } from './public-answers';

/**
 * The failover snapshot: the standing public answers as static files, so that a web server
 * (deploy/nginx/status.conf) serves the page, the API and the feeds while the site does not
 * answer, and a second server can serve a copy (`snapshot.copy_to`). Each file is written
 * beside its place and renamed over it, so a reader sees the old file or the new one, never
 * half of one. The pages say when they were rendered ("last updated at").
 */
export interface SnapshotAnswer {
  key: string;
  body: Buffer;
  gzip: Buffer | null;
}

type CopyTo = Config['snapshot']['copy_to'];

/** The snapshot folder: `snapshot.dir`, or `snapshot/` next to the database. */
export function snapshotDir(config: Config, databasePath: string): string {
  return resolve(config.snapshot.dir ?? join(dirname(resolve(databasePath)), 'snapshot'));
}

function writeAtomically(file: string, data: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export class SnapshotWriter {
  private readonly dir: string;
  private copying = false;
  private copyAgain = false;
  private missingLogged = false;

  constructor(dir: string, private readonly copyTo: CopyTo) {
    this.dir = resolve(dir);
  }

  /** Writes the answers (and their .gz beside them, for gzip_static), then pushes the copy. */
  write(answers: readonly SnapshotAnswer[], writtenAt: number): void {
    if (answers.length === 0) return;
    // The folder holding the snapshot (the database's, by default) must exist: a deleted data
    // folder is a fault to report (the worker does), never one to paper over by recreating it.
    if (!existsSync(dirname(this.dir))) {
      if (!this.missingLogged) log.error('snapshot.folder_gone', { dir: dirname(this.dir) });
      this.missingLogged = true;
      return;
    }
    this.missingLogged = false;
    const files: string[] = [];
    for (const a of answers) {
      const file = snapshotFile(this.dir, a.key);
      writeAtomically(file, a.body);
      files.push(file);
      if (a.gzip) {
        writeAtomically(`${file}.gz`, a.gzip);
        files.push(`${file}.gz`);
      } else rmSync(`${file}.gz`, { force: true });
    }
    writeAtomically(join(this.dir, 'updated-at.txt'), Buffer.from(`${new Date(writtenAt).toISOString()}\n`));
    files.push(join(this.dir, 'updated-at.txt'));
    this.copy(files);
  }

  private copy(files: string[]): void {
    const to = this.copyTo;
    if (!to) return;
    if (typeof to === 'string') {
      const target = resolve(to);
      try {
        for (const f of files) writeAtomically(join(target, relative(this.dir, f)), readFileSync(f));
      } catch (err) {
        log.error('snapshot.copy_failed', { to: target, error: (err as Error).message });
      }
      return;
    }
    // A command (rsync over ssh…) runs in the snapshot folder, one at a time; changes made
    // while it runs are sent by one more run after it.
    if (this.copying) {
      this.copyAgain = true;
      return;
    }
    this.copying = true;
    const child = spawn('/bin/sh', ['-c', to.command], { cwd: this.dir, env: { ...process.env, SNAPSHOT_DIR: this.dir }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => { if (err.length < 2000) err += d; });
    let ended = false;
    const done = (code: number | null, error?: Error) => {
      if (ended) return;
      ended = true;
      this.copying = false;
      if (error || code !== 0) log.error('snapshot.copy_failed', { command: to.command, code, error: error?.message ?? err.trim() });
      if (this.copyAgain) {
        this.copyAgain = false;
        this.copy([]);
      }
    };
    child.on('error', (e) => done(null, e));
    child.on('exit', (code) => done(code));
  }
}
