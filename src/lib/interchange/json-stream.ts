import { openSync, readSync, closeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * A JSON reader fed in pieces, for files too large to hold: the elements of the top-level
 * arrays named in `streamed` (the interchange file's `checks`) are handed to `onElement`
 * one at a time and not kept, everything else is built as JSON.parse would. Memory is
 * bounded by the largest element and the small parts, whatever the file's size.
 * Strict JSON (RFC 8259): a syntax error names its line and column.
 */
export class JsonSyntaxError extends Error {}

type Expect = 'value' | 'key_or_close' | 'key' | 'colon' | 'value_or_close' | 'comma_or_close' | 'end';
interface Frame {
  array: boolean;
  value: Record<string, unknown> | unknown[];
  key: string | null;
  /** For a streamed array: its name and the next element's index. */
  streamed: string | null;
  index: number;
}

const WS = new Set([' ', '\t', '\n', '\r']);
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
/** Where a string's plain run ends: its closing quote or an escape. */
const STRING_STOP = /["\\]/g;
const CONTROL = /[\u0000-\u001f]/;
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

export class JsonStream {
  private stack: Frame[] = [];
  private expect: Expect = 'value';
  private root: unknown = undefined;
  /** A string, number or literal cut by the end of a piece. */
  private token: { kind: 'string' | 'number' | 'literal'; text: string } | null = null;
  private line = 1;
  private column = 0;

  constructor(private readonly streamed: ReadonlySet<string>, private readonly onElement: (array: string, index: number, value: unknown) => void) {}

  private fail(message: string): never {
    throw new JsonSyntaxError(`${message} at line ${this.line}, column ${this.column}`);
  }

  /** The start of an escape cut by the end of the last piece. */
  private carry = '';

  /** Reads the next piece of the text. */
  feed(piece: string): void {
    const chunk = this.carry + piece;
    this.carry = '';
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.token) {
        i = this.continueToken(chunk, i);
        continue;
      }
      const ch = chunk[i]!;
      if (ch === '\n') {
        this.line++;
        this.column = 0;
        i++;
        continue;
      }
      this.column++;
      if (WS.has(ch)) {
        i++;
        continue;
      }
      i++;
      switch (this.expect) {
        case 'end':
          this.fail(`unexpected "${ch}" after the end of the document`);
        case 'colon':
          if (ch !== ':') this.fail(`expected ":" but found "${ch}"`);
          this.expect = 'value';
          continue;
        case 'comma_or_close': {
          const top = this.stack.at(-1)!;
          if (ch === ',') this.expect = top.array ? 'value' : 'key';
          else if (ch === (top.array ? ']' : '}')) this.close();
          else this.fail(`expected "," or "${top.array ? ']' : '}'}" but found "${ch}"`);
          continue;
        }
        case 'key_or_close':
        case 'key':
          if (ch === '}' && this.expect === 'key_or_close') {
            this.close();
            continue;
          }
          if (ch !== '"') this.fail(`expected a property name but found "${ch}"`);
          this.token = { kind: 'string', text: '' };
          continue;
        case 'value_or_close':
          if (ch === ']') {
            this.close();
            continue;
          }
        // falls through: a value
        case 'value':
          if (ch === '{' || ch === '[') this.open(ch === '[');
          else if (ch === '"') this.token = { kind: 'string', text: '' };
          else if (ch === '-' || (ch >= '0' && ch <= '9')) this.token = { kind: 'number', text: ch };
          else if (ch === 't' || ch === 'f' || ch === 'n') this.token = { kind: 'literal', text: ch };
          else this.fail(`unexpected "${ch}"`);
          continue;
      }
    }
  }

  /** Ends the text: returns the document with the streamed arrays left empty. */
  end(): unknown {
    if (this.carry) this.fail('unexpected end of the file inside a string');
    if (this.token && this.token.kind !== 'string') this.finishScalar();
    if (this.token || this.expect !== 'end') this.fail('unexpected end of the file');
    return this.root;
  }

  private continueToken(chunk: string, i: number): number {
    const t = this.token!;
    if (t.kind === 'string') {
      // Copy plain runs at once; handle escapes one by one.
      for (;;) {
        STRING_STOP.lastIndex = i;
        const stop = STRING_STOP.exec(chunk)?.index ?? -1;
        this.plain(t, stop === -1 ? chunk.slice(i) : chunk.slice(i, stop));
        if (stop === -1) return chunk.length;
        if (chunk[stop] === '"') {
          this.column++;
          this.token = null;
          this.string(t.text);
          return stop + 1;
        }
        const kind = chunk[stop + 1];
        const need = kind === 'u' ? 6 : 2;
        if (stop + need > chunk.length) {
          // The escape goes on in the next piece: read it from there.
          this.carry = chunk.slice(stop);
          return chunk.length;
        }
        if (kind === 'u') {
          const hex = chunk.slice(stop + 2, stop + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('a bad \\u escape');
          t.text += String.fromCharCode(parseInt(hex, 16));
        } else {
          const c = ESCAPES[kind!];
          if (c === undefined) this.fail(`a bad escape "\\${kind}"`);
          t.text += c;
        }
        this.column += need;
        i = stop + need;
      }
    }
    // Number or literal: runs until a delimiter.
    let j = i;
    while (j < chunk.length && !WS.has(chunk[j]!) && chunk[j] !== ',' && chunk[j] !== ']' && chunk[j] !== '}' && chunk[j] !== ':') j++;
    t.text += chunk.slice(i, j);
    this.column += j - i;
    if (j < chunk.length) this.finishScalar();
    return j;
  }

  private plain(t: { text: string }, s: string): void {
    if (CONTROL.test(s)) this.fail('a control character inside a string');
    this.column += s.length;
    t.text += s;
  }

  private finishScalar(): void {
    const t = this.token!;
    this.token = null;
    if (t.kind === 'number') {
      if (!NUMBER.test(t.text)) this.fail(`"${t.text}" is not a number`);
      this.value(Number(t.text));
    } else if (t.text === 'true') this.value(true);
    else if (t.text === 'false') this.value(false);
    else if (t.text === 'null') this.value(null);
    else this.fail(`"${t.text}" is not a value`);
  }

  private string(s: string): void {
    if (this.expect === 'key' || this.expect === 'key_or_close') {
      this.stack.at(-1)!.key = s;
      this.expect = 'colon';
    } else this.value(s);
  }

  private open(array: boolean): void {
    const top = this.stack.at(-1);
    const name = array && this.stack.length === 1 && top && !top.array && top.key !== null && this.streamed.has(top.key) ? top.key : null;
    this.stack.push({ array, value: array ? [] : {}, key: null, streamed: name, index: 0 });
    this.expect = array ? 'value_or_close' : 'key_or_close';
  }

  private close(): void {
    const frame = this.stack.pop()!;
    this.value(frame.value);
  }

  private value(v: unknown): void {
    const top = this.stack.at(-1);
    if (!top) {
      this.root = v;
      this.expect = 'end';
      return;
    }
    if (top.array) {
      if (top.streamed) this.onElement(top.streamed, top.index++, v);
      else (top.value as unknown[]).push(v);
    } else {
      // Like JSON.parse, a repeated key keeps its last value; "__proto__" is an own property.
      if (top.key === '__proto__') Object.defineProperty(top.value, top.key, { value: v, enumerable: true, writable: true, configurable: true });
      else (top.value as Record<string, unknown>)[top.key!] = v;
    }
    this.expect = 'comma_or_close';
  }
}

/**
 * Reads a JSON file in 1 MB pieces without holding it, synchronously (so a caller can do it
 * inside one database transaction). Returns the document with the streamed arrays empty.
 */
export function readJsonFile(path: string, streamed: ReadonlySet<string>, onElement: (array: string, index: number, value: unknown) => void): unknown {
  const parser = new JsonStream(streamed, onElement);
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    let first = true;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      let text = decoder.write(n === buf.length ? buf : buf.subarray(0, n));
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
      parser.feed(text);
    }
    parser.feed(decoder.end());
    return parser.end();
  } finally {
    closeSync(fd);
  }
}
