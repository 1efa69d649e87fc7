import { describe, it, expect } from 'vitest';
import { JsonStream, JsonSyntaxError } from '../../src/lib/interchange/json-stream';

/** Feeds `text` in pieces of the given sizes and collects the streamed `checks`. */
function read(text: string, sizes: number[]) {
  const got: Array<[number, unknown]> = [];
  const p = new JsonStream(new Set(['checks']), (_name, i, v) => got.push([i, v]));
  let at = 0;
  for (let k = 0; at < text.length; k++) {
    const n = sizes[k % sizes.length]!;
    p.feed(text.slice(at, at + n));
    at += n;
  }
  return { doc: p.end(), got };
}

describe('the streaming JSON reader', () => {
  const doc = {
    version: 1,
    services: [{ slug: 'web', name: { ja: 'ウェブ "引用" \\ / \n\t', en: 'Web \u00e9 \ud83d\ude00' }, sla_target_pct: 99.95, sort_order: -1 }],
    checks: Array.from({ length: 50 }, (_, i) => ({ monitor: 'web-http', at: `2026-11-01T00:${String(i).padStart(2, '0')}:00Z`, status: i % 7 ? 'up' : 'down', latency_ms: i % 5 ? i * 3 : null, error: i % 7 ? undefined : 'HTTP 503 \u0001' })),
    nested: { checks: [1, 2, 3], empty: [], obj: {}, t: true, f: false, n: null, big: 1.5e10, neg: -0.25 },
  };
  const text = JSON.stringify(doc, null, 1);

  it('reads what JSON.parse reads, whatever the pieces, handing out only the top-level checks one by one', () => {
    const expected = JSON.parse(text) as { checks: unknown[] };
    for (const sizes of [[1], [2, 3], [7], [64], [1000, 1], [text.length]]) {
      const { doc: got, got: checks } = read(text, sizes);
      expect(checks.map(([, v]) => v)).toEqual(expected.checks);
      expect(checks.map(([i]) => i)).toEqual(expected.checks.map((_, i) => i));
      expect(got).toEqual({ ...expected, checks: [] });
    }
  });

  it('refuses what is not JSON, naming the line and column', () => {
    const bad = ['{"a": 1,}', '{"a" 1}', '[1 2]', '{"a": tru}', '{"a": 01}', '{"a": "x\ny"}', '{"a": "\\q"}', '{"a": 1} x', '{"a": [1, 2', '"abc'];
    for (const b of bad) {
      expect(() => JSON.parse(b), b).toThrow();
      expect(() => read(b, [3]), b).toThrow(JsonSyntaxError);
    }
    expect(() => read('{\n  "a": ?\n}', [100])).toThrow(/line 2, column 8/);
  });
});
