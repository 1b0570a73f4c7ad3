/**
 * Strict JSON (RFC 8259) read into the offset-keeping tree the YAML reader gives (`YNode`), for
 * the JSON files a CDN or load balancer is configured with (CloudFormation, `aws cloudfront
 * get-distribution-config` output). One pass over char codes, no recursion without a depth check:
 *
 * - a UTF-8 byte order mark at the start is skipped (offsets stay those of the text);
 * - nothing else beyond RFC 8259: no comments, no trailing commas, no single quotes, no NaN;
 * - duplicate keys: the last one wins, as JSON.parse and the AWS CLI (Python's json) read them;
 *   the map keeps one item for the key, at the position of the last (its offsets are the last's);
 * - nesting deeper than `maxDepth` (default 64) arrays/objects, or more than `maxNodes` (default
 *   200,000) values, is refused with a JsonError at the offending offset.
 *
 * Offsets are UTF-16 code units, end exclusive; a string's (and a key's) include its quotes.
 */
import type { YNode } from '../deploy/yaml.js';

export class JsonError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type YMapItem = Extract<YNode, { kind: 'map' }>['items'][number];

const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_NODES = 200_000;

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const SLASH = 47;
const COLON = 58;
const LBRACK = 91;
const BACKSLASH = 92;
const RBRACK = 93;
const LBRACE = 123;
const RBRACE = 125;

export function parseJson(text: string, limits: { maxDepth?: number; maxNodes?: number } = {}): YNode {
  return new JsonParser(text, limits.maxDepth ?? DEFAULT_MAX_DEPTH, limits.maxNodes ?? DEFAULT_MAX_NODES).document();
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s);
}

