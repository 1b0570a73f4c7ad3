/**
 * Env files (`.env`, `.env.production`, `prod.env`, `.env.example`...), read statically and with
 * positions.
 *
 * The syntax is the one of motdotla/dotenv v16's `parse()`, whose whole grammar is one regex:
 *
 *     /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/mg
 *
 * applied after `\r\n?` → `\n`, followed by `trim()`, removal of matching surrounding quotes, and
 * `\n`/`\r` expansion when the value starts with `"`. This file is a single forward pass that gives
 * the same entries and values, with these consequences of the regex made explicit:
 *
 * - A key is `[A-Za-z0-9_.-]+`, optionally after `export` and whitespace, followed by `=` (spaces
 *   allowed around it) or by `:` and whitespace (`KEY: value`; `KEY : value` and `KEY:value` are not
 *   assignments).
 * - An unquoted value runs to the first `#` or the end of the line and is trimmed: dotenv starts a
 *   comment at any `#`, even without whitespace before it (`URL=http://x/#a` is `http://x/`).
 * - A quoted value (`"`, `'` or `` ` ``) may span lines. Its closing quote is the first unescaped
 *   one (`\q` does not close) that is followed only by whitespace and an optional `# comment` up to
 *   the end of its line; failing that, an escaped one, the last first (the regex's backtracking
 *   order). With no such quote the value is read unquoted from the rest of the opening line, and we
 *   report a problem.
 * - Lines that are not blank, a comment or an assignment are dropped by dotenv; we report them.
 *
 * Where we deliberately differ from dotenv (each excluded from the differential test's generator):
 *
 * - Double-quoted values also unescape `\t`, `\"` and `\\` (dotenv keeps those backslashes; python-
 *   dotenv, Docker Compose and shells do not), and `\\n` is a backslash then `n`, not `\` + newline.
 * - dotenv's `\s*` runs across line breaks, so `KEY=` followed by a line starting with a quote takes
 *   that quoted text as its value, `KEY:` at the end of a line takes the whole next line as its value,
 *   `FOO` followed by a line `=bar` is `FOO=bar`. Here an assignment is on one line (only a quoted
 *   value continues it): `KEY=` is empty, `KEY:` at the end of a line is a problem.
 * - `\u2028` and `\u2029` are ordinary characters here; dotenv's `^`, `$` and `.` treat them as line
 *   ends in some places and not in others.
 */

export interface EnvReference {
  name: string;
  /** Offsets of the whole reference (`$` to the closing `}`) in the file text, UTF-16. */
  start: number;
  end: number;
  /** The default of `${VAR:-default}`, `${VAR-default}` (and `:=`/`=`), after the value's unescaping. */
  fallback?: string;
}

export interface EnvEntry {
  key: string;
  /** The value as the app sees it, before ${VAR} expansion: quotes removed, double-quote escapes (\n, \r, \t, \", \\) applied, unquoted values trimmed and their inline ` #comment` removed. */
  value: string;
  keyStart: number;
  keyEnd: number;
  /** The raw value token in the file, quotes included (valueStart===valueEnd for `KEY=`). */
  valueStart: number;
  valueEnd: number;
  /** Start of the whole entry (the `export` keyword if any) and end of the value/closing quote. */
  start: number;
  end: number;
  quote?: '"' | "'" | '`';
  exported: boolean;
  /** ${VAR}, ${VAR:-default}, ${VAR-default}, $VAR references inside the value; none for single-quoted values. `$(...)` is plain text, never a reference and never executed. */
  references: EnvReference[];
  /** A descriptor's variable whose value the files do not determine (a build argument, the shell's): why. */
  unknown?: string;
  /** A descriptor's value interpolated from credentials (`${HOOK_TOKEN}` in Compose): their values, masked where quoted. */
  secrets?: string[];
}

