/**
 * Terraform's native syntax (HCL 2), read with positions: a hand-written scanner and recursive
 * descent parser following hashicorp/hcl's `hclsyntax` (spec.md, and where the spec and the Go
 * implementation differ, the implementation: scan_tokens.rl, parser.go, parser_template.go).
 *
 * What it follows from the implementation:
 * - newlines end an attribute, and separate object items, except inside `( )`, `[ ]`, a call's
 *   arguments, an index, `${ }` / `%{ }` and a `for` expression, where they are whitespace;
 * - a tuple's items are separated by commas (a newline alone is an error, as in hclsyntax);
 * - identifiers may contain `-` (`a-b` is one name, so `count.index-1` is a traversal);
 * - a one-line block `x { a = 1 }` holds one attribute; a block's `}` ends its line;
 * - a heredoc's closing marker is a line holding only the marker (spaces around it allowed, for
 *   `<<` as for `<<-`); `<<-` removes the smallest indentation of its lines, counted and removed
 *   the way hclsyntax does it (after `~` strip markers, which in a heredoc act within one line);
 * - escapes: `\n \r \t \" \\ \uNNNN \UNNNNNNNN`, `$${` and `%%{` (heredocs: only the last two).
 * - refused as in hclsyntax: an attribute set twice in one body; `.*` again inside an attribute
 *   splat (`a.*.b.*`).
 * One deviation, more lenient: a heredoc's closing marker may end the file without a newline.
 *
 * Expressions are mapped onto `HclExpr` (src/hcl/types.ts): a quoted string or heredoc with no
 * `${`/`%{` is a `string` with its decoded value; with one it is a `template` (its literal parts
 * after strip markers and heredoc indentation, each `${ }` as its expression, each directive
 * `%{ if c }`, `%{ else }`, `%{ endif }`, `%{ for k, v in c }`, `%{ endfor }` as an `other`
 * with its text and the references of its expression). A static traversal is a `ref`: an index
 * is written `[0]` / `["k"]` (a legacy `.0` too), a splat (`.*` or `[*]`) is `*`; an index that
 * is not a literal ends the traversal, and the whole is an `other`. A minus sign before a number
 * literal (`-1`) is a `number`. In an object, a bare identifier key (`{ a = 1 }`) is a `string`
 * key expression, as HCL reads it. An `other` lists every traversal inside it, at any depth
 * (tuples, objects and templates included), except the names a `for` (expression or directive)
 * binds, where they are bound.
 *
 * Robustness: the scanner is a loop over char codes; long runs (identifiers, plain string and
 * heredoc text) are left to V8's regular expression engine, each a single repeated character class,
 * so nothing backtracks. Literal text is sliced once and joined once, so the whole is linear. Every
 * nesting (blocks, brackets, parentheses, objects, calls, `${`, `%{`, conditionals) is counted and
 * refused past `maxDepth` before the parser recurses further; runs of `!`/`-` and chains of binary
 * operators are loops. Errors are `HclError` with a short message (input quoted, cut to 40
 * characters) and the offset: the opening one for anything unterminated.
 */
import { HclError } from './types.js';
import type { HclAttribute, HclBlock, HclBody, HclExpr } from './types.js';

export { HclError };

type Ref = Extract<HclExpr, { kind: 'ref' }>;
type Other = Extract<HclExpr, { kind: 'other' }>;
type Part = string | HclExpr;

const DEFAULT_MAX_DEPTH = 64;

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const BANG = 33;
const QUOTE = 34;
const HASH = 35;
const DOLLAR = 36;
const PERCENT = 37;
const AMP = 38;
const LPAREN = 40;
const RPAREN = 41;
const STAR = 42;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const SLASH = 47;
const COLON = 58;
const LT = 60;
const EQ = 61;
const GT = 62;
const QUESTION = 63;
const LBRACK = 91;
const BACKSLASH = 92;
const RBRACK = 93;
const UNDERSCORE = 95;
const LBRACE = 123;
const PIPE = 124;
const RBRACE = 125;
const TILDE = 126;

const OPERATOR = ['...', '==', '!=', '<=', '>=', '&&', '||', '=>', '::', '${', '%{', '~}', '<<', '<<-'];

