/**
 * nginx configuration syntax, read the way nginx reads it.
 *
 * The tokenizer is a transcription of `ngx_conf_read_token()` and `ngx_conf_parse()` from
 * nginx's src/core/ngx_conf_file.c: the same whitespace, quoting, `\` escapes, `${` handling,
 * `#` comments only at the start of a word, and the same error wording. It only adds positions.
 * `*_by_lua_block` bodies are skipped as opaque Lua, as the lua module does.
 */
import type { SourceFile } from '../source.js';
import type { ExpandedNode } from './include.js';
import type { Scope } from './model.js';

export interface NginxArg {
  /** The word after nginx's unescaping (`\"` → `"`, `\n` → newline, quotes removed). */
  value: string;
  /** Offset of the first character of the word in the file, including an opening quote. */
  start: number;
  /** Offset just past the word, including a closing quote. */
  end: number;
  quote: '' | '"' | "'";
  /** The value is a template's, rendered with the container's variables: positions inside it are not the file's. */
  rendered?: boolean;
}

/**
 * A file's directives keep their positions in one Int32Array, not in objects: for each directive,
 * at its slot, [end, argument count, name start, name end, then start and end of each argument].
 * Argument values are read from the text when asked for (they are the text between the offsets,
 * unquoted and unescaped), so a directive nobody asks about costs one small object.
 */
class DirectiveStore {
  /** Rendered argument values (load.ts renderArgs), by the slot of the argument's start. */
  rendered: Map<number, string> | undefined = undefined;
  /** Raw Lua bodies of `*_by_lua_block` directives, by directive slot. */
  lua: Map<number, string> | undefined = undefined;
  /**
   * The include chain of the file's first expansion (NginxDirective.take), whose nodes are the
   * directives themselves: one chain for all of them rather than a field in each.
   */
  via: readonly NginxDirective[] | undefined = undefined;
  /**
   * Parsed blocks whose directive, as its own node, has other children: the expansion of a block
   * with includes, or none past the nesting limit (see NginxDirective.block).
   */
  blocks: Map<number, NginxDirective[]> | undefined = undefined;
  constructor(
    readonly file: SourceFile,
    readonly text: string,
    public pool: Int32Array,
  ) {}
}

/** Directive names are a small vocabulary: one string each, shared by every directive of every file. */
const NAMES = new Map<string, string>();

const NOT_INCLUDED: readonly NginxDirective[] = Object.freeze([]);

/**
 * A directive where the include expansion puts it (an ExpandedNode, include.ts), and once a
 * configuration is built, that configuration's DirectiveAt (model.ts): its scope and its place in
 * the configuration's order. The first time a directive is expanded it is its own node (the directive and
 * its node are one object, and a block without includes is its own list of children); a file
 * included again gets nodes of its own (include.ts, Repeated).
 */
export abstract class Placement {
  /**
   * The expanded children of a block (set by the expansion). A directive's own are its parsed block
   * until the expansion says otherwise: one field for both (see NginxDirective.block).
   */
  children: ExpandedNode[] | undefined = undefined;
  /** The scope it sits in (set by buildNginxConfig). */
  scope: Scope = undefined!;
  /** The include directives that brought this directive here, outermost first. */
  abstract readonly via: readonly NginxDirective[];
  /** (index + 1) * 4, plus 2 once taken as a node, plus 1 when unresolved: three facts in one field. */
  protected bits = 0;

  /** Set on an `include` that could not be read: the enclosing block is not fully known. */
  get unresolved(): boolean | undefined {
    return this.bits & 1 ? true : undefined;
  }

  set unresolved(v: boolean | undefined) {
    this.bits = v ? this.bits | 1 : this.bits & ~1;
  }

  /** Its place in its configuration's order of directives (set by buildNginxConfig; -1 before). */
  get index(): number {
    return (this.bits >>> 2) - 1;
  }

  set index(i: number) {
    this.bits = ((i + 1) << 2) | (this.bits & 3);
  }

  /** As a DirectiveAt: the node is itself. */
  get node(): ExpandedNode {
    return this as unknown as ExpandedNode;
  }
}

export class NginxDirective extends Placement {
  constructor(
    readonly name: string,
    private readonly store: DirectiveStore,
    /** This directive's slot in the store's pool. */
    private readonly at: number,
  ) {
    super();
  }

  /** As an ExpandedNode: the directive is itself. */
  get d(): NginxDirective {
    return this;
  }