/** A line dotenv would drop or misread: `offset` is its first non-blank character, or the opening quote of a value that does not close. */
export interface EnvProblem {
  offset: number;
  message: string;
}

const KEY_HINT = ' (a key has only letters, digits, "_", "." and "-")';

const LF = 10;
const CR = 13;
const HASH = 35;
const EQ = 61;
const COLON = 58;
const BACKSLASH = 92;
const DOLLAR = 36;
const LBRACE = 123;
const RBRACE = 125;

/** JavaScript's `\s` (what dotenv's regex and `trim()` skip), minus the line ends \n and \r. */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || c === 9 || c === 11 || c === 12;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `[\w.-]` */
function isKeyChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45
  );
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

function isQuote(c: number): c is 34 | 39 | 96 {
  return c === 34 || c === 39 || c === 96;
}

export function parseEnv(text: string): { entries: EnvEntry[]; problems: EnvProblem[] } {
  const n = text.length;
  const entries: EnvEntry[] = [];
  const problems: EnvProblem[] = [];

  const skipSpaces = (i: number): number => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    return i;
  };
  // Native searches for the next `\n`, `\r`, `#` and `$`, remembered while the scan moves forward,
  // so that each character is looked at by JavaScript code only when it matters.
  const finder = (ch: string): ((i: number) => number) => {
    let from = 1;
    let at = 0;
    return (i) => {
      if (i < from || i > at) {
        from = i;
        at = text.indexOf(ch, i);
        if (at < 0) at = n;
      }
      return at;
    };
  };
  const nextLF = finder('\n');
  const nextCR = finder('\r');
  const nextHash = finder('#');
  const nextDollar = finder('$');
  /** Offset of the `\n`/`\r` ending the line that contains i, or n. */
  const lineEnd = (i: number): number => Math.min(nextLF(i), nextCR(i));
  /** Offset just past the line end at or after i. */
  const nextLine = (i: number): number => {
    i = lineEnd(i);
    if (i < n && text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) return i + 2;
    return i < n ? i + 1 : n;
  };
  /** After a closing quote: only whitespace, then a comment or the end of the line. */
  const closesLine = (i: number): boolean => {
    i = skipSpaces(i);
    if (i >= n) return true;
    const c = text.charCodeAt(i);
    return c === LF || c === CR || c === HASH;
  };
  const scanKey = (i: number): number => {
    while (i < n && isKeyChar(text.charCodeAt(i))) i++;
    return i;
  };
  /** Offset after `=` or `:` following a key ending at keyEnd; -1 if none, -2 for `KEY:` at a line end. */
  const operator = (keyEnd: number): number => {
    const j = skipSpaces(keyEnd);
    const c = text.charCodeAt(j);
    if (c === EQ) return j + 1;
    if (c === COLON && j === keyEnd) {
      const d = text.charCodeAt(j + 1);
      if (isSpace(d)) return j + 1;
      if (j + 1 >= n || d === LF || d === CR) return -2;
    }
    return -1;
  };

  /**
   * The closing quote of a value opened at `open`: the first quote not right after a backslash, if
   * only whitespace and a comment follow it on its line; else the last escaped one before it that
   * is (dotenv's backtracking order). -1 when there is no unescaped quote at all, -2 when there is
   * but neither it nor an escaped one ends a line. Each search stops at the next unescaped quote of
   * its kind, which is where the next value opened with that quote starts, so the searches of a
   * file cost one pass per quote kind.
   */
  const closingQuote = (open: number): number => {
    const q = text.charAt(open);
    let first = open + 1;
    for (;;) {
      first = text.indexOf(q, first);
      if (first < 0) {
        first = n;
        break;
      }
      if (text.charCodeAt(first - 1) !== BACKSLASH) break;
      first++;
    }
    if (first < n && closesLine(first + 1)) return first;
    for (let k = text.lastIndexOf(q, first - 1); k > open + 1; k = text.lastIndexOf(q, k - 1)) {
      if (text.charCodeAt(k - 1) === BACKSLASH && closesLine(k + 1)) return k;
    }
    return first < n ? -2 : -1;
  };

  const problemAtLine = (i: number, message: string): void => {
    problems.push({ offset: i, message });
  };
  /**
   * Lines that are not assignments. Messages never quote them: such a line is often part of a
   * value that went wrong (the body of a private key after an unclosed quote). Consecutive ones
   * make one problem, so that a stray block of text is one error, not one per line.
   */
  let run: { problem: EnvProblem; lines: number; badKey: boolean } | undefined;
  const notAssignment = (i: number, badKey: boolean): void => {
    if (run) {
      run.lines++;
      run.badKey ||= badKey;
      run.problem.message = `this line and the ${run.lines - 1} ${run.lines === 2 ? "line" : "lines"} after it (blank lines and comments aside) are not KEY=value lines, so dotenv ignores them${run.badKey ? KEY_HINT : ''}`;
      return;
    }
    run = { problem: { offset: i, message: `this line is not a KEY=value line, so dotenv ignores it${badKey ? KEY_HINT : ''}` }, lines: 1, badKey };
    problems.push(run.problem);
  };

  let pos = 0;
  while (pos < n) {
    const first = skipSpaces(pos);
    if (first >= n) break;
    const c0 = text.charCodeAt(first);
    if (c0 === LF || c0 === CR || c0 === HASH) {
      pos = nextLine(first);
      continue;
    }

    // `export KEY=`, else `export` may be the key itself (`export=1`), as in the regex.
    let keyStart = first;
    let keyEnd = scanKey(first);
    let exported = false;
    let op = -1;
    if (keyEnd - first === 6 && text.startsWith('export', first) && isSpace(text.charCodeAt(keyEnd))) {
      const k = skipSpaces(keyEnd);
      const kEnd = scanKey(k);
      if (kEnd > k) op = operator(kEnd);
      if (op >= 0) {
        exported = true;
        keyStart = k;
        keyEnd = kEnd;
      }
    }
    if (!exported && keyEnd > first) {
      const o = operator(keyEnd);
      if (o >= 0 || op !== -2) op = o;
    }
    if (op < 0) {
      if (op === -2) {
        run = undefined;
        // Not even the key is quoted: a line that is a word and a colon may be a token (`ghp_…:`).
        problemAtLine(first, 'expected a space and a value after the ":" that ends this line');
      } else {
        notAssignment(first, text.slice(first, lineEnd(first)).includes('='));
      }
      pos = nextLine(first);
      continue;
    }
    run = undefined;

    const key = text.slice(keyStart, keyEnd);
    const after = op;
    const v = skipSpaces(after);
    const cv = text.charCodeAt(v);
    let entry: EnvEntry;
    const close = isQuote(cv) ? closingQuote(v) : -1;
    if (close >= 0) {
      const quote = String.fromCharCode(cv) as '"' | "'" | '`';
      const raw = text.slice(v + 1, close);
      entry = {
        key,
        value: decode(raw, quote),
        keyStart,
        keyEnd,
        valueStart: v,
        valueEnd: close + 1,
        start: first,
        end: close + 1,
        quote,
        exported,
        references: quote === "'" || nextDollar(v) > close ? [] : findReferences(text, v + 1, close, quote),
      };
      pos = nextLine(close + 1);
    } else {
      // Unquoted: up to `#` or the end of the line, trimmed.
      let e = Math.min(lineEnd(after), nextHash(after));
      let s = v;
      while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
      let value = text.slice(s, e);
      let cs = s;
      let ce = e;
      if (e === s) s = e = cs = ce = after;
      if (isQuote(cv)) {
        // An opening quote that never closes at a line end: dotenv reads the line unquoted, then
        // still strips a matching pair of quotes and expands \n if it starts with `"`.
        const q = String.fromCharCode(cv);
        problemAtLine(
          v,
          close === -1
            ? `the value of ${key} opens a ${q} quote that is never closed: dotenv reads the rest of this line as the value, quote included`
            : `the value of ${key} has text after the ${q} quote that closes it, so the quote is not closed at the end of a line: dotenv reads the rest of this line as the value, quotes included`,
        );
        if (value.length >= 2 && value.charCodeAt(value.length - 1) === cv) {
          value = value.slice(1, -1);
          cs++;
          ce--;
        }
        if (cv === 34) value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
      }
      entry = {
        key,
        value,
        keyStart,
        keyEnd,
        valueStart: s,
        valueEnd: e,
        start: first,
        end: e,
        exported,
        references: nextDollar(cs) < ce ? findReferences(text, cs, ce, undefined) : [],
      };
      pos = nextLine(e);
    }
    entries.push(entry);
  }
  return { entries, problems };
}

