import { afterEach, describe, expect, it } from 'vitest';
import { log, scrub, scrubText } from '../../src/lib/log';

describe('structured logs', () => {
  const original = process.stderr.write.bind(process.stderr);
  afterEach(() => {
    process.stderr.write = original;
  });

  function capture(fn: () => void): Array<Record<string, unknown>> {
    const lines: string[] = [];
    process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      fn();
    } finally {
      process.stderr.write = original;
    }
    return lines.map((l) => {
      expect(l.endsWith('\n')).toBe(true);
      expect(l.trimEnd()).not.toContain('\n');
      return JSON.parse(l) as Record<string, unknown>;
    });
  }

  it('writes one JSON line an event with time, level and event name', () => {
    const [line] = capture(() => log.error('backup.failed', { ms: 1234 }));
    expect(line).toMatchObject({ level: 'error', event: 'backup.failed', ms: 1234 });
    expect(Date.parse(line!.time as string)).not.toBeNaN();
  });

  it('leaves out lines below LOG_LEVEL', () => {
    expect(capture(() => log.debug('noise'))).toEqual([]);
  });

  it('keeps secrets and personal data out', () => {
    const [line] = capture(() => log.error('mail.failed', {
      smtp_url: 'smtp://user:hunter2@mail.example.jp:587',
      password: 'hunter2',
      session_id: 'abc',
      to: 'tanaka.hanako@example.lg.jp',
      error: 'connect to smtps://relay:s3cret@mail.example.jp failed for yamada@example.jp',
      nested: { headers: { authorization: 'Bearer xyz' }, list: ['sato@example.com'] },
      count: 3,
    }));
    const text = JSON.stringify(line);
    for (const secret of ['hunter2', 'abc', 'tanaka', 'yamada', 's3cret', 'Bearer', 'sato@']) expect(text).not.toContain(secret);
    expect(line).toMatchObject({ password: '[redacted]', smtp_url: '[redacted]', to: '[email]', count: 3 });
    expect(line!.error).toBe('connect to smtps://[redacted]@mail.example.jp failed for [email]');
  });

  it('scrubs errors to their message and leaves ordinary text alone', () => {
    expect(scrub(new Error('db at /srv/status.db is locked'))).toBe('db at /srv/status.db is locked');
    expect(scrubText('https://status.example.jp/incidents/3')).toBe('https://status.example.jp/incidents/3');
    expect(scrub({ sha256: 'ab12', passed: 2 })).toEqual({ sha256: 'ab12', passed: 2 });
  });
});