  /**
   * Children of a `{ ... }` block; undefined for simple directives and Lua blocks. Kept in the
   * `children` field, which is also the directive's children as its own node in the expansion:
   * the same list while the block holds no include (most blocks), else the block moves aside.
   */
  get block(): NginxDirective[] | undefined {
    return this.store.blocks?.get(this.at) ?? (this.children as NginxDirective[] | undefined);
  }

  set block(block: NginxDirective[] | undefined) {
    this.children = block;
  }

  /** Gives the directive, as its own node, children other than its block (include.ts). */
  expandedAs(children: ExpandedNode[] | undefined): void {
    const block = this.block;
    if (children === block) return;
    if (block) (this.store.blocks ??= new Map()).set(this.at, block);
    this.children = children;
  }

  get via(): readonly NginxDirective[] {
    return this.store.via ?? NOT_INCLUDED;
  }

  /**
   * Takes the directive as its own node in an expansion of its file (true): only in the file's
   * first expansion, whose include chain `via` is (the same array for the whole file). Any other
   * expansion of the same file makes nodes of their own (include.ts).
   */
  take(via: readonly NginxDirective[]): boolean {
    if (this.bits & 2) return false;
    const store = this.store;
    if (store.via === undefined) store.via = via;
    else if (store.via !== via) return false;
    this.bits |= 2;
    return true;
  }

  get file(): SourceFile {
    return this.store.file;
  }

  /** Offset of the directive name. */
  get start(): number {
    return this.store.pool[this.at + 2]!;
  }

  /** Offset just past the terminating `;`, or past the closing `}` of a block. */
  get end(): number {
    return this.store.pool[this.at]!;
  }

  /** The number of arguments (without making them). */
  get argc(): number {
    return this.store.pool[this.at + 1]!;
  }

  get nameArg(): NginxArg {
    return this.argAt(this.at + 2);
  }

  /**
   * The arguments, made anew at each call (the directive keeps none: most are never asked for them,
   * and a kept copy was most of a directive's memory). Read one value with argValue instead.
   */
  get args(): NginxArg[] {
    const n = this.argc;
    const made = new Array<NginxArg>(n);
    for (let i = 0; i < n; i++) made[i] = this.argAt(this.at + 4 + 2 * i);
    return made;
  }

  /** The arguments' values (as args.map((a) => a.value), without making the arguments). */
  values(): string[] {
    const n = this.argc;
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = this.argValue(i)!;
    return out;
  }

  /** Argument i (as args[i], without making the others). */
  arg(i: number): NginxArg | undefined {
    return i >= 0 && i < this.argc ? this.argAt(this.at + 4 + 2 * i) : undefined;
  }

  /** The value of argument i (as args[i]?.value, without making the arguments). */
  argValue(i: number): string | undefined {
    if (i < 0 || i >= this.argc) return undefined;
    const slot = this.at + 4 + 2 * i;
    const store = this.store;
    return store.rendered?.get(slot) ?? valueOf(store.text, store.pool[slot]!, store.pool[slot + 1]!);
  }

  /** Raw Lua source of a `*_by_lua_block { ... }` body. */
  get luaBody(): string | undefined {
    return this.store.lua?.get(this.at);
  }

  /** Gives argument i a rendered value (a template's `${VAR}` filled in; see load.ts). */
  render(i: number, value: string): void {
    const slot = this.at + 4 + 2 * i;
    (this.store.rendered ??= new Map()).set(slot, value);
  }

  private argAt(slot: number): NginxArg {
    const { pool, text } = this.store;
    const start = pool[slot]!;
    const end = pool[slot + 1]!;
    const c = text.charCodeAt(start);
    const rendered = this.store.rendered?.get(slot);
    const arg: NginxArg = { value: rendered ?? valueOf(text, start, end), start, end, quote: c === DQUOTE ? '"' : c === SQUOTE ? "'" : '' };
    if (rendered !== undefined) arg.rendered = true;
    return arg;
  }
}

function commentsOf(text: string, ranges: number[]): NginxComment[] {
  const out = new Array<NginxComment>(ranges.length / 2);
  for (let i = 0; i < ranges.length; i += 2) out[i / 2] = { start: ranges[i]!, end: ranges[i + 1]!, text: text.slice(ranges[i]! + 1, ranges[i + 1]!) };
  return out;
}