/** The value of a quoted token's inside: CRLF/CR → LF, and double-quote escapes. */
function decode(raw: string, quote: '"' | "'" | '`' | undefined): string {
  const escapes = quote === '"';
  if (raw.indexOf('\r') < 0 && (!escapes || raw.indexOf('\\') < 0)) return raw;
  let out = '';
  let last = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    let replacement: string | undefined;
    let length = 1;
    if (c === CR) {
      replacement = '\n';
      if (raw.charCodeAt(i + 1) === LF) length = 2;
    } else if (c === BACKSLASH && escapes) {
      const d = raw.charAt(i + 1);
      replacement = d === 'n' ? '\n' : d === 'r' ? '\r' : d === 't' ? '\t' : d === '"' || d === '\\' ? d : undefined;
      length = 2;
    }
    if (replacement !== undefined) {
      out += raw.slice(last, i) + replacement;
      i += length - 1;
      last = i + 1;
    }
  }
  return out + raw.slice(last);
}

// --- ${VAR} references ------------------------------------------------------------------------

type Operator = '' | ':-' | '-' | ':=' | '=' | ':?' | '?' | ':+' | '+';

interface RawReference {
  name: string;
  start: number;
  end: number;
  op: Operator;
  /** The text after the operator, up to the closing brace. */
  argStart: number;
  argEnd: number;
}