// Runs scanned by V8's regular expression engine (native code from the start, which matters for a
// file read once): each is a single character class repeated, so it cannot backtrack.
const ASCII_IDENT_REST = /[A-Za-z0-9_-]*/y;
const PLAIN_STRING = /[^"\\$%\r\n]*/y;
const HEREDOC_TEXT = /[^\n$%]*/y;
const ID_START = /\p{ID_Start}/uy;
const ID_REST = /[\p{ID_Continue}-]*/uy;
const ID_CONTINUE = /\p{ID_Continue}/uy;

/** Characters that, right after a term, end it: no traversal or operator follows. */
const ENDS_VALUE = new Uint8Array(128);
for (const c of ',]})') ENDS_VALUE[c.charCodeAt(0)] = 1;

/** Refs of templates holding a `%{ for }` directive, with the names it binds left out where bound. */
const TEMPLATE_REFS = new WeakMap<object, Ref[]>();

export function parseHcl(text: string, limits: { maxDepth?: number } = {}): HclBody {
  const parser = new Parser(text, limits.maxDepth ?? DEFAULT_MAX_DEPTH);
  try {
    return { items: parser.body(-1, '') };
  } catch (e) {
    // A caller that raised maxDepth past what the stack holds: still a refusal, not a crash.
    if (e instanceof RangeError) throw new HclError('nested too deeply to read', Math.min(parser.pos, text.length));
    throw e;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAsciiIdent(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === UNDERSCORE || c === MINUS;
}

/** Go's unicode.IsSpace, which hclsyntax uses for strip markers, heredoc indentation and markers. */
function isSpace(c: number): boolean {
  if (c <= SPACE) return c === SPACE || (c >= TAB && c <= CR);
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

function trimStartSpace(s: string): string {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i === 0 ? s : s.slice(i);
}

function trimEndSpace(s: string): string {
  let i = s.length;
  while (i > 0 && isSpace(s.charCodeAt(i - 1))) i--;
  return i === s.length ? s : s.slice(0, i);
}

/** A piece of the input for a message: at most 40 characters, quoted and escaped. */
function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s);
}

/** Every traversal in `e` (for an `other`: those it already lists). */
function collect(e: HclExpr, out: Ref[]): void {
  switch (e.kind) {
    case 'ref':
      out.push(e);
      return;
    case 'other': {
      const refs = e.refs;
      for (let i = 0; i < refs.length; i++) out.push(refs[i]!);
      return;
    }
    case 'tuple': {
      const items = e.items;
      for (let i = 0; i < items.length; i++) collect(items[i]!, out);
      return;
    }
    case 'object': {
      const items = e.items;
      for (let i = 0; i < items.length; i++) {
        collect(items[i]!.keyExpr, out);
        collect(items[i]!.value, out);
      }
      return;
    }
    case 'template': {
      const own = TEMPLATE_REFS.get(e);
      if (own) for (const r of own) out.push(r);
      else for (const part of e.parts) if (typeof part !== 'string') collect(part, out);
      return;
    }
    default:
      return;
  }
}

function bound(refs: Ref[], names: readonly string[]): Ref[] {
  return refs.filter((r) => !names.includes(r.path[0]!));
}

/** What a template is being built of, with the state of its strip markers and directives. */
class Template {
  parts: Part[] = [];
  /** The previous part is a literal: a `${~` / `%{~` trims its end. */
  canTrimPrev = false;
  /** The previous part was closed by `~}`: the next literal loses its leading spaces. */
  ltrimNext = false;
  open: { kind: 'if' | 'else' | 'for'; at: number }[] | undefined;
  /** `%{ for }` parts and the names they bind; `%{ endfor }` parts map to null. */
  scopes: Map<HclExpr, string[] | null> | undefined;

  literal(s: string): void {
    if (this.ltrimNext) {
      s = trimStartSpace(s);
      this.ltrimNext = false;
    }
    this.parts.push(s);
    this.canTrimPrev = true;
  }
}

class Parser {
  pos: number;
  private readonly n: number;
  private depth = 0;
  /** Whether a newline is a token here (bodies, objects) or whitespace (brackets, parentheses, `${ }`). */
  private nl = true;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {
    this.n = text.length;
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  // ---- scanning ----------------------------------------------------------------------------

  private fail(message: string, at: number): never {
    throw new HclError(message, Math.max(0, Math.min(at, this.n)));
  }

  /** Fails with `expected <what>, found <what is there>`; kept apart so hot code stays small. */
  private expected(what: string, at: number): never {
    this.fail(`expected ${what}, found ${this.found()}`, at);
  }

  private enter(at: number): void {
    if (++this.depth > this.maxDepth) this.fail(`nested more than ${this.maxDepth} levels deep: not read`, at);
  }

  private code(): number {
    return this.text.charCodeAt(this.pos);
  }

  /** Skips spaces, tabs, comments and (where they are not tokens) newlines. */
  private skip(): void {
    const t = this.text;
    let p = this.pos;
    // Everything skipped starts with a character at or below "/" (space, tab, newlines, #, /).
    if (t.charCodeAt(p) > SLASH) return;
    const n = this.n;
    while (p < n) {
      const c = t.charCodeAt(p);
      if (c === SPACE || c === TAB) {
        p++;
      } else if (c === LF) {
        if (this.nl) break;
        p++;
      } else if (c === CR) {
        if (this.nl || t.charCodeAt(p + 1) !== LF) break;
        p += 2;
      } else if (c === HASH || (c === SLASH && t.charCodeAt(p + 1) === SLASH)) {
        // A line comment ends before its newline, which is then a newline like any other.
        const e = t.indexOf('\n', p);
        if (e < 0) p = n;
        else p = t.charCodeAt(e - 1) === CR && e - 1 > p ? e - 1 : e;
      } else if (c === SLASH && t.charCodeAt(p + 1) === STAR) {
        const e = t.indexOf('*/', p + 2);
        if (e < 0) this.fail('unterminated comment /* (opened here)', p);
        p = e + 2;
      } else {
        break;
      }
    }
    this.pos = p;
  }

  private atNewline(): boolean {
    const c = this.code();
    return c === LF || (c === CR && this.text.charCodeAt(this.pos + 1) === LF);
  }

  /** What is at the current position, for a message: a word, an operator or a character. */
  private found(): string {
    const t = this.text;
    const p = this.pos;
    if (p >= this.n) return 'end of file';
    if (this.atNewline()) return 'a newline';
    const c = t.charCodeAt(p);
    let e = p + 1;
    if (this.startsIdent()) {
      this.ident();
      e = this.pos;
      this.pos = p;
    } else if (isDigit(c)) {
      while (e < this.n && isAsciiIdent(t.charCodeAt(e))) e++;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      e = p + 2;
    } else if (OPERATOR.includes(t.slice(p, p + 3))) {
      e = p + 3;
    } else if (OPERATOR.includes(t.slice(p, p + 2))) {
      e = p + 2;
    }
    return quote(t.slice(p, e));
  }

  /** An identifier at the current position (advancing past it), or undefined. */
  private ident(): string | undefined {
    const t = this.text;
    const s = this.pos;
    let p = s;
    const c = t.charCodeAt(p);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === UNDERSCORE) {
      p++;
    } else if (c >= 0x80) {
      ID_START.lastIndex = p;
      const m = ID_START.exec(t);
      if (!m) return undefined;
      p += m[0].length;
    } else {
      return undefined;
    }
    ASCII_IDENT_REST.lastIndex = p;
    ASCII_IDENT_REST.test(t);
    p = ASCII_IDENT_REST.lastIndex;
    if (t.charCodeAt(p) >= 0x80) {
      ID_REST.lastIndex = p;
      const m = ID_REST.exec(t);
      if (m) p += m[0].length;
    }
    this.pos = p;
    return t.slice(s, p);
  }

  private startsIdent(): boolean {
    const c = this.code();
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === UNDERSCORE) return true;
    if (c < 0x80 || Number.isNaN(c)) return false;
    ID_START.lastIndex = this.pos;
    return ID_START.test(this.text);
  }

  /** The keyword `word` as a whole identifier at the current position. */
  private keyword(word: string): boolean {
    const t = this.text;
    if (!t.startsWith(word, this.pos)) return false;
    const q = this.pos + word.length;
    const d = t.charCodeAt(q);
    if (isAsciiIdent(d)) return false;
    if (d >= 0x80) {
      ID_CONTINUE.lastIndex = q;
      return !ID_CONTINUE.test(t);
    }
    return true;
  }

  // ---- structure ---------------------------------------------------------------------------

  /** Body items up to the `}` of the block opened at `open` (left unread), or to the end (open < 0). */
  body(open: number, type: string): (HclAttribute | HclBlock)[] {
    const items: (HclAttribute | HclBlock)[] = [];
    // Attribute names in this body (a set once there are many), to refuse one set twice as HCL does.
    let names: string[] | undefined;
    let many: Set<string> | undefined;
    for (;;) {
      this.nl = false;
      this.skip();
      if (this.pos >= this.n) {
        if (open < 0) return items.slice();
        this.fail(`unterminated block ${quote(type)} { (opened here)`, open);
      }
      if (this.code() === RBRACE) {
        if (open >= 0) return items.slice();
        this.fail('unexpected "}": no block is open', this.pos);
      }
      const item = this.item(false);
      if (item.kind === 'attribute') {
        const name = item.name;
        if (many ? many.has(name) : names?.includes(name)) this.fail(`attribute ${quote(name)} is set twice in this ${open < 0 ? 'file' : 'block'}`, item.nameStart);
        if (many) many.add(name);
        else if (!names) names = [name];
        else if (names.push(name) === 16) many = new Set(names);
      }
      items.push(item);
    }
  }

  /** An attribute or a block; `oneLine`: the single attribute of `x { a = 1 }`. */
  private item(oneLine: boolean): HclAttribute | HclBlock {
    const start = this.pos;
    const name = this.ident();
    if (name === undefined) {
      this.expected('an attribute or block name', start);
    }
    this.nl = true;
    this.skip();
    const c = this.code();
    const d = this.text.charCodeAt(this.pos + 1);
    if (c === EQ && d !== EQ && d !== GT) {
      this.pos++;
      const value = this.expr();
      if (!oneLine) this.endOfLine('the value of', name);
      return { kind: 'attribute', name, nameStart: start, value, start, end: value.end };
    }
    if (oneLine) this.fail(`a one-line block holds a single attribute: expected "=" after ${quote(name)}, found ${this.found()}`, this.pos);
    if (c !== QUOTE && c !== LBRACE && !this.startsIdent()) {
      this.expected(`"=" or a block after ${quote(name)}`, this.pos);
    }
    return this.block(name, start);
  }

  private block(type: string, start: number): HclBlock {
    const labels: HclBlock['labels'] = [];
    for (;;) {
      this.skip();
      const c = this.code();
      if (c === LBRACE) break;
      const at = this.pos;
      if (c === QUOTE) {
        const s = this.quoted();
        if (s.kind !== 'string') this.fail('a block label cannot hold ${ } or %{ }', at);
        labels.push({ value: s.value, start: s.start, end: s.end });
      } else {
        const label = this.ident();
        if (label === undefined) {
          if (this.atNewline()) this.fail(`the "{" of block ${quote(type)} must be on the line of its type and labels`, at);
          this.expected(`a block label or "{" after ${quote(type)}`, at);
        }
        labels.push({ value: label, start: at, end: this.pos });
      }
    }
    const open = this.pos;
    this.enter(open);
    this.pos++;
    this.skip();
    let items: (HclAttribute | HclBlock)[];
    if (this.pos >= this.n || this.atNewline() || this.code() === RBRACE) {
      items = this.body(open, type);
    } else {
      // `x { a = 1 }`: one attribute, closed on its line.
      items = [this.item(true)];
      this.nl = true;
      this.skip();
      if (this.code() !== RBRACE) {
        if (this.pos >= this.n) this.fail(`unterminated block ${quote(type)} { (opened here)`, open);
        this.fail(`a one-line block holds one attribute and closes on its line: expected "}", found ${this.found()}`, this.pos);
      }
    }
    this.pos++;
    this.depth--;
    const end = this.pos;
    this.endOfLine('the block', type);
    return { kind: 'block', type, typeStart: start, labels: labels.length ? labels.slice() : labels, body: { items }, open, start, end };
  }

  /** After an attribute or a block: a newline (or a comment, or the end). */
  private endOfLine(what: string, name: string): void {
    this.nl = true;
    this.skip();
    if (this.pos >= this.n || this.atNewline()) return;
    if (this.code() === COMMA) this.fail(`expected a newline after ${what} ${quote(name)}, found ","; attributes are separated by newlines`, this.pos);
    this.expected(`a newline after ${what} ${quote(name)}`, this.pos);
  }

  // ---- expressions -------------------------------------------------------------------------

  private other(start: number, end: number, kids: HclExpr[]): Other {
    const refs: Ref[] = [];
    for (let i = 0; i < kids.length; i++) collect(kids[i]!, refs);
    return { kind: 'other', text: this.text.slice(start, end), refs: refs.length ? refs.slice() : refs, start, end };
  }

  /** An expression: a conditional, or the operations below it. */
  private expr(): HclExpr {
    const first = this.unary();
    this.skip();
    const cond = this.operator() === 0 ? first : this.binary(1, first);
    this.skip();
    if (this.code() !== QUESTION) return cond;
    this.enter(this.pos);
    this.pos++;
    const yes = this.expr();
    this.skip();
    if (this.code() !== COLON) this.expected('":" of a conditional (c ? a : b)', this.pos);
    this.pos++;
    const no = this.expr();
    this.depth--;
    return this.other(cond.start, no.end, [cond, yes, no]);
  }

  /**
   * The binary operator at the current position: its level (1 `||`, 2 `&&`, 3 `== !=`,
   * 4 `< <= > >=`, 5 `+ -`, 6 `* / %`) times 4 plus its length, or 0.
   */
  private operator(): number {
    const t = this.text;
    const d = t.charCodeAt(this.pos + 1);
    switch (t.charCodeAt(this.pos)) {
      case PIPE:
        return d === PIPE ? 6 : 0;
      case AMP:
        return d === AMP ? 10 : 0;
      case EQ:
        return d === EQ ? 14 : 0;
      case BANG:
        return d === EQ ? 14 : 0;
      case LT:
      case GT:
        return d === EQ ? 18 : 17;
      case PLUS:
      case MINUS:
        return 21;
      case STAR:
      case SLASH:
      case PERCENT:
        return 25;
      default:
        return 0;
    }
  }

  /**
   * Operators of `min` level and tighter (precedence climbing), left-associative; a chain of one
   * level (`a + b - c`) is one `other`.
   */
  private binary(min: number, lhs = this.unary()): HclExpr {
    for (;;) {
      this.skip();
      let op = this.operator();
      const level = op >> 2;
      if (level < min) return lhs;
      const kids = [lhs];
      let last = lhs;
      while (op >> 2 === level) {
        this.pos += op & 3;
        last = this.binary(level + 1);
        kids.push(last);
        this.skip();
        op = this.operator();
      }
      lhs = this.other(lhs.start, last.end, kids);
    }
  }

  /** `-x`, `!x` (any number of them: a loop, not a recursion) or a term with its traversals. */
  private unary(): HclExpr {
    this.skip();
    const start = this.pos;
    let ops = 0;
    let minus = false;
    for (;;) {
      const c = this.code();
      if (c !== MINUS && c !== BANG) break;
      minus = c === MINUS;
      ops++;
      this.pos++;
      this.skip();
    }
    const term = this.postfix();
    if (ops === 0) return term;
    if (ops === 1 && minus && term.kind === 'number') return { kind: 'number', value: -term.value, start, end: term.end };
    return this.other(start, term.end, [term]);
  }

  /** A term and its traversals (`.a`, `[0]`, `.*`, `[*]`, legacy `.0`). */
  private postfix(): HclExpr {
    this.skip();
    const start = this.pos;
    let base: HclExpr | undefined;
    let path: string[] | undefined;
    if (this.startsIdent()) {
      const name = this.ident()!;
      const nameEnd = this.pos;
      this.skip();
      const c = this.code();
      if (c === LPAREN || (c === COLON && this.text.charCodeAt(this.pos + 1) === COLON)) {
        base = this.call(start, name);
      } else if (name === 'true' || name === 'false') {
        base = { kind: 'bool', value: name === 'true', start, end: nameEnd };
      } else if (name === 'null') {
        base = { kind: 'null', start, end: nameEnd };
      } else {
        path = [name];
      }
      if (!base) return this.traversals(start, nameEnd, undefined, path);
    } else {
      base = this.term();
    }
    return this.traversals(start, base.end, base, undefined);
  }

  private traversals(start: number, end: number, base: HclExpr | undefined, path: string[] | undefined): HclExpr {
    const t = this.text;
    // The common case: the term is followed by what ends a value (a newline, where it is a token).
    const next = t.charCodeAt(this.pos);
    if (ENDS_VALUE[next] === 1 || (next === LF && this.nl)) return path ? { kind: 'ref', path, start, end } : base!;
    let kids: HclExpr[] | undefined = base ? [base] : undefined;
    let pathEnd = end;
    let steps = 0;
    // After `.*`, only `.name` and `.0` belong to the splat; another `.*` there is refused, as in HCL.
    let attrSplat = false;
    for (;;) {
      this.skip();
      const c = this.code();
      if (c === DOT) {
        if (t.charCodeAt(this.pos + 1) === DOT) break; // `...`
        this.pos++;
        this.skip();
        const d = this.code();
        let step: string;
        if (isDigit(d)) {
          const s = this.pos;
          this.numberEnd();
          const digits = t.slice(s, this.pos);
          for (let i = 0; i < digits.length; i++) {
            if (!isDigit(digits.charCodeAt(i))) {
              this.fail(`legacy index ${quote('.' + digits)} cannot chain two indexes: write [i][j]`, s);
            }
          }
          step = `[${digits}]`;
        } else if (d === STAR) {
          if (attrSplat) this.fail('a splat (.*) cannot follow another .* splat: write [*]', this.pos);
          attrSplat = true;
          this.pos++;
          step = '*';
        } else {
          const name = this.ident();
          if (name === undefined) this.expected('an attribute name after "."', this.pos);
          step = name;
        }
        end = this.pos;
        steps++;
        if (path) {
          path.push(step);
          pathEnd = end;
        }
        continue;
      }
      if (c === LBRACK) {
        attrSplat = false;
        const open = this.pos;
        this.enter(open);
        this.pos++;
        const saved = this.nl;
        this.nl = false;
        this.skip();
        let step: string | undefined;
        let key: HclExpr | undefined;
        if (this.code() === STAR) {
          this.pos++;
          this.skip();
          step = '*';
        } else {
          key = this.expr();
          this.skip();
          if (key.kind === 'number') step = `[${t.slice(key.start, key.end)}]`;
          else if (key.kind === 'string') step = `[${JSON.stringify(key.value)}]`;
        }
        if (this.code() !== RBRACK) {
          if (this.pos >= this.n) this.fail('unterminated index [ (opened here)', open);
          this.expected('"]" to close the index', this.pos);
        }
        this.pos++;
        this.nl = saved;
        this.depth--;
        end = this.pos;
        steps++;
        if (path && step !== undefined) {
          path.push(step);
          pathEnd = end;
        } else {
          if (path) {
            kids = [{ kind: 'ref', path: path.slice(), start, end: pathEnd }];
            path = undefined;
          }
          if (key) kids!.push(key);
        }
        continue;
      }
      break;
    }
    if (path) return { kind: 'ref', path: path.slice(), start, end };
    if (steps === 0) return base!;
    return this.other(start, end, kids!);
  }

  /** A term that does not start with an identifier. */
  private term(): HclExpr {
    const c = this.code();
    const start = this.pos;
    if (isDigit(c)) {
      this.numberEnd();
      const d = this.code();
      if ((d === DOT || d === 101 || d === 69) && isDigit(this.text.charCodeAt(this.pos + 1))) {
        this.fail(`invalid number ${quote(this.text.slice(start, this.pos + 2))}`, start);
      }
      return { kind: 'number', value: Number(this.text.slice(start, this.pos)), start, end: this.pos };
    }
    switch (c) {
      case QUOTE:
        return this.quoted();
      case LT:
        if (this.text.charCodeAt(this.pos + 1) === LT) return this.heredoc();
        break;
      case LPAREN: {
        this.enter(start);
        this.pos++;
        const saved = this.nl;
        this.nl = false;
        const inner = this.expr();
        this.skip();
        if (this.code() !== RPAREN) {
          if (this.pos >= this.n) this.fail('unterminated ( (opened here)', start);
          this.expected('")"', this.pos);
        }
        this.pos++;
        this.nl = saved;
        this.depth--;
        return this.other(start, this.pos, [inner]);
      }
      case LBRACK:
        return this.tuple();
      case LBRACE:
        return this.object();
    }
    this.expected('an expression', start);
  }

  /** Past a number literal: digits, then `.digits`, then an exponent. */
  private numberEnd(): void {
    const t = this.text;
    let p = this.pos;
    while (isDigit(t.charCodeAt(p))) p++;
    if (t.charCodeAt(p) === DOT && isDigit(t.charCodeAt(p + 1))) {
      p++;
      while (isDigit(t.charCodeAt(p))) p++;
    }
    const e = t.charCodeAt(p);
    if (e === 101 || e === 69) {
      let q = p + 1;
      const s = t.charCodeAt(q);
      if (s === PLUS || s === MINUS) q++;
      if (isDigit(t.charCodeAt(q))) {
        p = q;
        while (isDigit(t.charCodeAt(p))) p++;
      }
    }
    this.pos = p;
  }

  /** `name(args)` or `provider::p::name(args)`; the position is after the name. */
  private call(start: number, name: string): Other {
    while (this.code() === COLON && this.text.charCodeAt(this.pos + 1) === COLON) {
      this.pos += 2;
      this.skip();
      const part = this.ident();
      if (part === undefined) this.expected('a function name after "::"', this.pos);
      name += '::' + part;
      this.skip();
    }
    if (this.code() !== LPAREN) this.expected(`"(" after the function name ${quote(name)}`, this.pos);
    const open = this.pos;
    this.enter(open);
    this.pos++;
    const saved = this.nl;
    this.nl = false;
    const args: HclExpr[] = [];
    for (;;) {
      this.skip();
      if (this.code() === RPAREN) break;
      if (this.pos >= this.n) this.fail(`unterminated call ${quote(name + '(')} (opened here)`, open);
      args.push(this.expr());
      this.skip();
      const c = this.code();
      if (c === COMMA) {
        this.pos++;
        continue;
      }
      if (c === DOT && this.text.startsWith('...', this.pos)) {
        this.pos += 3;
        this.skip();
        if (this.code() !== RPAREN) this.expected('")" after "..."', this.pos);
        break;
      }
      if (c === RPAREN) break;
      if (this.pos >= this.n) this.fail(`unterminated call ${quote(name + '(')} (opened here)`, open);
      this.expected(`"," or ")" in the call to ${quote(name)}`, this.pos);
    }
    this.pos++;
    this.nl = saved;
    this.depth--;
    return this.other(start, this.pos, args);
  }

  /** `[…]` or `{…}`: a for expression, or the literal `literal` reads; the newline mode is restored after. */
  private bracketed(close: number, literal: (open: number) => HclExpr): HclExpr {
    const open = this.pos;
    this.enter(open);
    this.pos++;
    const saved = this.nl;
    this.nl = false;
    this.skip();
    const result = this.keyword('for') ? this.forExpr(open, close) : literal(open);
    this.nl = saved;
    this.depth--;
    return result;
  }

  private tuple(): HclExpr {
    return this.bracketed(RBRACK, (open) => {
      const items: HclExpr[] = [];
      for (;;) {
        this.skip();
        if (this.code() === RBRACK) break;
        if (this.pos >= this.n) this.fail('unterminated tuple [ (opened here)', open);
        items.push(this.expr());
        this.skip();
        const c = this.code();
        if (c === COMMA) {
          this.pos++;
          continue;
        }
        if (c === RBRACK) break;
        if (this.pos >= this.n) this.fail('unterminated tuple [ (opened here)', open);
        this.expected('"," or "]" in a tuple', this.pos);
      }
      this.pos++;
      return { kind: 'tuple', items: items.slice(), start: open, end: this.pos };
    });
  }

  private object(): HclExpr {
    return this.bracketed(RBRACE, (open) => {
      this.nl = true;
      const items: Extract<HclExpr, { kind: 'object' }>['items'] = [];
      for (;;) {
        this.skip();
        const c = this.code();
        if (c === LF || c === CR) {
          if (!this.atNewline()) this.expected('an object key', this.pos);
          this.pos += c === CR ? 2 : 1;
          continue;
        }
        if (c === RBRACE) break;
        if (this.pos >= this.n) this.fail('unterminated object { (opened here)', open);
        const parenthesised = c === LPAREN;
        let keyExpr = this.expr();
        let key: string | undefined;
        if (keyExpr.kind === 'ref' && keyExpr.path.length === 1 && !parenthesised) {
          key = keyExpr.path[0]!;
          keyExpr = { kind: 'string', value: key, start: keyExpr.start, end: keyExpr.end };
        } else if (keyExpr.kind === 'string') {
          key = keyExpr.value;
        }
        this.skip();
        const s = this.code();
        if ((s !== EQ && s !== COLON) || this.text.charCodeAt(this.pos + 1) === GT) {
          if (this.pos >= this.n) this.fail('unterminated object { (opened here)', open);
          this.expected('"=" or ":" after an object key', this.pos);
        }
        this.pos++;
        const value = this.expr();
        items.push({ key, keyExpr, value });
        this.skip();
        const e = this.code();
        if (e === COMMA) {
          this.pos++;
          continue;
        }
        if (e === RBRACE || this.atNewline()) continue;
        if (this.pos >= this.n) this.fail('unterminated object { (opened here)', open);
        this.expected('a newline, "," or "}" after an object item', this.pos);
      }
      this.pos++;
      return { kind: 'object', items: items.slice(), start: open, end: this.pos };
    });
  }

  /** `k` or `k, v`, then `in` (after `for`): the names a for expression or directive binds. */
  private forNames(what: string): string[] {
    this.skip();
    const first = this.ident();
    if (first === undefined) this.expected('a variable name after "for"', this.pos);
    const names = [first];
    this.skip();
    if (this.code() === COMMA) {
      this.pos++;
      this.skip();
      const second = this.ident();
      if (second === undefined) this.expected('a variable name after ","', this.pos);
      names.push(second);
      this.skip();
    }
    if (!this.keyword('in')) this.expected(`"in" in ${what}`, this.pos);
    this.pos += 2;
    return names;
  }

  /** `[for k, v in coll : value if cond]` / `{for k, v in coll : key => value... if cond}`; at `for`. */
  private forExpr(open: number, close: number): Other {
    const closer = close === RBRACK ? ']' : '}';
    this.pos += 3;
    const names = this.forNames('a for expression');
    const coll = this.expr();
    this.skip();
    if (this.code() !== COLON) this.expected('":" after the collection of a for expression', this.pos);
    this.pos++;
    const first1 = this.expr();
    this.skip();
    let second: HclExpr | undefined;
    if (this.code() === EQ && this.text.charCodeAt(this.pos + 1) === GT) {
      this.pos += 2;
      second = this.expr();
      this.skip();
    }
    let group = -1;
    if (this.text.startsWith('...', this.pos)) {
      group = this.pos;
      this.pos += 3;
      this.skip();
    }
    let cond: HclExpr | undefined;
    if (this.keyword('if')) {
      this.pos += 2;
      cond = this.expr();
      this.skip();
    }
    if (this.code() !== close) {
      if (this.pos >= this.n) this.fail(`unterminated for expression ${close === RBRACK ? '[' : '{'} (opened here)`, open);
      this.expected(`"${closer}" to end the for expression`, this.pos);
    }
    if (close === RBRACK && second) this.fail('a for expression in [ ] has no "key =>": that is for { }', first1.start);
    if (close === RBRACK && group >= 0) this.fail('"..." (grouping) is only for a for expression in { }', group);
    if (close === RBRACE && !second) this.fail('a for expression in { } needs "key => value"', first1.start);
    this.pos++;
    const refs: Ref[] = [];
    collect(coll, refs);
    const inner: Ref[] = [];
    collect(first1, inner);
    if (second) collect(second, inner);
    if (cond) collect(cond, inner);
    for (const r of bound(inner, names)) refs.push(r);
    return { kind: 'other', text: this.text.slice(open, this.pos), refs, start: open, end: this.pos };
  }

  // ---- templates ---------------------------------------------------------------------------

  /** A quoted string or template, at its `"`. */
  private quoted(): HclExpr {
    const t = this.text;
    const n = this.n;
    const open = this.pos;
    // Most strings are plain: no escape, no `${`, no `%{`.
    PLAIN_STRING.lastIndex = open + 1;
    PLAIN_STRING.test(t);
    let p = PLAIN_STRING.lastIndex;
    if (t.charCodeAt(p) === QUOTE) {
      this.pos = p + 1;
      return { kind: 'string', value: t.slice(open + 1, p), start: open, end: p + 1 };
    }
    const tpl = new Template();
    let chunks: string[] = [];
    let seg = open + 1;
    for (;;) {
      if (p >= n) this.fail('unterminated string (opened here)', open);
      const c = t.charCodeAt(p);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        if (seg < p) chunks.push(t.slice(seg, p));
        p = this.escape(p, chunks, open);
        seg = p;
        continue;
      }
      if (c === LF || c === CR) this.fail('unterminated string: a quoted string ends on its line (opened here)', open);
      if (c === DOLLAR || c === PERCENT) {
        const d = t.charCodeAt(p + 1);
        if (d === LBRACE) {
          if (seg < p) chunks.push(t.slice(seg, p));
          if (chunks.length) tpl.literal(chunks.length === 1 ? chunks[0]! : chunks.join(''));
          chunks = [];
          this.pos = p;
          this.sequence(tpl, '"');
          p = seg = this.pos;
          continue;
        }
        if (d === c && t.charCodeAt(p + 2) === LBRACE) {
          // `$${` is a literal `${`, `%%{` a literal `%{`.
          chunks.push(t.slice(seg, p + 1), '{');
          p += 3;
          seg = p;
          continue;
        }
      }
      p++;
    }
    if (seg < p) chunks.push(t.slice(seg, p));
    if (chunks.length) tpl.literal(chunks.length === 1 ? chunks[0]! : chunks.join(''));
    this.pos = p + 1;
    return this.finish(open, this.pos, tpl, false);
  }

  /** A backslash escape in a quoted string at `p`: its value onto `chunks`; returns the offset after it. */
  private escape(p: number, chunks: string[], open: number): number {
    const t = this.text;
    const d = t.charCodeAt(p + 1);
    switch (d) {
      case 110:
        chunks.push('\n');
        return p + 2;
      case 114:
        chunks.push('\r');
        return p + 2;
      case 116:
        chunks.push('\t');
        return p + 2;
      case QUOTE:
        chunks.push('"');
        return p + 2;
      case BACKSLASH:
        chunks.push('\\');
        return p + 2;
      case 117:
      case 85: {
        const len = d === 117 ? 4 : 8;
        let cp = 0;
        for (let i = 0; i < len; i++) {
          const h = t.charCodeAt(p + 2 + i);
          const v = h >= 48 && h <= 57 ? h - 48 : h >= 97 && h <= 102 ? h - 87 : h >= 65 && h <= 70 ? h - 55 : -1;
          if (v < 0) this.fail(`invalid escape: \\${d === 117 ? 'u needs 4' : 'U needs 8'} hexadecimal digits`, p);
          cp = cp * 16 + v;
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.fail(`invalid escape ${quote(t.slice(p, p + 2 + len))}: not a Unicode character`, p);
        chunks.push(String.fromCodePoint(cp));
        return p + 2 + len;
      }
    }
    if (p + 1 >= this.n || d === LF || d === CR) this.fail('unterminated string (opened here)', open);
    const cp = t.codePointAt(p + 1)!;
    this.fail(`invalid escape sequence ${quote('\\' + String.fromCodePoint(cp))} in a string`, p);
  }

  /** A heredoc, at its `<<`. */
  private heredoc(): HclExpr {
    const t = this.text;
    const n = this.n;
    const open = this.pos;
    let p = open + 2;
    const flush = t.charCodeAt(p) === MINUS;
    if (flush) p++;
    this.pos = p;
    const marker = this.ident();
    const intro = flush ? '<<-' : '<<';
    if (marker === undefined) this.expected(`a heredoc marker after ${quote(intro)}`, p);
    p = this.pos;
    if (t.charCodeAt(p) === LF) p++;
    else if (t.charCodeAt(p) === CR && t.charCodeAt(p + 1) === LF) p += 2;
    else this.fail(`heredoc ${quote(intro + marker)} must be followed by a newline`, p);
    const tpl = new Template();
    let lineStart = true;
    let end = -1;
    for (;;) {
      if (lineStart) {
        end = this.heredocClose(p, marker);
        if (end >= 0) break;
      }
      // One literal part: to the end of the line (newline included) or to a `${` / `%{`.
      let chunks: string[] | undefined;
      let seg = p;
      for (;;) {
        HEREDOC_TEXT.lastIndex = p;
        HEREDOC_TEXT.test(t);
        p = HEREDOC_TEXT.lastIndex;
        if (p >= n) this.fail(`unterminated heredoc ${quote(intro + marker)} (opened here)`, open);
        const c = t.charCodeAt(p);
        if (c === LF) {
          p++;
          lineStart = true;
          break;
        }
        if (c === DOLLAR || c === PERCENT) {
          const d = t.charCodeAt(p + 1);
          if (d === LBRACE) {
            lineStart = false;
            break;
          }
          if (d === c && t.charCodeAt(p + 2) === LBRACE) {
            (chunks ??= []).push(t.slice(seg, p + 1), '{');
            p += 3;
            seg = p;
            continue;
          }
        }
        p++;
      }
      if (chunks) {
        if (seg < p) chunks.push(t.slice(seg, p));
        tpl.literal(chunks.join(''));
      } else if (seg < p) {
        tpl.literal(t.slice(seg, p));
      }
      if (!lineStart) {
        this.pos = p;
        this.sequence(tpl, '<<');
        p = this.pos;
      }
    }
    this.pos = end;
    return this.finish(open, end, tpl, flush);
  }

  /** If the line at `p` is the closing marker: the offset after the marker; else -1. */
  private heredocClose(p: number, marker: string): number {
    const t = this.text;
    const n = this.n;
    let q = p;
    for (;;) {
      const c = t.charCodeAt(q);
      if (q >= n || c === LF || c === CR || !isSpace(c)) break;
      q++;
    }
    if (!t.startsWith(marker, q)) return -1;
    const e = q + marker.length;
    let r = e;
    for (;;) {
      const c = t.charCodeAt(r);
      if (r >= n || c === LF || c === CR || !isSpace(c)) break;
      r++;
    }
    const c = t.charCodeAt(r);
    if (r >= n || c === LF || (c === CR && (r + 1 >= n || t.charCodeAt(r + 1) === LF))) return e;
    return -1;
  }

  /** A `${ … }` or `%{ … }` at the current position, onto `tpl`. */
  private sequence(tpl: Template, inside: string): void {
    const t = this.text;
    const start = this.pos;
    const interp = t.charCodeAt(start) === DOLLAR;
    const opener = interp ? '${' : '%{';
    this.pos += 2;
    if (this.code() === TILDE) {
      this.pos++;
      const last = tpl.parts.length - 1;
      const prev = tpl.parts[last];
      if (tpl.canTrimPrev && typeof prev === 'string') tpl.parts[last] = trimEndSpace(prev);
    }
    tpl.canTrimPrev = false;
    tpl.ltrimNext = false;
    this.enter(start);
    const saved = this.nl;
    this.nl = false;
    let part: HclExpr;
    let scope: string[] | null | undefined;
    if (interp) {
      part = this.expr();
    } else {
      this.skip();
      const kwAt = this.pos;
      const kw = this.ident();
      const open = (tpl.open ??= []);
      const top = open[open.length - 1];
      let kid: HclExpr | undefined;
      switch (kw) {
        case 'if':
          kid = this.expr();
          if (open.length >= this.maxDepth) this.fail(`directives nested more than ${this.maxDepth} levels deep: not read`, start);
          open.push({ kind: 'if', at: start });
          break;
        case 'else':
          if (top?.kind !== 'if') this.fail('%{ else } without an open %{ if }', start);
          top.kind = 'else';
          break;
        case 'endif':
          if (top?.kind !== 'if' && top?.kind !== 'else') this.fail('%{ endif } without an open %{ if }', start);
          open.pop();
          break;
        case 'for': {
          const names = this.forNames('a %{ for } directive');
          kid = this.expr();
          if (open.length >= this.maxDepth) this.fail(`directives nested more than ${this.maxDepth} levels deep: not read`, start);
          open.push({ kind: 'for', at: start });
          scope = names;
          break;
        }
        case 'endfor':
          if (top?.kind !== 'for') this.fail('%{ endfor } without an open %{ for }', start);
          open.pop();
          scope = null;
          break;
        default:
          this.fail(`expected if, else, endif, for or endfor after "%{", found ${kw === undefined ? this.found() : quote(kw)}`, kwAt);
      }
      this.closeSequence(tpl, start, opener, inside);
      part = this.other(start, this.pos, kid ? [kid] : []);
    }
    if (interp) this.closeSequence(tpl, start, opener, inside);
    if (scope !== undefined) (tpl.scopes ??= new Map()).set(part, scope);
    tpl.parts.push(part);
    this.nl = saved;
    this.depth--;
  }

  private closeSequence(tpl: Template, start: number, opener: string, inside: string): void {
    this.skip();
    const c = this.code();
    if (c === TILDE && this.text.charCodeAt(this.pos + 1) === RBRACE) {
      this.pos += 2;
      tpl.ltrimNext = true;
      return;
    }
    if (c === RBRACE) {
      this.pos++;
      return;
    }
    if (this.pos >= this.n || (c === QUOTE && inside === '"')) this.fail(`unterminated ${opener} (opened here)`, start);
    this.expected(`"}" to close ${opener}`, this.pos);
  }

  /** The node for a quoted string or heredoc from its parts: `string` if none is an expression. */
  private finish(start: number, end: number, tpl: Template, flush: boolean): HclExpr {
    const top = tpl.open?.[tpl.open.length - 1];
    if (top) this.fail(top.kind === 'for' ? '%{ for } without its %{ endfor }' : '%{ if } without its %{ endif }', top.at);
    const parts = tpl.parts;
    if (flush) flushHeredoc(parts);
    let own: Ref[] | undefined;
    if (tpl.scopes) own = scopedRefs(parts, tpl.scopes);
    const out: Part[] = [];
    let run: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (typeof part === 'string') {
        if (part) run.push(part);
      } else {
        if (run.length) out.push(run.length === 1 ? run[0]! : run.join(''));
        run = [];
        out.push(part);
      }
    }
    if (out.length === 0) return { kind: 'string', value: run.length === 1 ? run[0]! : run.join(''), start, end };
    if (run.length) out.push(run.length === 1 ? run[0]! : run.join(''));
    const node: HclExpr = { kind: 'template', parts: out.slice(), start, end };
    if (own) TEMPLATE_REFS.set(node, own);
    return node;
  }
}