/** A word's value from its offsets: without its quotes, unescaped when it holds a backslash. */
function valueOf(text: string, start: number, end: number): string {
  const c = text.charCodeAt(start);
  const quoted = c === DQUOTE || c === SQUOTE;
  const from = quoted ? start + 1 : start;
  const to = quoted ? end - 1 : end;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === BSLASH) return unescape(text, from, to);
  return text.slice(from, to);
}

export interface NginxSyntaxError {
  file: SourceFile;
  offset: number;
  line: number;
  column: number;
  message: string;
}

export interface NginxComment {
  /** Offset of the `#`. */
  start: number;
  /** Offset of the end of the line (exclusive). */
  end: number;
  /** The text after `#`. */
  text: string;
}

export interface ParsedNginxFile {
  file: SourceFile;
  directives: NginxDirective[];
  comments: NginxComment[];
  error?: NginxSyntaxError;
  /** Directives in the file, at every depth. */
  directiveCount: number;
  /**
   * The blocks that hold an `include` directive at some depth (include.ts walks only those to find
   * a file's includes). Undefined: not known, every block is walked.
   */
  includeBlocks?: Set<NginxDirective[]>;
}

const SP = 0x20, TAB = 0x09, CR = 0x0d, LF = 0x0a;
const SEMI = 0x3b, LBRACE = 0x7b, RBRACE = 0x7d, HASH = 0x23, BSLASH = 0x5c;
const DQUOTE = 0x22, SQUOTE = 0x27, DOLLAR = 0x24, RPAREN = 0x29;

/**
 * Blocks whose content a module's own handler reads (cf->handler in ngx_conf_parse): nginx
 * rejects any nested `{` inside them with `unexpected "{"`.
 */
const HANDLER_BLOCKS = new Set(['types', 'map', 'geo', 'split_clients', 'charset_map']);

/**
 * nginx has no nesting limit of its own, but no real configuration nests blocks beyond a handful
 * of levels; past this depth a file is refused (with a located error) rather than overflowing
 * the stack of every later stage.
 */
export const MAX_DEPTH = 200;

/** NGX_CONF_BUFFER: a token that spans this many bytes is refused. */
const CONF_BUFFER = 4096;
/** UTF-16 units that cannot reach CONF_BUFFER bytes (3 bytes a unit at most): no need to count. */
const SAFE_UNITS = Math.floor(CONF_BUFFER / 3);

const enum Tok {
  Ok,
  BlockStart,
  BlockDone,
  FileDone,
  Error,
}

class Stop extends Error {}

export function parseNginx(file: SourceFile): ParsedNginxFile {
  return new Parser(file).run();
}

class Parser {
  private readonly text: string;
  private pos = 0;
  /** Words of the current directive so far (their offsets are written in the pool as they are read). */
  private argn = 0;
  private readonly store: DirectiveStore;
  /** Slots used in store.pool. */
  private used = 0;
  /** Offset of the character that ended the last token (`;`, `{` or `}`), or text length. */
  private stopAt = 0;
  private error: NginxSyntaxError | undefined;
  /** Start and end of each comment, in pairs (made into NginxComments only when asked: see commentsOf). */
  private readonly commentRanges: number[] = [];
  private count = 0;
  private includeCount = 0;
  /** The directives of the blocks being read, innermost last (see parseBlock). */
  private readonly scratch: NginxDirective[] = [];
  private readonly includeBlocks = new Set<NginxDirective[]>();

  constructor(private readonly file: SourceFile) {
    this.text = file.text;
    // About 9 slots a directive, a directive every 40 characters or so: grown when short.
    this.store = new DirectiveStore(file, this.text, new Int32Array(Math.max(64, this.text.length >> 2)));
  }