/** Offset of the first `$` in s[from, to), or -1. */
function dollarIn(s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === DOLLAR) return i;
  return -1;
}

/** `${` not after a backslash. */
function opensBrace(s: string, i: number): boolean {
  return s.charCodeAt(i) === DOLLAR && s.charCodeAt(i + 1) === LBRACE && s.charCodeAt(i - 1) !== BACKSLASH;
}

/**
 * For each `${` in s[from, to), the offset of its matching `}` (nested `${` counted), in one pass:
 * searching for each one separately would be quadratic on `${A:-${A:-${A:-...`.
 */
function matchBraces(s: string, from: number, to: number): Map<number, number> {
  const matches = new Map<number, number>();
  const open: number[] = [];
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === DOLLAR && opensBrace(s, i)) {
      open.push(i);
      i++;
    } else if (c === RBRACE && open.length > 0) {
      matches.set(open.pop()!, i);
    }
  }
  return matches;
}

/**
 * The next reference in s[from, to): `$NAME`, `${NAME}` or `${NAME<op>arg}` with op one of
 * `:-` `-` `:=` `=` `:?` `?` `:+` `+`; `arg` may itself hold `${...}`. A `$` right after a backslash
 * is literal, as is every other `$` (`$(cmd)`, `$1`, `${}`, an unclosed `${`). `braces` is
 * matchBraces() of a range holding this one.
 */
