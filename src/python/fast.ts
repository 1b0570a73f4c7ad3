/**
 * A hand-written parser for the Python that settings files are made of, producing the very tree
 * @lezer/python produces (the same node names, the same positions, comments where lezer puts
 * them), or nothing. It gives up (returns undefined) on a syntax error and on every construct it
 * does not know as exactly as lezer (`match`, `yield` other than as a statement of a function,
 * `async`, `:=` outside conditions, parentheses and arguments, `print x`, decorators on
 * expressions, backslash continuations, tabs in indentation, non-ASCII names, a CR outside a CRLF...), and the
 * caller then parses the file with lezer: the result is lezer's in every case, only sooner.
 *
 * Why: a cold @lezer/python parse of a 2,000-line settings file took 55-60 ms of a run of 160
 * (its tables are deserialised and its generic LR loop runs in V8's interpreter); this parser
 * reads the same file in a fraction of that, and the evaluator walks plain objects instead of
 * lezer's buffer cursors. test/python-fast.test.ts compares the two trees node for node on every
 * Python file of the fixtures, on generated settings and on the Python standard library and
 * Django sources of the machine, and the fuzz target does on random input.
 */

import { lowerBound } from '../sorted.js';

/** A node of the tree, shaped like the part of lezer's SyntaxNode the evaluator reads. */
export class PyNode {
  // No parent or previous sibling: the evaluator does not ask, and a smaller node is less for the
  // garbage collector to copy while the tree is alive (a 2,000-line settings file makes ~15,000).
  firstChild: PyNode | null = null;
  lastChild: PyNode | null = null;
  nextSibling: PyNode | null = null;
  constructor(
    readonly name: string,
    public from: number,
    public to: number,
  ) {}
  add(c: PyNode): void {
    if (this.lastChild) this.lastChild.nextSibling = c;
    else this.firstChild = c;
    this.lastChild = c;
  }
  /** Puts c between prev (or first) and prev's next sibling: only comments are placed after the fact. */
  insertAfter(c: PyNode, prev: PyNode | null): void {
    const next = prev ? prev.nextSibling : this.firstChild;
    c.nextSibling = next;
    if (prev) prev.nextSibling = c;
    else this.firstChild = c;
    if (!next) this.lastChild = c;
  }
}

export interface FastTree {
  readonly topNode: PyNode;
  readonly fast: true;
}

/** Thrown inside the parser where it gives the file to lezer. */
class GiveUp {}
const GIVE_UP = new GiveUp();

// Token kinds.
/** What commaSep's items are. */
const TEST = 0, EXPR = 1, NAMES = 2;
const NAME = 1, KW = 2, NUM = 3, STR = 4, OP = 5, NL = 6, INDENT = 7, DEDENT = 8, EOF = 9;

const KEYWORDS = new Set([
  'and', 'as', 'assert', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global',
  'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'None', 'True', 'False',
  'yield',
]);
/** Keywords lezer knows that this parser leaves to it. */
const GIVE_UP_WORDS = new Set(['async', 'await']);
/** Soft keywords: a statement that starts with one is left to lezer (it tries both readings). */
const SOFT_KEYWORDS = new Set(['match', 'case', 'type']);

/** One-character operators by character code (no string made for each). */
const OP1: string[] = [];
for (const ch of '+-*/%@&|^~<>()[]{},:.;=!') OP1[ch.charCodeAt(0)] = ch;
const UPDATE_OPS = new Set(['+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=', '**=', '//=', '@=']);
/**
 * Nesting past this, lezer's own limits may come into play: left to it. Every bracket is at least
 * one level, so a file the parser reads is far from CPython's 200 nested brackets (the caller
 * checks src/python/limits.ts only for the files it leaves).
 */
const MAX_DEPTH = 150;
/** lezer forces a reduction after 300 nested nodes of 2,000 characters or more with one start. */
const BIG_NODE = 2000;
const MAX_BIG_SAME_START = 75;

function isIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdChar(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** The tree lezer would give, or undefined where this parser leaves the file to lezer. */
export function fastParsePython(text: string): FastTree | undefined {
  // A NUL byte anywhere (a comment, a string): Python refuses the file; lezer reads on.
  if (text.includes('\0')) return undefined;
  // CRLF line ends (a file saved on Windows): read with LF ends, then every position moved back
  // past the CRs before it. A CR alone is left to lezer.
  let crs: number[] | undefined;
  if (text.includes('\r')) {
    crs = [];
    let lf = '';
    let from = 0;
    for (let i = text.indexOf('\r'); i >= 0; i = text.indexOf('\r', i + 1)) {
      if (text.charCodeAt(i + 1) !== 10) return undefined;
      lf += text.slice(from, i);
      from = i + 1;
      // Where the CR was, counted in the text without CRs: the LF's position there.
      crs.push(i - crs.length);
    }
    text = lf + text.slice(from);
  }
  try {
    const top = new Parser(text, crs !== undefined).script();
    if (crs) withCrs(top, crs);
    return { topNode: top, fast: true };
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    if (e instanceof RangeError) return undefined; // a stack too deep: lezer decides
    throw e;
  }
}

class Parser {
  private readonly n: number;
  /** Where scanning resumes (the end of the current token). */
  private pos = 0;
  /** Function bodies being read (a class body sets it back to 0): where a yield statement may be. */
  private functionDepth = 0;
  // The current token.
  private kind = 0;
  private from = 0;
  private to = 0;
  private val = '';
  /** End of the last token taken that counts for a node's end (lezer's reducePos). */
  private lastEnd = 0;
  /** Open brackets: newlines are not tokens inside them. */
  private brackets = 0;
  private readonly indents: number[] = [0];
  private pendingDedents = 0;
  private atLineStart = true;
  private depth = 0;
  private readonly comments: PyNode[] = [];
  private bigStart = -1;
  private bigCount = 0;
  private bigSize = 0;

  constructor(
    private readonly s: string,
    /** The file's line ends were CRLF (they are LF in `s`). */
    private readonly crlf = false,
  ) {
    this.n = s.length;
  }

  private fail(): never {
    throw GIVE_UP;
  }

  // ---- scanning ----

  /** Scans the token at this.pos into kind/from/to/val. */
  private scan(): void {
    const s = this.s;
    if (this.pendingDedents > 0) {
      this.pendingDedents--;
      this.kind = DEDENT;
      this.from = this.to = this.pos;
      return;
    }
    let p = this.pos;
    if (this.atLineStart && this.brackets === 0) {
      // Blank and comment lines, then the indentation of the next line of code.
      for (;;) {
        let col = 0;
        while (p < this.n && s.charCodeAt(p) === 32) {
          p++;
          col++;
        }
        const c = p < this.n ? s.charCodeAt(p) : -1;
        if (c === 9 || c === 12 || c === 13 || c === 11 || c === 92) this.fail();
        if (c === 10) {
          p++;
          continue;
        }
        if (c === 35) {
          p = this.comment(p);
          if (p < this.n) p++; // its newline
          continue;
        }
        this.atLineStart = false;
        this.pos = p;
        if (c === -1) {
          // A last line of spaces without a newline: lezer's indentation tokenizer reads its
          // depth (an indent or dedent there moves the end of a statement, or is an error).
          if (col > 0) this.fail();
          // The end: a dedent for every open block, then the end.
          if (this.indents.length > 1) {
            this.pendingDedents = this.indents.length - 2;
            this.indents.length = 1;
            this.kind = DEDENT;
            this.from = this.to = p;
            return;
          }
          this.kind = EOF;
          this.from = this.to = p;
          return;
        }
        const top = this.indents[this.indents.length - 1]!;
        if (col > top) {
          // CPython refuses a 100th level (src/python/limits.ts reports it): left to that check.
          if (this.indents.length > 90) this.fail();
          this.indents.push(col);
          this.kind = INDENT;
          this.from = p - col;
          this.to = p;
          return;
        }
        if (col < top) {
          let k = 0;
          while (this.indents[this.indents.length - 1]! > col) {
            this.indents.pop();
            k++;
          }
          if (this.indents[this.indents.length - 1] !== col) this.fail(); // an inconsistent dedent
          this.pendingDedents = k - 1;
          this.kind = DEDENT;
          this.from = this.to = p - col;
          return;
        }
        break;
      }
    }
    // Spaces and comments within a line; newlines too inside brackets.
    for (;;) {
      const c = p < this.n ? s.charCodeAt(p) : -1;
      if (c === 32 || c === 9) p++;
      else if (c === 35) p = this.comment(p);
      else if (c === 10 && this.brackets > 0) p++;
      else if (c === 92 && s.charCodeAt(p + 1) === 10) {
        // A continuation line: lezer's `space` token takes the backslash, the newline and the
        // next line's indentation, so no indentation token comes of it, except where that line
        // starts at column 0 inside a block (a dedent to lezer) or is blank (a blank line).
        p += 2;
        const start = p;
        while (p < this.n && (s.charCodeAt(p) === 32 || s.charCodeAt(p) === 9)) p++;
        if (this.brackets === 0) {
          const d = p < this.n ? s.charCodeAt(p) : -1;
          if (d === 10 || d === 35 || d === -1 || d === 13) this.fail();
          if (p === start && this.indents[this.indents.length - 1] !== 0) this.fail();
        }
      } else if (c === 92 || c === 12 || c === 13 || c === 11) this.fail(); // form feeds, CR: left to lezer
      else break;
    }
    this.from = p;
    if (p >= this.n) {
      this.kind = EOF;
      this.to = this.pos = p;
      return;
    }
    const c = s.charCodeAt(p);
    if (c === 10) {
      this.kind = NL;
      this.to = this.pos = p + 1;
      return;
    }
    if (isIdStart(c)) {
      let q = p + 1;
      while (q < this.n && isIdChar(s.charCodeAt(q))) q++;
      const q0 = q < this.n ? s.charCodeAt(q) : -1;
      if (q0 === 39 || q0 === 34) {
        // A string prefix?
        const pre = s.slice(p, q).toLowerCase();
        if (pre === 'r' || pre === 'u' || pre === 'b' || pre === 'f' || pre === 'rb' || pre === 'br' || pre === 'rf' || pre === 'fr') {
          this.kind = STR;
          this.to = this.pos = p; // the string is read when taken
          return;
        }
        this.fail();
      }
      if (q0 >= 128) this.fail();
      // Only a short word may be a keyword (no string is made for the others: UPPER_CASE settings).
      const w = q - p <= 8 && (c >= 97 || c === 78 || c === 84 || c === 70) ? s.slice(p, q) : '';
      if (GIVE_UP_WORDS.has(w)) this.fail();
      if (w === 'print') {
        // lezer's legacyPrint tokenizer: `print` followed by anything but (, ., a newline or a
        // comment is Python 2's print statement.
        let r = q;
        while (r < this.n && (s.charCodeAt(r) === 32 || s.charCodeAt(r) === 9)) r++;
        const after = r < this.n ? s.charCodeAt(r) : -1;
        if (after !== 40 && after !== 46 && after !== 10 && after !== 35) this.fail();
      }
      this.kind = KEYWORDS.has(w) ? KW : NAME;
      this.val = w;
      this.to = this.pos = q;
      return;
    }
    if (c === 39 || c === 34) {
      this.kind = STR;
      this.to = this.pos = p;
      return;
    }
    if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(p + 1)))) {
      this.kind = NUM;
      this.to = this.pos = this.number(p);
      return;
    }
    if (c >= 128) this.fail();
    // Operators: the longest of lezer's tokens that starts here.
    const c1 = p + 1 < this.n ? s.charCodeAt(p + 1) : -1;
    const c2 = p + 2 < this.n ? s.charCodeAt(p + 2) : -1;
    let len = 1;
    switch (c) {
      case 42: // * ** *= **=
      case 47: // / // /= //=
      case 60: // < << <= <<= <>
      case 62: // > >> >= >>=
        if (c1 === c) len = c2 === 61 ? 3 : 2;
        else if (c1 === 61) len = 2;
        else if (c === 60 && c1 === 62) this.fail(); // <>: Python 2
        break;
      case 46: // . ...
        if (c1 === 46 && c2 === 46) len = 3;
        break;
      case 45: // - -= ->
        if (c1 === 61 || c1 === 62) len = 2;
        break;
      case 58: // : :=
        if (c1 === 61) len = 2;
        break;
      case 64: // @ (@= is left to lezer)
        if (c1 === 61) this.fail();
        break;
      case 43: // + +=
      case 37: // %
      case 38: // &
      case 124: // |
      case 94: // ^
      case 61: // = ==
      case 33: // ! !=
        if (c1 === 61) len = 2;
        break;
      case 40:
      case 41:
      case 91:
      case 93:
      case 123:
      case 125:
      case 44:
      case 59:
      case 126:
        break;
      default:
        this.fail();
    }
    this.kind = OP;
    this.val = len === 1 ? OP1[c]! : s.slice(p, p + len);
    this.to = this.pos = p + len;
  }

  /** A comment from p (at `#`) to the end of its line; returns where it ends. */
  private comment(p: number): number {
    let q = p;
    while (q < this.n) {
      const c = this.s.charCodeAt(q);
      if (c === 10) break;
      if (c === 13) this.fail();
      q++;
    }
    this.comments.push(new PyNode('Comment', p, q));
    return q;
  }

  private digits(p: number, ok: (c: number) => boolean): number {
    while (p < this.n) {
      const c = this.s.charCodeAt(p);
      if (ok(c) || c === 95) p++;
      else break;
    }
    return p;
  }

  /** lezer's Number token from p; gives up where the text goes on like a word or a dot. */
  private number(p: number): number {
    const s = this.s;
    let q: number;
    const c1 = s.charCodeAt(p + 1) | 32;
    if (s.charCodeAt(p) === 48 && (c1 === 120 || c1 === 111 || c1 === 98)) {
      const ok = c1 === 120 ? isHex : c1 === 111 ? (c: number) => c >= 48 && c <= 55 : (c: number) => c === 48 || c === 49;
      q = this.digits(p + 2, ok);
      if (q === p + 2) this.fail();
    } else {
      q = s.charCodeAt(p) === 46 ? p : this.digits(p, isDigit);
      if (s.charCodeAt(q) === 46 && isDigit(s.charCodeAt(q + 1))) q = this.digits(q + 1, isDigit);
      const e = s.charCodeAt(q) | 32;
      if (e === 101) {
        let r = q + 1;
        if (s.charCodeAt(r) === 43 || s.charCodeAt(r) === 45) r++;
        if (isDigit(s.charCodeAt(r))) q = this.digits(r, isDigit);
      }
      if ((s.charCodeAt(q) | 32) === 106) q++;
    }
    const after = q < this.n ? s.charCodeAt(q) : -1;
    if (after === 46 || isIdChar(after) || after >= 128) this.fail();
    return q;
  }

  /** Takes the current token: its end counts for the nodes around it, and the next is scanned. */
  private next(): void {
    if (this.to > this.from) this.lastEnd = this.to;
    if (this.kind === OP) {
      const v = this.val;
      if (v === '(' || v === '[' || v === '{') this.brackets++;
      else if (v === ')' || v === ']' || v === '}') this.brackets--;
    } else if (this.kind === NL) this.atLineStart = true;
    this.scan();
  }

  /** The current token's kind (a call: TypeScript would keep a comparison's narrowing past next()). */
  private current(): number {
    return this.kind;
  }
  private atStatementEnd(): boolean {
    return this.kind === NL || this.kind === EOF || this.isOp(';');
  }
  private isOp(v: string): boolean {
    return this.kind === OP && this.val === v;
  }
  private isKw(v: string): boolean {
    return this.kind === KW && this.val === v;
  }

  /** The current token as a leaf named `name`, taken. */
  private leaf(name: string): PyNode {
    const node = new PyNode(name, this.from, this.to);
    this.next();
    return node;
  }
  private expectOp(v: string): PyNode {
    if (!this.isOp(v)) this.fail();
    return this.leaf(v);
  }
  private expectKw(v: string): PyNode {
    if (!this.isKw(v)) this.fail();
    return this.leaf(v);
  }
  private name(): PyNode {
    if (this.kind !== NAME) this.fail();
    return this.leaf('VariableName');
  }

  private open(name: string, from = this.from): PyNode {
    return new PyNode(name, from, from);
  }
  private close(node: PyNode): PyNode {
    node.to = this.lastEnd;
    // lezer's count (Stack.reduce): one more for a big node where the last big one started, a new
    // count for a bigger one elsewhere. It may count two reductions for one node of this tree
    // (a 700-term sum stops at the 650th), so this gives up at a quarter of its 300.
    const size = node.to - node.from;
    if (size >= BIG_NODE) {
      if (node.from === this.bigStart) {
        this.bigSize = size;
        if (++this.bigCount > MAX_BIG_SAME_START) this.fail();
      } else if (this.bigSize < size) {
        this.bigStart = node.from;
        this.bigSize = size;
        this.bigCount = 1;
      }
    }
    return node;
  }
  /** A node around `first` (already parsed), as lezer's left-recursive rules make. */
  private wrap(name: string, first: PyNode): PyNode {
    const node = new PyNode(name, first.from, first.to);
    node.add(first);
    return node;
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail();
  }

  // ---- statements ----

  script(): PyNode {
    this.scan();
    const top = new PyNode('Script', 0, this.n);
    while (this.kind !== EOF) {
      if (this.kind === INDENT || this.kind === DEDENT) this.fail();
      this.statement(top);
    }
    placeComments(top, this.comments);
    return top;
  }

  private statement(parent: PyNode): void {
    if (this.kind === KW) {
      switch (this.val) {
        case 'if':
          return parent.add(this.ifStatement());
        case 'while':
          return parent.add(this.whileStatement());
        case 'for':
          return parent.add(this.forStatement());
        case 'try':
          return parent.add(this.tryStatement());
        case 'with':
          return parent.add(this.withStatement());
        case 'def':
          return parent.add(this.functionDefinition());
        case 'class':
          return parent.add(this.classDefinition());
      }
    } else if (this.isOp('@')) return parent.add(this.decorated());
    this.simpleStatement(parent);
  }

  /** smallStatement (";" smallStatement?)* and the newline: a StatementGroup when there are several. */
  private simpleStatement(parent: PyNode): void {
    const first = this.smallStatement();
    if (!this.isOp(';')) {
      parent.add(first);
      return this.endOfLine();
    }
    const group = this.wrap('StatementGroup', first);
    while (this.isOp(';')) {
      group.add(this.leaf(';'));
      if (this.kind !== NL && this.kind !== EOF) group.add(this.smallStatement());
    }
    this.endOfLine();
    parent.add(this.close(group));
  }

  private endOfLine(): void {
    if (this.kind === NL) this.next();
    else if (this.kind !== EOF) this.fail();
  }

  private smallStatement(): PyNode {
    if (this.kind === KW) {
      switch (this.val) {
        case 'pass':
          return this.keywordOnly('PassStatement');
        case 'break':
          return this.keywordOnly('BreakStatement');
        case 'continue':
          return this.keywordOnly('ContinueStatement');
        case 'del': {
          const st = this.open('DeleteStatement');
          st.add(this.leaf('del'));
          this.commaSep(st, EXPR);
          return this.close(st);
        }
        case 'yield': {
          // `yield x, y` and `yield from x` as a statement of a function's body: lezer's
          // YieldStatement. A bare `yield` (lezer's commaSep wants an item), one outside a
          // function (Python refuses it) and a yield inside an expression are left to lezer.
          if (this.functionDepth === 0) this.fail();
          const st = this.open('YieldStatement');
          st.add(this.leaf('yield'));
          if (this.isKw('from')) {
            st.add(this.leaf('from'));
            st.add(this.test());
          } else {
            if (this.atStatementEnd()) this.fail();
            this.commaSep(st, TEST, true);
          }
          return this.close(st);
        }
        case 'return': {
          const st = this.open('ReturnStatement');
          st.add(this.leaf('return'));
          if (!this.atStatementEnd()) this.commaSep(st, TEST, true);
          return this.close(st);
        }
        case 'raise': {
          const st = this.open('RaiseStatement');
          st.add(this.leaf('raise'));
          if (!this.atStatementEnd()) {
            st.add(this.test());
            if (this.isKw('from')) {
              st.add(this.leaf('from'));
              st.add(this.test());
            } else if (this.isOp(',')) {
              st.add(this.leaf(','));
              st.add(this.test());
              if (this.isOp(',')) {
                st.add(this.leaf(','));
                st.add(this.test());
              }
            }
          }
          return this.close(st);
        }
        case 'global':
        case 'nonlocal': {
          const st = this.open('ScopeStatement');
          st.add(this.leaf(this.val));
          this.commaSep(st, NAMES);
          return this.close(st);
        }
        case 'assert': {
          const st = this.open('AssertStatement');
          st.add(this.leaf('assert'));
          this.commaSep(st, TEST);
          return this.close(st);
        }
        case 'import':
        case 'from':
          return this.importStatement();
      }
    }
    if (this.kind === NAME && SOFT_KEYWORDS.has(this.val)) {
      // lezer reads both ways; where the word is followed by `=`, `:` or `.name`, only the name's survives.
      let r = this.to;
      while (r < this.n && this.s.charCodeAt(r) === 32) r++;
      const a = this.s.charCodeAt(r);
      const b = this.s.charCodeAt(r + 1);
      if (!((a === 61 && b !== 61) || a === 58 || (a === 46 && isIdStart(b)))) this.fail();
    }
    // expressions, then an assignment, an update or nothing.
    const st = this.open('ExpressionStatement');
    this.commaSep(st, TEST, true);
    if (this.isOp('=') || this.isOp(':')) {
      (st as { name: string }).name = 'AssignStatement';
      if (this.isOp(':')) st.add(this.typeDef());
      while (this.isOp('=')) {
        st.add(this.leaf('AssignOp'));
        this.commaSep(st, TEST, true);
      }
    } else if (this.kind === OP && UPDATE_OPS.has(this.val)) {
      (st as { name: string }).name = 'UpdateStatement';
      st.add(this.leaf('UpdateOp'));
      this.commaSep(st, TEST);
    }
    return this.close(st);
  }

  private keywordOnly(name: string): PyNode {
    const st = this.open(name);
    st.add(this.leaf(this.val));
    return this.close(st);
  }

  private typeDef(): PyNode {
    const t = this.open('TypeDef');
    t.add(this.leaf(':'));
    t.add(this.test());
    return this.close(t);
  }

  /** item ("," item)* ","?, flat in parent: tests (TEST), expressions (EXPR) or names (NAMES); `star` allows `*expression` items. */
  private commaSep(parent: PyNode, item: number, star = false): void {
    for (;;) {
      if (star && this.kind === OP && this.val === '*') {
        parent.add(this.leaf('*'));
        parent.add(this.expression());
      } else parent.add(item === TEST ? this.test() : item === EXPR ? this.expression() : this.name());
      if (!this.isOp(',')) return;
      parent.add(this.leaf(','));
      if (!this.startsTest()) return;
    }
  }

  /** Whether the current token can begin an expression (after a trailing comma, whether one follows). */
  private startsTest(): boolean {
    switch (this.kind) {
      case NAME:
      case NUM:
      case STR:
        return true;
      case KW:
        return this.val === 'None' || this.val === 'True' || this.val === 'False' || this.val === 'not' || this.val === 'lambda';
      case OP:
        return this.val === '(' || this.val === '[' || this.val === '{' || this.val === '-' || this.val === '+' || this.val === '~' || this.val === '...' || this.val === '*';
    }
    return false;
  }

  private importStatement(): PyNode {
    const st = this.open('ImportStatement');
    if (this.isKw('import')) {
      st.add(this.leaf('import'));
      this.importedNames(st);
      return this.close(st);
    }
    st.add(this.leaf('from'));
    let dots = false;
    while (this.isOp('.') || this.isOp('...')) {
      st.add(this.leaf(this.val === '.' ? '.' : 'Ellipsis'));
      dots = true;
    }
    if (this.kind === NAME) this.dottedName(st);
    else if (!dots) this.fail();
    st.add(this.expectKw('import'));
    if (this.isOp('*')) st.add(this.leaf('*'));
    else this.importedNames(st);
    return this.close(st);
  }

  private importedNames(st: PyNode): void {
    const paren = this.isOp('(');
    if (paren) st.add(this.leaf('('));
    for (;;) {
      this.dottedName(st);
      if (this.isKw('as')) {
        st.add(this.leaf('as'));
        st.add(this.name());
      }
      if (!this.isOp(',')) break;
      st.add(this.leaf(','));
      if (this.kind !== NAME) break;
    }
    if (paren) st.add(this.expectOp(')'));
  }

  private dottedName(st: PyNode): void {
    st.add(this.name());
    while (this.isOp('.')) {
      st.add(this.leaf('.'));
      st.add(this.name());
    }
  }

  /** Body { ":" (simpleStatement | newline indent statement+ (dedent | eof)) } */
  private body(): PyNode {
    this.enter();
    const b = this.open('Body');
    b.add(this.expectOp(':'));
    if (this.kind === NL) {
      this.next();
      if (this.current() !== INDENT) this.fail();
      this.next();
      do this.statement(b);
      while (this.current() !== DEDENT && this.current() !== EOF);
      if (this.current() === DEDENT) this.next();
    } else this.simpleStatement(b);
    this.depth--;
    return this.close(b);
  }

  private ifStatement(): PyNode {
    const st = this.open('IfStatement');
    st.add(this.leaf('if'));
    st.add(this.testNamed());
    st.add(this.body());
    while (this.isKw('elif')) {
      st.add(this.leaf('elif'));
      st.add(this.testNamed());
      st.add(this.body());
    }
    this.elseClause(st);
    return this.close(st);
  }

  private elseClause(st: PyNode): void {
    if (this.isKw('else')) {
      st.add(this.leaf('else'));
      st.add(this.body());
    }
  }

  private whileStatement(): PyNode {
    const st = this.open('WhileStatement');
    st.add(this.leaf('while'));
    st.add(this.testNamed());
    st.add(this.body());
    this.elseClause(st);
    return this.close(st);
  }

  private forStatement(): PyNode {
    const st = this.open('ForStatement');
    st.add(this.leaf('for'));
    this.commaSep(st, EXPR, true);
    st.add(this.expectKw('in'));
    this.commaSep(st, TEST);
    st.add(this.body());
    this.elseClause(st);
    return this.close(st);
  }

  private tryStatement(): PyNode {
    const st = this.open('TryStatement');
    st.add(this.leaf('try'));
    st.add(this.body());
    while (this.isKw('except')) {
      st.add(this.leaf('except'));
      if (this.isOp('*')) this.fail();
      if (!this.isOp(':')) {
        st.add(this.test());
        if (this.isKw('as') || this.isOp(',')) {
          st.add(this.leaf(this.val));
          st.add(this.name());
        }
      }
      st.add(this.body());
    }
    this.elseClause(st);
    if (this.isKw('finally')) {
      st.add(this.leaf('finally'));
      st.add(this.body());
    }
    return this.close(st);
  }

  private withStatement(): PyNode {
    const st = this.open('WithStatement');
    st.add(this.leaf('with'));
    for (;;) {
      st.add(this.test());
      if (this.isKw('as')) {
        st.add(this.leaf('as'));
        st.add(this.name());
      }
      if (!this.isOp(',')) break;
      st.add(this.leaf(','));
      if (this.isOp(':')) break;
    }
    st.add(this.body());
    return this.close(st);
  }

  private functionDefinition(): PyNode {
    const st = this.open('FunctionDefinition');
    st.add(this.leaf('def'));
    st.add(this.name());
    if (!this.isOp('(')) this.fail();
    const params = this.open('ParamList');
    params.add(this.leaf('('));
    while (!this.isOp(')')) {
      if (this.isOp('*') || this.isOp('**')) {
        const star = this.val;
        params.add(this.leaf(star));
        if (this.kind === NAME) {
          params.add(this.name());
          if (this.isOp(':')) params.add(this.typeDef());
        } else if (star === '**') this.fail();
      } else if (this.isOp('/')) this.next(); // an anonymous token in lezer's grammar: no node
      else {
        params.add(this.name());
        if (this.isOp(':')) params.add(this.typeDef());
        if (this.isOp('=')) {
          params.add(this.leaf('AssignOp'));
          params.add(this.test());
        }
      }
      if (!this.isOp(',')) break;
      params.add(this.leaf(','));
    }
    params.add(this.expectOp(')'));
    st.add(this.close(params));
    if (this.isOp('->')) {
      const t = this.open('TypeDef');
      this.next();
      t.add(this.test());
      st.add(this.close(t));
    }
    this.functionDepth++;
    st.add(this.body());
    this.functionDepth--;
    return this.close(st);
  }

  private classDefinition(): PyNode {
    const st = this.open('ClassDefinition');
    st.add(this.leaf('class'));
    st.add(this.name());
    if (this.isOp('(')) st.add(this.argList());
    // A class body is not a function's, even inside one (a yield there is refused by Python).
    const functionDepth = this.functionDepth;
    this.functionDepth = 0;
    st.add(this.body());
    this.functionDepth = functionDepth;
    return this.close(st);
  }

  private decorated(): PyNode {
    const st = this.open('DecoratedStatement');
    while (this.isOp('@')) {
      const d = this.open('Decorator');
      d.add(this.leaf('At'));
      this.dottedName(d);
      if (this.isOp('(')) d.add(this.argList());
      if (this.kind !== NL) this.fail();
      this.next();
      st.add(this.close(d));
    }
    if (this.isKw('def')) st.add(this.functionDefinition());
    else if (this.isKw('class')) st.add(this.classDefinition());
    else this.fail();
    return this.close(st);
  }

  // ---- expressions ----

  /** test: a lambda, or testInner with an optional conditional. */
  private test(noCond = false): PyNode {
    if (this.isKw('lambda')) return this.lambda(noCond);
    const inner = this.testInner();
    if (noCond || !this.isKw('if')) return inner;
    this.enter();
    const c = this.wrap('ConditionalExpression', inner);
    c.add(this.leaf('if'));
    c.add(this.testInner());
    c.add(this.expectKw('else'));
    c.add(this.test());
    this.depth--;
    return this.close(c);
  }

  /**
   * testNamed: a test, or `name := test` (an assignment expression: PEP 572), lezer's
   * NamedExpression. Read where lezer's grammar has testNamed and the parser reads it (if, elif
   * and while conditions, the first item in parentheses); a `:=` anywhere else is not read, and
   * neither is one whose target is not a plain name (Python refuses it; lezer reads it).
   */
  private testNamed(): PyNode {
    const target = this.test();
    if (!this.isOp(':=')) return target;
    if (target.name !== 'VariableName') this.fail();
    this.enter();
    const n = this.wrap('NamedExpression', target);
    n.add(this.leaf('AssignOp'));
    n.add(this.test());
    this.depth--;
    return this.close(n);
  }

  private lambda(noCond: boolean): PyNode {
    this.enter();
    const l = this.open('LambdaExpression');
    l.add(this.leaf('lambda'));
    const params = this.open('ParamList', this.from);
    if (this.isOp(':')) {
      // lezer's empty ParamList: zero-length, where the colon is.
      l.add(params);
    } else {
      for (;;) {
        if (this.isOp('*')) {
          params.add(this.leaf('*'));
          if (this.kind === NAME) params.add(this.name());
        } else if (this.isOp('**')) {
          params.add(this.leaf('**'));
          params.add(this.name());
        } else {
          params.add(this.name());
          if (this.isOp('=')) {
            params.add(this.leaf('AssignOp'));
            params.add(this.test());
          }
        }
        if (!this.isOp(',')) break;
        params.add(this.leaf(','));
      }
      l.add(this.close(params));
    }
    l.add(this.expectOp(':'));
    l.add(this.test(noCond));
    this.depth--;
    return this.close(l);
  }

  /** testInner: or, and, not, comparisons and the binary operators (lezer's `not` takes all of the testInner after it). */
  private testInner(): PyNode {
    return this.binary(1);
  }

  /** expression: the binary operators from | down, unary prefixes, **, trailers, atoms (no comparison, no `not`). */
  private expression(): PyNode {
    return this.binary(4);
  }

  /** The precedence of the binary operator at the current token (0: none): or 1, and 2, comparisons 3, | 4, ^ 5, & 6, shifts 7, + - 8, * @ / % // 9. */
  private precedence(): number {
    if (this.kind === OP) {
      switch (this.val) {
        case '|':
          return 4;
        case '^':
          return 5;
        case '&':
          return 6;
        case '<<':
        case '>>':
          return 7;
        case '+':
        case '-':
          return 8;
        case '*':
        case '@':
        case '/':
        case '%':
        case '//':
          return 9;
        case '<':
        case '>':
        case '==':
        case '>=':
        case '<=':
        case '!=':
          return 3;
      }
      return 0;
    }
    if (this.kind === KW) {
      switch (this.val) {
        case 'or':
          return 1;
        case 'and':
          return 2;
        case 'in':
        case 'not':
        case 'is':
          return 3;
      }
    }
    return 0;
  }

  /** Precedence climbing over lezer's left-associative levels, from `min` up. */
  private binary(min: number): PyNode {
    this.enter();
    let left: PyNode;
    if (this.kind === KW && this.val === 'not') {
      // unaryTest: lezer's `not` takes a whole testInner; after a comparison operator it is left to lezer.
      if (min > 3) this.fail();
      const u = this.open('UnaryExpression');
      u.add(this.leaf('not'));
      u.add(this.binary(1));
      left = this.close(u);
    } else left = this.unary();
    for (;;) {
      const prec = this.precedence();
      if (prec < min || prec === 0) break;
      const b = this.wrap('BinaryExpression', left);
      if (prec >= 4) {
        b.add(this.operator(prec >= 8 ? 'ArithOp' : 'BitOp'));
      } else if (prec === 3) {
        if (this.kind === OP) b.add(this.leaf('CompareOp'));
        else if (this.val === 'not') {
          b.add(this.leaf('not'));
          b.add(this.expectKw('in'));
        } else if (this.val === 'is') {
          b.add(this.leaf('is'));
          if (this.isKw('not')) b.add(this.leaf('not'));
        } else b.add(this.leaf('in'));
      } else b.add(this.leaf(this.val));
      b.add(this.binary(prec + 1));
      left = this.close(b);
    }
    this.depth--;
    return left;
  }

  private operator(name: string): PyNode {
    if (name === 'ArithOp' && (this.val === '*' || this.val === '@')) {
      const op = new PyNode('ArithOp', this.from, this.to);
      op.add(this.leaf(this.val));
      return op;
    }
    return this.leaf(name);
  }

  /** Prefix + - ~, then an atom with its trailers and a `**`. */
  private unary(): PyNode {
    if (this.kind === OP && (this.val === '-' || this.val === '+' || this.val === '~')) {
      this.enter();
      const u = this.open('UnaryExpression');
      u.add(this.leaf(this.val === '~' ? 'BitOp' : 'ArithOp'));
      u.add(this.unary());
      this.depth--;
      return this.close(u);
    }
    let e = this.atom();
    for (;;) {
      if (this.kind !== OP) return e;
      const v = this.val;
      if (v === '(') {
        const call = this.wrap('CallExpression', e);
        call.add(this.argList());
        e = this.close(call);
      } else if (v === '.') {
        const m = this.wrap('MemberExpression', e);
        m.add(this.leaf('.'));
        if (this.current() !== NAME && this.current() !== KW) this.fail();
        m.add(this.leaf('PropertyName'));
        e = this.close(m);
      } else if (v === '[') {
        const m = this.wrap('MemberExpression', e);
        this.subscript(m);
        e = this.close(m);
      } else if (v === '**') {
        this.enter();
        const b = this.wrap('BinaryExpression', e);
        const op = new PyNode('ArithOp', this.from, this.to);
        op.add(this.leaf('**'));
        b.add(op);
        b.add(this.unary());
        this.depth--;
        return this.close(b);
      } else return e;
    }
  }

  private subscript(m: PyNode): void {
    this.enter();
    m.add(this.leaf('['));
    for (;;) {
      if (!this.isOp(':')) m.add(this.test());
      if (this.isOp(':')) {
        m.add(this.leaf(':'));
        if (!this.isOp(':') && !this.isOp(',') && !this.isOp(']')) m.add(this.test());
        if (this.isOp(':')) {
          m.add(this.leaf(':'));
          if (!this.isOp(',') && !this.isOp(']')) m.add(this.test());
        }
      }
      if (!this.isOp(',')) break;
      m.add(this.leaf(','));
      if (this.isOp(']')) break;
    }
    m.add(this.expectOp(']'));
    this.depth--;
  }

  private argList(): PyNode {
    this.enter();
    const a = this.open('ArgList');
    a.add(this.leaf('('));
    while (!this.isOp(')')) {
      if (this.isOp('**') || this.isOp('*')) {
        a.add(this.leaf(this.val));
        a.add(this.test());
      } else if (this.kind === NAME && this.keywordArgument()) {
        // `name=test` or `name := test`: lezer's argument has no node of its own for either.
        a.add(this.name());
        a.add(this.leaf('AssignOp'));
        a.add(this.test());
        if (this.isKw('for')) this.compFor(a);
      } else {
        a.add(this.test());
        if (this.isKw('for')) this.compFor(a);
      }
      if (!this.isOp(',')) break;
      a.add(this.leaf(','));
    }
    a.add(this.expectOp(')'));
    this.depth--;
    return this.close(a);
  }

  /**
   * Whether the name at the current token is followed by `=` (not `==`) or `:=` on its line: `f(a=1)`. A
   * newline or comment before the `=` is not looked through (the argument is then read as a test,
   * and the `=` makes the parser give up).
   */
  private keywordArgument(): boolean {
    let p = this.to;
    while (p < this.n && (this.s.charCodeAt(p) === 32 || this.s.charCodeAt(p) === 9)) p++;
    const c = this.s.charCodeAt(p);
    const c1 = this.s.charCodeAt(p + 1);
    return (c === 61 && c1 !== 61) || (c === 58 && c1 === 61);
  }

  /** compFor: for commaSep<expression> in testInner (compFor | compIf)?, flat in parent. */
  private compFor(parent: PyNode): void {
    this.enter();
    let loops = 0;
    while (this.isKw('for') || (loops > 0 && this.isKw('if'))) {
      if (this.isKw('for')) {
        parent.add(this.leaf('for'));
        this.commaSep(parent, EXPR);
        parent.add(this.expectKw('in'));
        parent.add(this.testInner());
      } else {
        parent.add(this.leaf('if'));
        parent.add(this.test(true));
      }
      loops++;
    }
    this.depth--;
  }

  private atom(): PyNode {
    switch (this.kind) {
      case NAME:
        return this.leaf('VariableName');
      case NUM:
        return this.leaf('Number');
      case STR:
        return this.strings();
      case KW:
        if (this.val === 'None') return this.leaf('None');
        if (this.val === 'True' || this.val === 'False') return this.leaf('Boolean');
        return this.fail();
      case OP:
        switch (this.val) {
          case '(':
            return this.paren();
          case '[':
            return this.bracket();
          case '{':
            return this.brace();
          case '...':
            return this.leaf('Ellipsis');
        }
    }
    return this.fail();
  }

  /** A starred item or a test (testNamed without `:=`, read only as the first item in parentheses). */
  private item(parent: PyNode): void {
    if (this.isOp('*')) {
      parent.add(this.leaf('*'));
      parent.add(this.expression());
    } else parent.add(this.test());
  }

  private paren(): PyNode {
    this.enter();
    const p = this.open('TupleExpression');
    p.add(this.leaf('('));
    if (!this.isOp(')')) {
      if (this.isOp('*')) this.item(p);
      else p.add(this.testNamed());
      if (this.isKw('for')) {
        (p as { name: string }).name = 'ComprehensionExpression';
        this.compFor(p);
      } else if (this.isOp(',')) this.moreItems(p, ')', false);
      else (p as { name: string }).name = 'ParenthesizedExpression';
    }
    p.add(this.expectOp(')'));
    this.depth--;
    return this.close(p);
  }

  private bracket(): PyNode {
    this.enter();
    const a = this.open('ArrayExpression');
    a.add(this.leaf('['));
    if (!this.isOp(']')) {
      this.item(a);
      if (this.isKw('for')) {
        (a as { name: string }).name = 'ArrayComprehensionExpression';
        this.compFor(a);
      } else this.moreItems(a, ']', false);
    }
    a.add(this.expectOp(']'));
    this.depth--;
    return this.close(a);
  }

  /** `, item` up to the closing bracket (a trailing comma allowed), flat in node. */
  private moreItems(node: PyNode, close: string, dict: boolean): void {
    while (this.isOp(',')) {
      node.add(this.leaf(','));
      if (this.isOp(close)) break;
      this.entry(node, dict);
    }
  }

  /** An item of a list, tuple or set (`*x` or a test), or of a dictionary (`**x` or `k: v`). */
  private entry(node: PyNode, dict: boolean): void {
    if (!dict) return this.item(node);
    if (this.isOp('**')) {
      node.add(this.leaf('**'));
      node.add(this.expression());
    } else {
      node.add(this.test());
      node.add(this.expectOp(':'));
      node.add(this.test());
    }
  }

  private brace(): PyNode {
    this.enter();
    const d = this.open('DictionaryExpression');
    d.add(this.leaf('{'));
    if (!this.isOp('}')) {
      // The first item says which: `**x` or `k: v` a dictionary, `*x` or `v` a set.
      let dict: boolean;
      if (this.isOp('**') || this.isOp('*')) {
        dict = this.isOp('**');
        this.entry(d, dict);
      } else {
        d.add(this.test());
        dict = this.isOp(':');
        if (dict) {
          d.add(this.leaf(':'));
          d.add(this.test());
        }
      }
      if (!dict) (d as { name: string }).name = 'SetExpression';
      if (this.isKw('for')) {
        (d as { name: string }).name = dict ? 'DictionaryComprehensionExpression' : 'SetComprehensionExpression';
        this.compFor(d);
      } else this.moreItems(d, '}', dict);
    }
    d.add(this.expectOp('}'));
    this.depth--;
    return this.close(d);
  }

  // ---- strings ----

  /** One string, or several in a row (ContinuedString). */
  private strings(): PyNode {
    const first = this.string();
    if (this.kind !== STR) return first;
    const c = this.wrap('ContinuedString', first);
    while (this.kind === STR) c.add(this.string());
    return this.close(c);
  }

  /** The string at the current token (its prefix, quotes, escapes and replacements), taken. */
  private string(): PyNode {
    const s = this.s;
    const start = this.from;
    let p = start;
    let raw = false;
    let format = false;
    for (;;) {
      const c = s.charCodeAt(p) | 32;
      if (c === 114) raw = true;
      else if (c === 102) format = true;
      else if (c !== 117 && c !== 98) break;
      p++;
    }
    const quote = s.charCodeAt(p);
    const long = s.charCodeAt(p + 1) === quote && s.charCodeAt(p + 2) === quote;
    p += long ? 3 : 1;
    const node = new PyNode(format ? 'FormatString' : 'String', start, start);
    for (;;) {
      if (p >= this.n) this.fail(); // unterminated
      const c = s.charCodeAt(p);
      if (format && c === 123) {
        if (s.charCodeAt(p + 1) === 123) p += 2;
        else p = this.replacement(node, p);
      } else if (format && c === 125) {
        // `}}`; a single `}` is a syntax error to Python (lezer reads on): left to lezer.
        if (s.charCodeAt(p + 1) !== 125) this.fail();
        p += 2;
      } else if (c === 92) {
        // A backslash before a line's end in a one-line string of a CRLF file: lezer's escape (or
        // raw backslash) takes the CR, and the LF ends the string; here the CR is gone.
        if (this.crlf && !long && s.charCodeAt(p + 1) === 10) this.fail();
        if (raw) {
          if (p + 1 >= this.n) this.fail();
          p += 2;
        } else p = this.escape(node, p);
      } else if (c === quote && (!long || (s.charCodeAt(p + 1) === quote && s.charCodeAt(p + 2) === quote))) {
        p += long ? 3 : 1;
        break;
      } else if (c === 10 && !long) this.fail();
      else if (c === 13) this.fail();
      else p++;
    }
    node.to = p;
    this.pos = p;
    this.lastEnd = p;
    this.scan();
    return node;
  }

  /** An escape at p (a backslash), as lezer's tokenizer reads it; returns its end. */
  private escape(node: PyNode, p: number): number {
    const s = this.s;
    if (p + 1 >= this.n) this.fail();
    const e = s.charCodeAt(p + 1);
    if (e === 13) this.fail();
    let q = p + 2;
    const run = (max: number, ok: (c: number) => boolean) => {
      for (let i = 0; i < max && q < this.n && ok(s.charCodeAt(q)); i++) q++;
    };
    if (e === 111) run(2, (c) => c >= 48 && c <= 55);
    else if (e === 120) run(2, isHex);
    else if (e === 117) run(4, isHex);
    else if (e === 85) run(8, isHex);
    else if (e === 78 && s.charCodeAt(q) === 123) {
      q++;
      while (q < this.n) {
        const c = s.charCodeAt(q);
        if (c === 125 || c === 39 || c === 34 || c === 10) break;
        q++;
      }
      if (s.charCodeAt(q) === 125) q++;
    }
    node.add(new PyNode('Escape', p, q));
    return q;
  }

  /** A replacement field at p (`{`) in an f-string; returns where the string goes on. */
  private replacement(parent: PyNode, p: number): number {
    this.enter();
    const r = new PyNode('FormatReplacement', p, p);
    r.add(new PyNode('{', p, p + 1));
    const saved = { brackets: this.brackets, atLineStart: this.atLineStart, pendingDedents: this.pendingDedents };
    this.brackets = 1;
    this.atLineStart = false;
    this.pendingDedents = 0;
    this.pos = p + 1;
    this.lastEnd = p + 1;
    this.scan();
    if (this.isOp('*')) this.fail();
    this.commaSep(r, TEST);
    if (this.isOp('=')) r.add(this.leafNoScan('FormatSelfDoc'));
    if (this.isOp('!')) {
      const c = this.s.charCodeAt(this.to);
      if (c !== 115 && c !== 114 && c !== 97) this.fail();
      r.add(new PyNode('FormatConversion', this.from, this.to + 1));
      this.pos = this.to + 1;
      this.scan();
    }
    let q: number;
    if (this.isOp(':')) {
      const spec = new PyNode('FormatSpec', this.from, this.to);
      spec.add(new PyNode(':', this.from, this.to));
      q = this.to;
      for (;;) {
        if (q >= this.n) this.fail();
        const c = this.s.charCodeAt(q);
        if (c === 125) break;
        if (c === 123) q = this.replacement(spec, q);
        else if (c === 10 || c === 13 || c === 39 || c === 34 || c === 92) this.fail(); // where lezer's spec reading may differ
        else q++;
        spec.to = q;
      }
      r.add(spec);
      r.add(new PyNode('}', q, q + 1));
      q++;
    } else {
      if (!this.isOp('}')) this.fail();
      r.add(new PyNode('}', this.from, this.to));
      q = this.to;
    }
    r.to = q;
    parent.add(r);
    this.brackets = saved.brackets;
    this.atLineStart = saved.atLineStart;
    this.pendingDedents = saved.pendingDedents;
    this.depth--;
    return q;
  }

  /** The current token as a leaf, without scanning past it (inside an f-string's field). */
  private leafNoScan(name: string): PyNode {
    const node = new PyNode(name, this.from, this.to);
    this.pos = this.to;
    this.scan();
    return node;
  }
}