  run(): ParsedNginxFile {
    const directives: NginxDirective[] = [];
    if (this.text.charCodeAt(0) === 0xfeff) {
      // nginx does not skip a byte order mark: it becomes part of the first directive's name.
      const word = /^\uFEFF[^\s;{]*/.exec(this.text)![0];
      return {
        file: this.file,
        directives,
        comments: [],
        directiveCount: 0,
        error: this.fail(0, `unknown directive "${word}" (the file starts with a UTF-8 byte order mark)`),
      };
    }
    try {
      this.parseBlock(directives, false, false, 0);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
    // Exactly sized: the pool is kept as long as the directives.
    this.store.pool = this.store.pool.slice(0, this.used);
    const { file, text, commentRanges } = this;
    let comments: NginxComment[] | undefined;
    return {
      file,
      directives,
      // Nothing in an audit reads them: a comment costs two numbers until someone asks.
      get comments() {
        return (comments ??= commentsOf(text, commentRanges));
      },
      error: this.error,
      directiveCount: this.count,
      includeBlocks: this.includeBlocks,
    };
  }

  private fail(offset: number, message: string): NginxSyntaxError {
    const { line, column } = this.file.position(offset);
    return { file: this.file, offset, line, column, message };
  }

  private stop(offset: number, message: string): never {
    this.error = this.fail(offset, message);
    throw new Stop();
  }

  /** ngx_conf_parse(): reads directives until `}` (inBlock) or end of file (top level). */
  private parseBlock(out: NginxDirective[], inBlock: boolean, handlerBlock: boolean, depth: number): void {
    for (;;) {
      const rc = this.readToken();
      if (rc === Tok.BlockDone) {
        if (!inBlock) this.stop(this.stopAt, 'unexpected "}"');
        return;
      }
      if (rc === Tok.FileDone) {
        if (inBlock) this.stop(this.text.length, 'unexpected end of file, expecting "}"');
        return;
      }
      const at = this.record();
      const directive = new NginxDirective(this.nameAt(at), this.store, at);
      out.push(directive);
      this.count++;
      if (directive.name === 'include') this.includeCount++;
      if (rc === Tok.BlockStart) {
        if (handlerBlock) this.stop(this.stopAt, 'unexpected "{"');
        if (directive.name.endsWith('_by_lua_block')) {
          const bodyStart = this.stopAt + 1;
          const close = skipLua(this.text, bodyStart);
          if (close < 0) this.stop(this.text.length, 'unexpected end of file, expecting "}"');
          (this.store.lua ??= new Map()).set(at, this.text.slice(bodyStart, close));
          this.pos = close + 1;
          this.store.pool[at] = close + 1;
        } else {
          if (depth >= MAX_DEPTH) this.stop(this.stopAt, `blocks nested more than ${MAX_DEPTH} levels deep`);
          // Nested blocks are read onto one scratch stack, each then copied off exactly sized (no
          // array grown by push is kept, and none is made only to be copied).
          const scratch = this.scratch;
          const from = scratch.length;
          const includesBefore = this.includeCount;
          this.parseBlock(scratch, true, HANDLER_BLOCKS.has(directive.name), depth + 1);
          directive.block = scratch.slice(from);
          scratch.length = from;
          if (this.includeCount > includesBefore) this.includeBlocks.add(directive.block);
          this.store.pool[at] = this.stopAt + 1;
        }
      }
    }
  }

  /**
   * Completes the directive just read in the pool: [end, argument count, name start, name end,
   * arguments...]; its words' offsets are there already (readToken writes them where they go).
   */
  private record(): number {
    const n = this.argn;
    const at = this.used;
    // A directive has a word at least, so the pool already holds its slot.
    const pool = this.store.pool;
    pool[at] = this.stopAt + 1;
    pool[at + 1] = n - 1;
    this.used = at + 2 + 2 * n;
    this.argn = 0;
    return at;
  }

  /** The pool, with room for `size` slots. */
  private poolOf(size: number): Int32Array {
    const pool = this.store.pool;
    if (size <= pool.length) return pool;
    const grown = new Int32Array(Math.max(pool.length * 2, size));
    grown.set(pool);
    return (this.store.pool = grown);
  }

  /** The directive name at a slot, one shared string per name. */
  private nameAt(at: number): string {
    const pool = this.store.pool;
    const value = valueOf(this.text, pool[at + 2]!, pool[at + 3]!);
    let name = NAMES.get(value);
    if (name === undefined) {
      // A copy: a slice would keep the whole file's text alive through the shared table.
      name = Buffer.from(value, 'utf16le').toString('utf16le');
      if (NAMES.size < 10_000) NAMES.set(name, name);
    }
    return name;
  }

  private byteCache = { from: -1, to: -1, bytes: 0 };

  /** UTF-8 length of text[from, to), computed incrementally while a long token grows. */
  private bytesBetween(from: number, to: number): number {
    const c = this.byteCache;
    if (c.from !== from || c.to > to) {
      c.from = from;
      c.to = from;
      c.bytes = 0;
    }
    for (let i = c.to; i < to; i++) {
      const code = this.text.charCodeAt(i);
      c.bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code >= 0xd800 && code < 0xdc00 ? 4 : code >= 0xdc00 && code < 0xe000 ? 0 : 3;
    }
    c.to = to;
    return c.bytes;
  }

  private comment(start: number, end: number): void {
    const stop = this.text.charCodeAt(end - 1) === CR ? end - 1 : end;
    this.commentRanges.push(start, stop);
  }

  /**
   * ngx_conf_read_token(), with positions. The state machine is nginx's; plain words, quoted
   * strings and comments are consumed by tight inner loops that stop at every character the
   * machine treats specially, and before a word could reach nginx's 4 KB buffer limit.
   */
  private readToken(): Tok {
    const text = this.text;
    const len = text.length;
    let pos = this.pos;
    let found = false;
    let needSpace = false;
    let lastSpace = true;
    let variable = false;
    let quoted = false;
    let sQuoted = false;
    let dQuoted = false;
    let start = pos;
    let quote: NginxArg['quote'] = '';
    /** nginx's own `start`: where the buffer must keep bytes from (after an opening quote). */
    let keepFrom = pos;

    for (;;) {
      if (pos >= len) {
        this.pos = pos;
        if (this.argn > 0 || !lastSpace) {
          this.stop(len, 'unexpected end of file, expecting ";" or "}"');
        }
        this.stopAt = len;
        return Tok.FileDone;
      }
      if (pos - keepFrom >= SAFE_UNITS && this.bytesBetween(keepFrom, pos) >= CONF_BUFFER) {
        this.tooLong(keepFrom, dQuoted ? '"' : sQuoted ? "'" : '');
      }
      const at = pos;
      const ch = text.charCodeAt(pos++);

      if (quoted) {
        quoted = false;
        continue;
      }

      if (needSpace) {
        if (ch === SP || ch === TAB || ch === CR || ch === LF) {
          lastSpace = true;
          needSpace = false;
          continue;
        }
        if (ch === SEMI) {
          this.pos = pos;
          this.stopAt = at;
          return Tok.Ok;
        }
        if (ch === LBRACE) {
          this.pos = pos;
          this.stopAt = at;
          return Tok.BlockStart;
        }
        if (ch === RPAREN) {
          lastSpace = true;
          needSpace = false;
        } else {
          this.stop(at, `unexpected "${text[at]}"`);
        }
      }

      if (lastSpace) {
        start = at;
        keepFrom = at;
        quote = '';
        if (ch === SP || ch === TAB || ch === CR || ch === LF) continue;
        switch (ch) {
          case SEMI:
          case LBRACE:
            if (this.argn === 0) this.stop(at, `unexpected "${text[at]}"`);
            this.pos = pos;
            this.stopAt = at;
            return ch === LBRACE ? Tok.BlockStart : Tok.Ok;
          case RBRACE:
            if (this.argn !== 0) this.stop(at, 'unexpected "}"');
            this.pos = pos;
            this.stopAt = at;
            return Tok.BlockDone;
          case HASH: {
            // A comment runs to the end of the line; nginx keeps its `start` at the `#` meanwhile.
            let nl = text.indexOf('\n', pos);
            if (nl < 0) nl = len;
            const lastRead = nl < len ? nl : len - 1;
            if (lastRead - at >= SAFE_UNITS && this.bytesBetween(at, lastRead) >= CONF_BUFFER) this.tooLong(at, '');
            this.comment(at, nl);
            pos = nl;
            continue;
          }
          case BSLASH:
            quoted = true;
            lastSpace = false;
            continue;
          case DQUOTE:
          case SQUOTE: {
            if (ch === DQUOTE) dQuoted = true;
            else sQuoted = true;
            quote = ch === DQUOTE ? '"' : "'";
            keepFrom = at + 1;
            lastSpace = false;
            // Fast path: up to the closing quote or a backslash.
            const stopAt = Math.min(len, keepFrom + SAFE_UNITS);
            while (pos < stopAt) {
              const c = text.charCodeAt(pos);
              if (c === ch || c === BSLASH) break;
              pos++;
            }
            continue;
          }
          case DOLLAR:
            variable = true;
            lastSpace = false;
            continue;
          default: {
            lastSpace = false;
            // Fast path: a plain word, up to the next character nginx treats specially.
            const stopAt = Math.min(len, keepFrom + SAFE_UNITS);
            while (pos < stopAt) {
              const c = text.charCodeAt(pos);
              if (c === SP || c === LF || c === SEMI || c === TAB || c === CR || c === LBRACE || c === BSLASH || c === DOLLAR) break;
              pos++;
            }
            continue;
          }
        }
      } else {
        if (ch === LBRACE && variable) continue;
        variable = false;
        if (ch === BSLASH) {
          quoted = true;
          continue;
        }
        if (ch === DOLLAR) {
          variable = true;
          continue;
        }
        if (dQuoted) {
          if (ch === DQUOTE) {
            dQuoted = false;
            needSpace = true;
            found = true;
          }
        } else if (sQuoted) {
          if (ch === SQUOTE) {
            sQuoted = false;
            needSpace = true;
            found = true;
          }
        } else if (ch === SP || ch === TAB || ch === CR || ch === LF || ch === SEMI || ch === LBRACE) {
          lastSpace = true;
          found = true;
        }

        if (found) {
          // The value is read from the text when asked for (valueOf: unquoted, unescaped).
          // Start and end of the word, at their place in the pool (see record).
          const w = this.used + 2 + 2 * this.argn++;
          const pool = this.poolOf(w + 2);
          pool[w] = start;
          pool[w + 1] = quote ? at + 1 : at;
          if (ch === SEMI) {
            this.pos = pos;
            this.stopAt = at;
            return Tok.Ok;
          }
          if (ch === LBRACE) {
            this.pos = pos;
            this.stopAt = at;
            return Tok.BlockStart;
          }
          found = false;
        }
      }
    }
  }

  private tooLong(keepFrom: number, quote: '"' | "'" | ''): never {
    this.stop(
      keepFrom,
      quote
        ? `too long parameter, probably missing terminating "${quote}" character`
        : `too long parameter "${Buffer.from(this.text.slice(keepFrom, keepFrom + 10)).subarray(0, 10).toString()}..." started`,
    );
  }

}

/** nginx's word copy: `\"`, `\'`, `\\` drop the backslash; `\t`, `\r`, `\n` become controls. */
function unescape(text: string, from: number, to: number): string {
  let out = '';
  let i = from;
  while (i < to) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < to + 1) {
      const n = text[i + 1];
      if (n === '"' || n === "'" || n === '\\') {
        out += n;
        i += 2;
        continue;
      }
      if (n === 't' || n === 'r' || n === 'n') {
        out += n === 't' ? '\t' : n === 'r' ? '\r' : '\n';
        i += 2;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

/**
 * Maps an index into an argument's unescaped value back to a file offset, so that a finding
 * can point at one token inside a quoted string (a cipher, a protocol).
 */
export function offsetInArg(file: SourceFile, arg: NginxArg, index: number): number {
  if (arg.rendered) return arg.start;
  let offset = arg.quote ? arg.start + 1 : arg.start;
  const text = file.text;
  for (let i = 0; i < index; i++) {
    if (text[offset] === '\\' && /["'\\trn]/.test(text[offset + 1] ?? '')) offset += 2;
    else offset += 1;
  }
  return offset;
}

/**
 * Finds the `}` that closes a Lua block body starting at `from`, skipping Lua strings and
 * comments (as ngx_http_lua_conf_read_lua_token does). Returns -1 when the file ends first.
 */
function skipLua(text: string, from: number): number {
  let depth = 0;
  let i = from;
  const len = text.length;
  while (i < len) {
    const c = text[i]!;
    if (c === '-' && text[i + 1] === '-') {
      const level = longBracket(text, i + 2);
      if (level >= 0) {
        i = closeLongBracket(text, i + 2 + level + 2, level);
        if (i < 0) return -1;
        continue;
      }
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? len : nl + 1;
      continue;
    }
    if (c === '[') {
      const level = longBracket(text, i);
      if (level >= 0) {
        i = closeLongBracket(text, i + level + 2, level);
        if (i < 0) return -1;
        continue;
      }
    }
    if (c === '"' || c === "'") {
      i++;
      while (i < len && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
      if (i >= len) return -1;
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
    i++;
  }
  return -1;
}

/** `[[`, `[=[`, `[==[` … at i: returns the number of `=`, or -1. */
function longBracket(text: string, i: number): number {
  if (text[i] !== '[') return -1;
  let j = i + 1;
  while (text[j] === '=') j++;
  return text[j] === '[' ? j - i - 1 : -1;
}

function closeLongBracket(text: string, from: number, level: number): number {
  const close = ']' + '='.repeat(level) + ']';
  const at = text.indexOf(close, from);
  return at < 0 ? -1 : at + close.length;
}
