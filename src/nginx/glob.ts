/**
 * fnmatch(3) for one path component, as glibc's glob(3) applies it for nginx's `include` (flags 0):
 * `*`, `?`, `[...]` with `!`/`^` negation, ranges, `[:class:]` names and `\` escapes; a leading `.`
 * in a name only matches a `.` written in the pattern. Checked against glibc with a C program
 * (see test/nginx-parse.test.ts): a reversed range (`[z-a]`) matches nothing, an unknown class
 * (`[[:bogus:]]`) makes the whole pattern match nothing, an unclosed `[` is a literal `[`.
 *
 * Compiled once to tokens and matched without backtracking beyond the last `*` (the classic
 * two-pointer algorithm): at most pattern length × name length steps, never exponential.
 */

type Token =
  | { t: 'char'; c: string }
  | { t: 'any' }
  | { t: 'star' }
  | { t: 'class'; negate: boolean; test: (c: string) => boolean };

const CLASSES: Record<string, (c: string) => boolean> = {
  alpha: (c) => /^[A-Za-z]$/.test(c),
  digit: (c) => /^[0-9]$/.test(c),
  alnum: (c) => /^[A-Za-z0-9]$/.test(c),
  upper: (c) => /^[A-Z]$/.test(c),
  lower: (c) => /^[a-z]$/.test(c),
  space: (c) => /^[ \t\n\r\f\v]$/.test(c),
  blank: (c) => c === ' ' || c === '\t',
  punct: (c) => /^[!-/:-@[-`{-~]$/.test(c),
  print: (c) => c >= ' ' && c <= '~',
  graph: (c) => c > ' ' && c <= '~',
  cntrl: (c) => c < ' ' || c === '\x7f',
  xdigit: (c) => /^[0-9A-Fa-f]$/.test(c),
};

export function hasGlobChars(s: string): boolean {
  return /[*?[]/.test(s);
}

const compiled = new Map<string, Token[] | null>();

/** The tokens of a pattern, or null when it can match nothing (an unknown character class). */
function compile(pattern: string): Token[] | null {
  let tokens = compiled.get(pattern);
  if (tokens !== undefined) return tokens;
  tokens = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (tokens[tokens.length - 1]?.t !== 'star') tokens.push({ t: 'star' });
    } else if (c === '?') tokens.push({ t: 'any' });
    else if (c === '\\' && i + 1 < pattern.length) tokens.push({ t: 'char', c: pattern[++i]! });
    else if (c === '[') {
      const cls = bracket(pattern, i);
      if (cls === undefined) tokens.push({ t: 'char', c: '[' });
      else if (cls === null) {
        tokens = null;
        break;
      } else {
        tokens.push(cls.token);
        i = cls.end;
      }
    } else tokens.push({ t: 'char', c });
  }
  compiled.set(pattern, tokens);
  return tokens;
}

/**
 * `[...]` starting at `open`: the token and the index of its `]`; undefined when it never closes
 * (then `[` is literal); null for an unknown `[:class:]`.
 */
function bracket(p: string, open: number): { token: Token; end: number } | undefined | null {
  let i = open + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  const tests: ((c: string) => boolean)[] = [];
  let first = true;
  for (; i < p.length; i++) {
    let c = p[i]!;
    if (c === ']' && !first) return { token: { t: 'class', negate, test: (x) => tests.some((t) => t(x)) }, end: i };
    first = false;
    if (c === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      if (close >= 0) {
        const fn = CLASSES[p.slice(i + 2, close)];
        if (!fn) return null;
        tests.push(fn);
        i = close + 1;
        continue;
      }
    }
    if (c === '\\' && i + 1 < p.length) c = p[++i]!;
    if (p[i + 1] === '-' && p[i + 2] !== undefined && p[i + 2] !== ']') {
      let hi = p[i + 2]!;
      let skip = 2;
      if (hi === '\\' && i + 3 < p.length) {
        hi = p[i + 3]!;
        skip = 3;
      }
      const lo = c;
      // A reversed range matches nothing (glibc).
      tests.push((x) => lo <= hi && x >= lo && x <= hi);
      i += skip;
      continue;
    }
    const lit = c;
    tests.push((x) => x === lit);
  }
  return undefined;
}

function matchOne(tok: Token, c: string): boolean {
  switch (tok.t) {
    case 'char':
      return tok.c === c;
    case 'any':
      return true;
    case 'class':
      return tok.test(c) !== tok.negate;
    case 'star':
      return false;
  }
}

/** Does a file name match one component of an include pattern? */
export function globMatch(pattern: string, name: string): boolean {
  const tokens = compile(pattern);
  if (!tokens) return false;
  // A leading dot is matched only by a literal dot.
  if (name.startsWith('.') && !(tokens[0]?.t === 'char' && tokens[0].c === '.')) return false;
  let t = 0;
  let n = 0;
  let starT = -1;
  let starN = 0;
  while (n < name.length) {
    const tok = tokens[t];
    if (tok && tok.t === 'star') {
      starT = t++;
      starN = n;
    } else if (tok && matchOne(tok, name[n]!)) {
      t++;
      n++;
    } else if (starT >= 0) {
      t = starT + 1;
      n = ++starN;
    } else return false;
  }
  while (tokens[t]?.t === 'star') t++;
  return t === tokens.length;
}