function nextReference(s: string, from: number, to: number, braces: Map<number, number>): RawReference | undefined {
  for (let i = dollarIn(s, from, to); i >= 0; i = dollarIn(s, i + 1, to)) {
    if (i > from && s.charCodeAt(i - 1) === BACKSLASH) continue;
    const c = s.charCodeAt(i + 1);
    if (i + 1 < to && isNameStart(c)) {
      let j = i + 2;
      while (j < to && isNameChar(s.charCodeAt(j))) j++;
      return { name: s.slice(i + 1, j), start: i, end: j, op: '', argStart: j, argEnd: j };
    }
    if (c !== LBRACE || i + 2 >= to || !isNameStart(s.charCodeAt(i + 2))) continue;
    const close = braces.get(i);
    if (close === undefined || close >= to) continue;
    let j = i + 3;
    while (j < close && isNameChar(s.charCodeAt(j))) j++;
    const name = s.slice(i + 2, j);
    if (j === close) return { name, start: i, end: close + 1, op: '', argStart: j, argEnd: j };
    const op = s.slice(j, s.charCodeAt(j) === COLON ? j + 2 : j + 1);
    if (/^:?[-=?+]$/.test(op)) {
      return { name, start: i, end: close + 1, op: op as Operator, argStart: j + op.length, argEnd: close };
    }
  }
  return undefined;
}

const MAX_NESTING = 32;

function findReferences(text: string, from: number, to: number, quote: '"' | '`' | undefined): EnvReference[] {
  const out: EnvReference[] = [];
  if (dollarIn(text, from, to) < 0) return out;
  const braces = matchBraces(text, from, to);
  const walk = (a: number, b: number, depth: number): void => {
    for (let r = nextReference(text, a, b, braces); r; r = nextReference(text, r.end, b, braces)) {
      const ref: EnvReference = { name: r.name, start: r.start, end: r.end };
      const withDefault = r.op === ':-' || r.op === '-' || r.op === ':=' || r.op === '=';
      if (withDefault) ref.fallback = decode(text.slice(r.argStart, r.argEnd), quote);
      out.push(ref);
      // references used by a default or an alternative value (not the text of a `?` error)
      // (nesting deeper than MAX_NESTING is not followed: no real file has it, and the stack is finite)
      if ((withDefault || r.op === ':+' || r.op === '+') && depth < MAX_NESTING) walk(r.argStart, r.argEnd, depth + 1);
    }
  };
  walk(from, to, 0);
  return out;
}

/**
 * Expand ${VAR}/$VAR/${VAR:-d}/${VAR-d} in an entry's value using lookup; returns undefined when a
 * referenced variable is unknown and has no fallback (an unknown stays unknown). Single-quoted
 * values are returned unchanged.
 *
 * As in shells and dotenv-expand: `${VAR:-d}` uses d when VAR is unknown or empty, `${VAR-d}` only
 * when unknown (`:=`/`=` likewise); `${VAR:?msg}` is VAR or unknown; `${VAR:+alt}` is alt when VAR is
 * set (and non-empty for `:+`), else empty; `\$` is a literal `$`. Defaults are expanded in turn;
 * what lookup returns is inserted as it is.
 */
export function expandValue(entry: EnvEntry, lookup: (name: string) => string | undefined, limit = Infinity): string | undefined {
  const s = entry.value;
  if (entry.quote === "'" || !s.includes('$')) return s;
  return expandString(s, 0, s.length, matchBraces(s, 0, s.length), lookup, 0, limit);
}

/** Thrown by expandValue when the expanded value would pass its limit (`${A}${A}${A}…` of a long A). */
export class ValueTooLong extends Error {}