/**
 * Moves every position of the tree from the text without CRs to the text with them: past each CR
 * that stood before it (`crs`: where each was, counted without CRs, which is its LF's position). So
 * a node that ends at a line's end ends before its CR, as lezer's do. A node that ends just after a
 * CRLF's LF (a block, and the statement it closes) ends, in lezer's tree of the CRLF text, between
 * the CR and the LF; the script ends at the end of the text.
 */
function withCrs(top: PyNode, crs: number[]): void {
  const stack: PyNode[] = [top];
  while (stack.length) {
    const n = stack.pop()!;
    n.from += lowerBound(crs, n.from);
    const before = lowerBound(crs, n.to);
    n.to += n !== top && before > 0 && crs[before - 1] === n.to - 1 ? before - 1 : before;
    for (let c = n.firstChild; c; c = c.nextSibling) stack.push(c);
  }
}

/**
 * Puts each comment in the deepest node whose range holds it, before the first child after it:
 * where lezer's parser leaves a skipped token (one past a node's last token is moved out of it).
 */
function placeComments(top: PyNode, comments: PyNode[]): void {
  let i = 0;
  const place = (node: PyNode): void => {
    let prev: PyNode | null = null;
    let child = node.firstChild;
    while (i < comments.length) {
      const c = comments[i]!;
      if (c.to > node.to && node !== top) return;
      while (child && child.to <= c.from) {
        prev = child;
        child = child.nextSibling;
      }
      if (child && child.from <= c.from && c.to <= child.to && child.firstChild) {
        place(child);
        continue;
      }
      node.insertAfter(c, prev);
      prev = c;
      i++;
    }
  };
  place(top);
}
