/**
 * The limits CPython's tokenizer puts on a source file, checked in one pass before the file is
 * parsed: more than 200 nested brackets ("too many nested parentheses", MAXLEVEL in
 * Parser/tokenizer.h) or more than 100 indentation levels ("too many levels of indentation",
 * MAXINDENT). Python refuses such a file; so does the audit, with Python's words, instead of
 * handing the parser a shape that exhausts its stack. Brackets inside f-strings count too (the
 * parser nests their replacement fields the same way).
 */
import { LIMITS } from '../files.js';

export interface PythonLimitError {
  offset: number;
  message: string;
}

export function checkPythonLimits(text: string): PythonLimitError | undefined {
  const n = text.length;
  let depth = 0;
  const indents: number[] = [0];
  let lineStart = true;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (lineStart && depth === 0) {
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
      lineStart = false;
      if (j < n && e !== 0x0a && e !== 0x0d && e !== 0x23 && e !== 0x5c) {
        if (col > indents[indents.length - 1]!) {
          indents.push(col);
          if (indents.length - 1 > LIMITS.pythonIndent) return { offset: j, message: 'too many levels of indentation (Python refuses the file: IndentationError)' };
        } else while (indents.length > 1 && col < indents[indents.length - 1]!) indents.pop();
      }
      i = j;
      continue;
    }
    if (c === 0x0a || c === 0x0d) {
      lineStart = true;
      i++;
      continue;
    }
    if (c === 0x5c) {
      // A backslash continues the line.
      i += 2;
      if (text.charCodeAt(i - 1) === 0x0d && text.charCodeAt(i) === 0x0a) i++;
      continue;
    }
    if (c === 0x23) {
      while (i < n && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
      continue;
    }
    if (c === 0x28 || c === 0x5b || c === 0x7b) {
      if (++depth > LIMITS.pythonNesting) return { offset: i, message: 'too many nested parentheses (Python refuses the file: SyntaxError)' };
      i++;
      continue;
    }
    if (c === 0x29 || c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
      i++;
      continue;
    }
    if (c === 0x22 || c === 0x27) {
      // A string: its prefix letters were read as a name just before.
      let p = i - 1;
      while (p >= 0 && p >= i - 3 && /[rRbBuUfF]/.test(text[p]!)) p--;
      const prefix = text.slice(p + 1, i).toLowerCase();
      const isName = p >= 0 && /[\w]/.test(text[p]!);
      const f = !isName && prefix.includes('f');
      const triple = text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
      i += triple ? 3 : 1;
      let fieldDepth = 0;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          i += 2;
          continue;
        }
        if (d === c && (!triple || (text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c))) {
          i += triple ? 3 : 1;
          break;
        }
        if (!triple && (d === 0x0a || d === 0x0d)) break; // an unterminated string ends at the line end
        if (f) {
          if ((d === 0x7b || d === 0x7d) && text.charCodeAt(i + 1) === d && fieldDepth === 0) {
            i += 2;
            continue;
          }
          if (d === 0x28 || d === 0x5b || d === 0x7b) {
            fieldDepth++;
            if (depth + fieldDepth > LIMITS.pythonNesting) return { offset: i, message: 'f-string: too many nested parentheses (Python refuses the file: SyntaxError)' };
          } else if ((d === 0x29 || d === 0x5d || d === 0x7d) && fieldDepth > 0) fieldDepth--;
        }
        i++;
      }
      continue;
    }
    i++;
  }
  return undefined;
}
