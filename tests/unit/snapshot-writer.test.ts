import { describe, it, expect, afterEach } from 'vitest';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { SnapshotWriter, snapshotDir } from '../../src/lib/status/snapshot';
import { snapshotFile, standingKeys } from '../../src/lib/status/public-answers';
import { parseConfig } from '../../src/lib/config';
import { tempDir } from '../helpers/temp';
import { waitFor } from '../helpers/site';

const cleanups: Array<() => void> = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });
const temp = () => { const t = tempDir('snapshot-'); cleanups.push(t.remove); return t.dir; };

const answer = (key: string, text: string) => ({ key, body: Buffer.from(text), gzip: gzipSync(text) });

describe('the failover snapshot', () => {
  it('places every standing answer where nginx looks for it, English ones asked with ?lang=en under lang-en/', () => {
    expect(snapshotFile('/s', '/')).toBe('/s/index.html');
    expect(snapshotFile('/s', '/en/')).toBe('/s/en/index.html');
    expect(snapshotFile('/s', '/api/v2/summary.json?lang=en')).toBe('/s/lang-en/api/v2/summary.json');
    expect(snapshotFile('/s', '/history.atom')).toBe('/s/history.atom');
    const keys = standingKeys(['web', 'learn']);
    for (const k of ['/', '/en/', '/api/v2/scheduled-maintenances/active.json?lang=en', '/maintenance.ics', '/history.rss?lang=en', '/badge/learn.svg']) expect(keys).toContain(k);
  });

  it('lives next to the database unless snapshot.dir says otherwise, and refuses a copy_to that is neither a folder nor a command', () => {
    expect(snapshotDir(parseConfig({}), '/var/lib/status/status.db')).toBe('/var/lib/status/snapshot');
    expect(snapshotDir(parseConfig({ snapshot: { dir: '/srv/snap' } }), '/var/lib/status/status.db')).toBe('/srv/snap');
    expect(() => parseConfig({ snapshot: { copy_to: { cmd: 'rsync' } } })).toThrow(/snapshot\.copy_to/);
    expect(parseConfig({ snapshot: { copy_to: { command: 'rsync -a ./ web2:/srv/' } } }).snapshot.copy_to).toEqual({ command: 'rsync -a ./ web2:/srv/' });
  });

  it('writes files whole (with their gzip form) and copies them to a second folder', () => {
    const dir = temp();
    const second = temp();
    const w = new SnapshotWriter(dir, second);
    w.write([answer('/', '<p>page</p>'), answer('/api/v2/status.json?lang=en', '{"a":1}')], Date.UTC(2026, 10, 28, 1, 2, 3));
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe('<p>page</p>');
    expect(gunzipSync(readFileSync(join(dir, 'index.html.gz'))).toString()).toBe('<p>page</p>');
    expect(readFileSync(join(dir, 'lang-en/api/v2/status.json'), 'utf8')).toBe('{"a":1}');
    expect(readFileSync(join(dir, 'updated-at.txt'), 'utf8')).toBe('2026-11-28T01:02:03.000Z\n');
    expect(readFileSync(join(second, 'lang-en/api/v2/status.json'), 'utf8')).toBe('{"a":1}');
    expect(readFileSync(join(second, 'index.html'), 'utf8')).toBe('<p>page</p>');
    w.write([answer('/', '<p>new</p>')], Date.now());
    expect(readFileSync(join(second, 'index.html'), 'utf8')).toBe('<p>new</p>');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('never recreates a deleted data folder: it writes nothing until the folder is back', () => {
    const data = temp();
    const dir = join(data, 'snapshot');
    const w = new SnapshotWriter(dir, null);
    w.write([answer('/', '<p>page</p>')], Date.now());
    expect(existsSync(join(dir, 'index.html'))).toBe(true);
    rmSync(data, { recursive: true, force: true });
    w.write([answer('/', '<p>later</p>')], Date.now());
    expect(existsSync(data)).toBe(false);
  });

  it('runs a copy command in the snapshot folder after a write', async () => {
    const dir = temp();
    const second = temp();
    const w = new SnapshotWriter(dir, { command: `cp -R . "${second}/copy" && test "$SNAPSHOT_DIR" = "$(pwd)"` });
    w.write([answer('/en/', '<p>en</p>')], Date.now());
    await waitFor(() => existsSync(join(second, 'copy/en/index.html')), 10_000, 50);
    expect(readFileSync(join(second, 'copy/en/index.html'), 'utf8')).toBe('<p>en</p>');
  });
});
