/**
 * Regular expressions written in the audited tree (nginx `server_name ~…`, `location ~ …`,
 * `if ($x ~ …)`, `rewrite` patterns) are evaluated with V8's linear-time engine (the `l` flag,
 * enabled here once), so that a pattern such as `^(a+)+$` cannot hold the run: matching costs at
 * most pattern length × input length. That engine (Node 20's V8) refuses the `i` flag, so a
 * case-insensitive pattern (`~*`, and every `server_name ~`) is run with its letters lowered on a
 * lowered input. A pattern the engine cannot run (backreferences, lookaround) or that is not
 * valid JavaScript gives undefined, and callers treat what it would decide as unknown.
 */
import { createRequire } from 'node:module';

export interface Matcher {
  test(input: string): boolean;
}

let enabled = false;
const cache = new Map<string, Matcher | null>();

export function untrustedRegExp(pattern: string, flags = ''): Matcher | undefined {
  const key = flags + '/' + pattern;
  let m = cache.get(key);
  if (m === undefined) {
    if (!enabled) {
      // Loaded here, not at the top: requiring node:v8 costs 2 ms of every start-up.
      const v8 = createRequire(typeof __filename === 'string' ? __filename : import.meta.url)('node:v8') as typeof import('node:v8');
      v8.setFlagsFromString('--enable-experimental-regexp-engine');
      enabled = true;
    }
    const caseless = flags.includes('i');
    try {
      const re = new RegExp(caseless ? lowerLiterals(pattern) : pattern, flags.replace('i', '') + 'l');
      m = caseless ? { test: (s) => re.test(s.toLowerCase()) } : re;
    } catch {
      m = null;
    }
    cache.set(key, m);
  }
  return m ?? undefined;
}

/**
 * The pattern with its letters in lower case, except where case is syntax: escapes (`\D`, `\S`,
 * `\B`, `\p{Lu}`), group names (`(?<Host>`, `\k<Host>`).
 */
export function lowerLiterals(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if ((next === 'p' || next === 'P' || next === 'u') && pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i + 3);
        const end = close < 0 ? pattern.length : close + 1;
        out += pattern.slice(i, end);
        i = end - 1;
      } else if (next === 'k' && pattern[i + 2] === '<') {
        const close = pattern.indexOf('>', i + 3);
        const end = close < 0 ? pattern.length : close + 1;
        out += pattern.slice(i, end);
        i = end - 1;
      } else {
        out += c + next;
        i++;
      }
    } else if (c === '(' && pattern[i + 1] === '?' && pattern[i + 2] === '<' && pattern[i + 3] !== '=' && pattern[i + 3] !== '!') {
      const close = pattern.indexOf('>', i + 3);
      const end = close < 0 ? pattern.length : close + 1;
      out += pattern.slice(i, end);
      i = end - 1;
    } else out += c.toLowerCase();
  }
  return out;
}