function expandString(
  s: string,
  from: number,
  to: number,
  braces: Map<number, number>,
  lookup: (name: string) => string | undefined,
  depth = 0,
  limit = Infinity,
): string | undefined {
  if (depth > MAX_NESTING) return undefined;
  let out = '';
  let at = from;
  for (let r = nextReference(s, from, to, braces); r; r = nextReference(s, r.end, to, braces)) {
    out += unescapeDollar(s.slice(at, r.start));
    if (out.length > limit) throw new ValueTooLong();
    at = r.end;
    const v = lookup(r.name);
    const empty = v === undefined || v === '';
    let part: string | undefined;
    switch (r.op) {
      case '':
        part = v;
        break;
      case ':-':
      case ':=':
        part = empty ? expandString(s, r.argStart, r.argEnd, braces, lookup, depth + 1, limit) : v;
        break;
      case '-':
      case '=':
        part = v === undefined ? expandString(s, r.argStart, r.argEnd, braces, lookup, depth + 1, limit) : v;
        break;
      case ':?':
        part = empty ? undefined : v;
        break;
      case '?':
        part = v;
        break;
      case ':+':
        part = empty ? '' : expandString(s, r.argStart, r.argEnd, braces, lookup, depth + 1, limit);
        break;
      case '+':
        part = v === undefined ? '' : expandString(s, r.argStart, r.argEnd, braces, lookup, depth + 1, limit);
        break;
    }
    if (part === undefined) return undefined;
    out += part;
    if (out.length > limit) throw new ValueTooLong();
  }
  out += unescapeDollar(s.slice(at, to));
  if (out.length > limit) throw new ValueTooLong();
  return out;
}

function unescapeDollar(s: string): string {
  return s.includes('\\$') ? s.replace(/\\\$/g, '$') : s;
}

// --- file names -------------------------------------------------------------------------------

function baseName(fileName: string): string {
  const i = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  return (i >= 0 ? fileName.slice(i + 1) : fileName).toLowerCase();
}

/** Suffixes of names that start with `.env.` but are code, data in another format, or encrypted. */
const NOT_ENV_SUFFIX =
  /\.(?:[cm]?[jt]sx?|json5?|ya?ml|toml|xml|py|rb|php|sh|bash|zsh|fish|ps1|bat|cmd|go|rs|java|kt|md|html?|lock|gpg|pgp|asc|age|enc|swp|zip|gz|tgz|tar)$/;

/** Words that mark a template: its values are placeholders. */
const TEMPLATE_WORDS = new Set(['example', 'sample', 'template', 'tmpl', 'tpl', 'dist']);

/**
 * Whether a file name (or path) is an env file: `.env`, `.env.<anything>` (`.env.production`,
 * `.env.local`, `.env.example`, `.env.vault`...) unless it ends like code, another data format or an
 * encrypted file (`.env.js`, `.env.d.ts`, `.env.json`, `.env.gpg`); `<name>.env` (`prod.env`); and
 * the template spellings `env.example`, `.env-example`, `.env_sample`, `prod.env.example`... Not
 * `.envrc`: that is a direnv shell script, with `export` lines but also arbitrary shell. Nor a
 * directory: Python projects often name their virtualenv `.env/`, so callers check for a file.
 * Case-insensitive.
 */
export function isEnvFileName(fileName: string): boolean {
  const b = baseName(fileName);
  if (b === '.env') return true;
  if (b.startsWith('.env.')) return b.length > 5 && !NOT_ENV_SUFFIX.test(b);
  if (b.endsWith('.env')) return b.length > 4;
  const m = /(?:^\.?|\.)env[._-]([a-z]+)$/.exec(b);
  return m !== null && TEMPLATE_WORDS.has(m[1]!);
}

/**
 * Whether an env file's values are placeholders: a name with a word `example`, `sample`, `template`,
 * `tmpl`, `tpl` or `dist` (`.env.example`, `.env.local.sample`, `example.env`, `env.example`,
 * Symfony's `.env.dist`). `.env.defaults` is not one: dotenv-defaults and dotenv-flow load its
 * values as real ones.
 */
export function isTemplateEnvFile(fileName: string): boolean {
  if (!isEnvFileName(fileName)) return false;
  return baseName(fileName)
    .split(/[._-]/)
    .some((w) => TEMPLATE_WORDS.has(w));
}