class JsonParser {
  private pos: number;
  private readonly n: number;
  private nodes = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly maxNodes: number,
  ) {
    this.n = text.length;
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  document(): YNode {
    const value = this.value(0);
    this.ws();
    if (this.pos < this.n) this.fail(`unexpected ${this.found()} after the JSON value`, this.pos);
    return value;
  }

  private fail(message: string, at: number): never {
    throw new JsonError(message, Math.max(0, Math.min(at, this.n)));
  }

  private ws(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === SPACE || c === LF || c === CR || c === TAB) p++;
      else break;
    }
    this.pos = p;
  }

  private found(): string {
    const t = this.text;
    const p = this.pos;
    if (p >= this.n) return 'end of file';
    let e = p + 1;
    const c = t.charCodeAt(p);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === MINUS) {
      while (e < this.n && e < p + 40) {
        const d = t.charCodeAt(e);
        if ((d >= 97 && d <= 122) || (d >= 65 && d <= 90) || isDigit(d) || d === DOT || d === MINUS || d === 43) e++;
        else break;
      }
    } else if (c >= 0xd800 && c <= 0xdbff) {
      e = p + 2;
    }
    return quote(t.slice(p, e));
  }

  /** A value at any position after whitespace; `depth`: the arrays and objects around it. */
  private value(depth: number): YNode {
    this.ws();
    const start = this.pos;
    if (++this.nodes > this.maxNodes) {
      this.fail(`more than ${this.maxNodes.toLocaleString('en')} JSON values: not read`, start);
    }
    const c = this.text.charCodeAt(start);
    switch (c) {
      case LBRACE:
        if (depth >= this.maxDepth) this.fail(`nested more than ${this.maxDepth} levels deep: not read`, start);
        return this.object(depth + 1);
      case LBRACK:
        if (depth >= this.maxDepth) this.fail(`nested more than ${this.maxDepth} levels deep: not read`, start);
        return this.array(depth + 1);
      case QUOTE: {
        const value = this.string();
        return { kind: 'scalar', value, start, end: this.pos };
      }
      case 116:
        return this.literal('true', true);
      case 102:
        return this.literal('false', false);
      case 110:
        return this.literal('null', null);
    }
    if (c === MINUS || isDigit(c)) return this.number();
    this.fail(`expected a JSON value, found ${this.found()}`, start);
  }

  private literal(word: string, value: boolean | null): YNode {
    const start = this.pos;
    if (!this.text.startsWith(word, start)) this.fail(`expected a JSON value, found ${this.found()}`, start);
    this.pos += word.length;
    return { kind: 'scalar', value, start, end: this.pos };
  }

  private number(): YNode {
    const t = this.text;
    const start = this.pos;
    let p = start;
    if (t.charCodeAt(p) === MINUS) p++;
    const c = t.charCodeAt(p);
    if (c === 48) {
      p++;
    } else if (isDigit(c)) {
      while (isDigit(t.charCodeAt(p))) p++;
    } else {
      this.fail(`invalid number ${quote(t.slice(start, p + 1))}`, start);
    }
    if (t.charCodeAt(p) === DOT) {
      p++;
      if (!isDigit(t.charCodeAt(p))) this.fail(`invalid number ${quote(t.slice(start, p + 1))}: a digit must follow "."`, start);
      while (isDigit(t.charCodeAt(p))) p++;
    }
    const e = t.charCodeAt(p);
    if (e === 101 || e === 69) {
      p++;
      const s = t.charCodeAt(p);
      if (s === 43 || s === MINUS) p++;
      if (!isDigit(t.charCodeAt(p))) this.fail(`invalid number ${quote(t.slice(start, p + 1))}: a digit must follow the exponent`, start);
      while (isDigit(t.charCodeAt(p))) p++;
    }
    this.pos = p;
    return { kind: 'scalar', value: Number(t.slice(start, p)), start, end: p };
  }

  /** A string at its `"`: its value; the position ends after the closing quote. */
  private string(): string {
    const t = this.text;
    const n = this.n;
    const open = this.pos;
    let p = open + 1;
    let seg = p;
    let chunks: string[] | undefined;
    for (;;) {
      if (p >= n) this.fail('unterminated string (opened here)', open);
      const c = t.charCodeAt(p);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        (chunks ??= []).push(t.slice(seg, p));
        const d = t.charCodeAt(p + 1);
        let s: string;
        switch (d) {
          case QUOTE:
            s = '"';
            break;
          case BACKSLASH:
            s = '\\';
            break;
          case SLASH:
            s = '/';
            break;
          case 98:
            s = '\b';
            break;
          case 102:
            s = '\f';
            break;
          case 110:
            s = '\n';
            break;
          case 114:
            s = '\r';
            break;
          case 116:
            s = '\t';
            break;
          case 117: {
            let u = 0;
            for (let i = 0; i < 4; i++) {
              const h = t.charCodeAt(p + 2 + i);
              const v = h >= 48 && h <= 57 ? h - 48 : h >= 97 && h <= 102 ? h - 87 : h >= 65 && h <= 70 ? h - 55 : -1;
              if (v < 0) this.fail('invalid escape: \\u needs 4 hexadecimal digits', p);
              u = u * 16 + v;
            }
            // A lone surrogate is kept, as JSON.parse keeps it.
            s = String.fromCharCode(u);
            p += 4;
            break;
          }
          default:
            if (p + 1 >= n) this.fail('unterminated string (opened here)', open);
            this.fail(`invalid escape sequence ${quote('\\' + String.fromCodePoint(t.codePointAt(p + 1)!))} in a string`, p);
        }
        chunks.push(s);
        p += 2;
        seg = p;
        continue;
      }
      if (c < 0x20) {
        this.fail(`control character U+${c.toString(16).toUpperCase().padStart(4, '0')} in a string: write it as an escape${c === LF ? ' (or is the string unterminated?)' : ''}`, p);
      }
      p++;
    }
    this.pos = p + 1;
    if (!chunks) return t.slice(seg, p);
    chunks.push(t.slice(seg, p));
    return chunks.join('');
  }

  private array(depth: number): YNode {
    const open = this.pos;
    this.pos++;
    const items: YNode[] = [];
    this.ws();
    if (this.text.charCodeAt(this.pos) === RBRACK) {
      this.pos++;
      return { kind: 'seq', items, start: open, end: this.pos };
    }
    for (;;) {
      items.push(this.value(depth));
      this.ws();
      const c = this.text.charCodeAt(this.pos);
      if (c === COMMA) {
        this.pos++;
        continue;
      }
      if (c === RBRACK) break;
      if (this.pos >= this.n) this.fail('unterminated array [ (opened here)', open);
      this.fail(`expected "," or "]" in an array, found ${this.found()}`, this.pos);
    }
    this.pos++;
    return { kind: 'seq', items, start: open, end: this.pos };
  }

  private object(depth: number): YNode {
    const open = this.pos;
    this.pos++;
    const items: (YMapItem | undefined)[] = [];
    // Where each key is in `items`: a scan while the object is small, a map past that.
    let index: Map<string, number> | undefined;
    let dropped = false;
    this.ws();
    if (this.text.charCodeAt(this.pos) === RBRACE) {
      this.pos++;
      return { kind: 'map', items: [], start: open, end: this.pos };
    }
    for (;;) {
      this.ws();
      if (this.text.charCodeAt(this.pos) !== QUOTE) {
        if (this.pos >= this.n) this.fail('unterminated object { (opened here)', open);
        this.fail(`expected a string key in an object, found ${this.found()}`, this.pos);
      }
      const keyStart = this.pos;
      const key = this.string();
      const keyEnd = this.pos;
      this.ws();
      if (this.text.charCodeAt(this.pos) !== COLON) {
        if (this.pos >= this.n) this.fail('unterminated object { (opened here)', open);
        this.fail(`expected ":" after the key ${quote(key)}, found ${this.found()}`, this.pos);
      }
      this.pos++;
      const value = this.value(depth);
      // Duplicate keys: the last wins (JSON.parse, the AWS CLI), at its own position.
      let before = -1;
      if (index) {
        before = index.get(key) ?? -1;
      } else {
        for (let i = 0; i < items.length; i++) {
          if (items[i]?.key === key) {
            before = i;
            break;
          }
        }
        if (items.length >= 16) {
          index = new Map();
          for (let i = 0; i < items.length; i++) {
            const item = items[i];
            if (item) index.set(item.key, i);
          }
        }
      }
      if (before >= 0) {
        items[before] = undefined;
        dropped = true;
      }
      index?.set(key, items.length);
      items.push({ key, keyStart, keyEnd, value });
      this.ws();
      const c = this.text.charCodeAt(this.pos);
      if (c === COMMA) {
        this.pos++;
        continue;
      }
      if (c === RBRACE) break;
      if (this.pos >= this.n) this.fail('unterminated object { (opened here)', open);
      this.fail(`expected "," or "}" in an object, found ${this.found()}`, this.pos);
    }
    this.pos++;
    const kept = dropped ? items.filter((i): i is YMapItem => i !== undefined) : (items as YMapItem[]);
    return { kind: 'map', items: kept, start: open, end: this.pos };
  }
}
