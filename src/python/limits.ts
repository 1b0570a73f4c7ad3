/**
 * The limits CPython's tokenizer puts on a source file, checked in one pass before the file is
 * parsed: more than 200 nested brackets ("too many nested parentheses", MAXLEVEL in
 * Parser/tokenizer.h) or more than 100 indentation levels ("too many levels of indentation",
 * MAXINDENT). Python refuses such a file; so does the audit, with Python's words, instead of
 * handing the parser a shape that exhausts its stack. Brackets inside f-strings count too (the
 * parser nests their replacement fields the same way).
 *
 * The scan jumps from one character that matters to the next with a native regular expression
 * search: it runs on every settings module at start-up, before the JIT has warmed up.
 */
import { LIMITS } from '../files.js';

export interface PythonLimitError {
  offset: number;
  message: string;
}

/** Outside strings: line ends, continuation, comments, brackets, quotes. */
const CODE = /[\n\r\\#()[\]{}"']/g;
/** Inside a string: escapes, line ends, quotes, and (for f-strings) brackets. */
const IN_STRING = /[\\\n\r"']/g;
const IN_FSTRING = /[\\\n\r"'()[\]{}]/g;

const NESTED = 'too many nested parentheses (Python refuses the file: SyntaxError)';
const NESTED_F = 'f-string: too many nested parentheses (Python refuses the file: SyntaxError)';

export function checkPythonLimits(text: string): PythonLimitError | undefined {
  const n = text.length;
  let depth = 0;
  const indents: number[] = [0];
  let i = 0;
  let lineStart = true;
  while (i < n) {
    if (lineStart) {
      lineStart = false;
      if (depth === 0) {
        // Indentation of a logical line (blank and comment-only lines do not count).
        let col = 0;
        let j = i;
        for (; j < n; j++) {
          const d = text.charCodeAt(j);
          if (d === 0x20) col++;
          else if (d === 0x09) col = (Math.floor(col / 8) + 1) * 8;
          else if (d === 0x0c) col = 0;
          else break;
        }
        const e = text.charCodeAt(j);
        if (j < n && e !== 0x0a && e !== 0x0d && e !== 0x23 && e !== 0x5c) {
          if (col > indents[indents.length - 1]!) {
            indents.push(col);
            // CPython refuses the level that would be the 100th (indent + 1 >= MAXINDENT).
            if (indents.length - 1 >= LIMITS.pythonIndent) return { offset: j, message: 'too many levels of indentation (Python refuses the file: IndentationError)' };
          } else while (indents.length > 1 && col < indents[indents.length - 1]!) indents.pop();
        }
        i = j;
        continue;
      }
    }
    CODE.lastIndex = i;
    const m = CODE.exec(text);
    if (!m) break;
    i = m.index;
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) {
      lineStart = true;
      i++;
    } else if (c === 0x5c) {
      // A backslash continues the line.
      i += 2;
      if (text.charCodeAt(i - 1) === 0x0d && text.charCodeAt(i) === 0x0a) i++;
    } else if (c === 0x23) {
      const nl = text.indexOf('\n', i);
      const cr = text.indexOf('\r', i);
      i = nl < 0 ? (cr < 0 ? n : cr) : cr < 0 ? nl : Math.min(nl, cr);
    } else if (c === 0x28 || c === 0x5b || c === 0x7b) {
      if (++depth > LIMITS.pythonNesting) return { offset: i, message: NESTED };
      i++;
    } else if (c === 0x29 || c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
      i++;
    } else {
      const r = skipString(text, i, depth);
      if (typeof r !== 'number') return r;
      i = r;
    }
  }
  return undefined;
}

function isPrefixLetter(c: number): boolean {
  // r R b B u U f F
  return c === 114 || c === 82 || c === 98 || c === 66 || c === 117 || c === 85 || c === 102 || c === 70;
}

function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

/** Skips the string opening at `open`; returns where it ends, or a limit error inside an f-string. */
function skipString(text: string, open: number, depth: number): number | PythonLimitError {
  const q = text.charCodeAt(open);
  // Its prefix letters were read just before (`f"`, `rb'`); a longer word is a name, not a prefix.
  let p = open - 1;
  let f = false;
  while (p >= 0 && p >= open - 3 && isPrefixLetter(text.charCodeAt(p))) {
    if (text.charCodeAt(p) === 102 || text.charCodeAt(p) === 70) f = true;
    p--;
  }
  if (p >= 0 && isNameChar(text.charCodeAt(p))) f = false;
  const triple = text.charCodeAt(open + 1) === q && text.charCodeAt(open + 2) === q;
  const re = f ? IN_FSTRING : IN_STRING;
  let i = open + (triple ? 3 : 1);
  let fieldDepth = 0;
  for (;;) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return text.length;
    i = m.index;
    const d = text.charCodeAt(i);
    if (d === 0x5c) {
      i += 2;
      continue;
    }
    if (d === q && (!triple || (text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q))) return i + (triple ? 3 : 1);
    if (!triple && (d === 0x0a || d === 0x0d)) return i; // an unterminated string ends at the line end
    if (f) {
      if ((d === 0x7b || d === 0x7d) && text.charCodeAt(i + 1) === d && fieldDepth === 0) {
        i += 2;
        continue;
      }
      if (d === 0x28 || d === 0x5b || d === 0x7b) {
        fieldDepth++;
        if (depth + fieldDepth > LIMITS.pythonNesting) return { offset: i, message: NESTED_F };
      } else if ((d === 0x29 || d === 0x5d || d === 0x7d) && fieldDepth > 0) fieldDepth--;
    }
    i++;
  }
}