/**
 * `<<-`: the smallest indentation of the lines' leading literals (a blank line does not count; a
 * line that starts with `${`/`%{` counts as 0) is removed from each, as hclsyntax's
 * flushHeredocTemplateParts does (after strip markers, so a literal they emptied counts as 0).
 */
function flushHeredoc(parts: Part[]): void {
  let min = Infinity;
  let newline = true;
  const adjust: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (newline) {
      newline = false;
      let spaces = 0;
      if (typeof part === 'string') {
        let lead = 0;
        while (lead < part.length && isSpace(part.charCodeAt(lead))) lead++;
        if (lead === part.length && part.endsWith('\n')) {
          spaces = Infinity;
        } else {
          spaces = lead;
          adjust.push(i);
        }
      }
      if (spaces < min) min = spaces;
    }
    if (typeof part === 'string' && part.endsWith('\n')) newline = true;
  }
  if (min === 0 || min === Infinity) return;
  for (const i of adjust) parts[i] = (parts[i] as string).slice(min);
}

/** The refs of a template's parts, leaving out the names a `%{ for }` binds between it and its `%{ endfor }`. */
function scopedRefs(parts: Part[], scopes: Map<HclExpr, string[] | null>): Ref[] {
  const out: Ref[] = [];
  const active: string[] = [];
  const sizes: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') continue;
    const scope = scopes.get(part);
    const refs: Ref[] = [];
    collect(part, refs);
    for (const r of active.length ? bound(refs, active) : refs) out.push(r);
    if (scope) {
      sizes.push(scope.length);
      active.push(...scope);
    } else if (scope === null) {
      active.length -= sizes.pop() ?? 0;
    }
  }
  return out;
}
