/**
 * Where the comments of a file are, in its own language, so that an `https-audit-ignore` written
 * inside a string (a quoted nginx argument, an env value, a Python string or docstring, a YAML
 * scalar, an HCL string or heredoc, an HTML attribute) silences nothing: only a real comment
 * does. One linear pass per file; the language is told by the file's name (nginx otherwise).
 */
export type CommentSyntax = 'nginx' | 'env' | 'python' | 'yaml' | 'hcl' | 'dockerfile' | 'html' | 'js' | 'css' | 'json' | 'hash';

export function syntaxOf(path: string): CommentSyntax {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (/\.py$/.test(name)) return 'python';
  if (/^\.env(\.|$)|\.env$/.test(name)) return 'env';
  if (/\.ya?ml$/.test(name)) return 'yaml';
  if (/\.(tf|tfvars|hcl)$/.test(name)) return 'hcl';
  if (/^(Dockerfile|Containerfile)([.-][\w.-]+)?$|\.[Dd]ockerfile$/.test(name)) return 'dockerfile';
  if (/\.(html?|jinja2?|j2|djhtml|hbs|handlebars|ejs|vue|svelte)$/.test(name)) return 'html';
  if (/\.(m?js|cjs|ts|mts|cts|jsx|tsx)$/.test(name)) return 'js';
  if (/\.(css|scss)$/.test(name)) return 'css';
  if (/\.json$/.test(name)) return 'json';
  if (/^Procfile|\.service$/.test(name)) return 'hash';
  return 'nginx';
}

/** The comments of `text` as [start, end) offsets, in order. */
export function commentRanges(text: string, syntax: CommentSyntax): [number, number][] {
  switch (syntax) {
    case 'python':
      return python(text);
    case 'yaml':
      return yaml(text);
    case 'hcl':
      return cLike(text, { hash: true, strings: '"', heredoc: true });
    case 'js':
      return cLike(text, { hash: false, strings: '"\'`', heredoc: false });
    case 'css':
      return cLike(text, { hash: false, strings: '"\'', heredoc: false, noLineComments: true });
    case 'html':
      return html(text);
    case 'json':
      return [];
    case 'dockerfile':
    case 'hash':
      return lineStartHash(text);
    case 'env':
      return hashAfterSpace(text, true);
    default:
      return hashAfterSpace(text, false);
  }
}

const isSpace = (c: string | undefined) => c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';

function toEol(text: string, i: number): number {
  const n = text.indexOf('\n', i);
  return n === -1 ? text.length : n;
}

/**
 * nginx (a quote opens a string only at the start of a token; `#` starts a comment outside one)
 * and env files (`#` starts a comment at the start of a line or after a space, outside the quotes
 * a value may open; a double-quoted value may span lines).
 */
function hashAfterSpace(text: string, env: boolean): [number, number][] {
  const out: [number, number][] = [];
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote !== "'") i++;
      else if (c === quote) quote = '';
      continue;
    }
    // nginx starts a comment only at the start of a token (`http://x/#frag` is one word); an env
    // file at the start of a line or after a space.
    if (c === '#' && (env ? isSpace(text[i - 1]) : isSpace(text[i - 1]) || /[;{}]/.test(text[i - 1]!))) {
      const end = toEol(text, i);
      out.push([i, end]);
      i = end;
    } else if ((c === '"' || c === "'") && (isSpace(text[i - 1]) || (env ? text[i - 1] === '=' : /[;{}]/.test(text[i - 1]!)))) quote = c;
    else if (env && c === '\n') quote = '';
  }
  return out;
}

function lineStartHash(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(/^[ \t]*#[^\n]*/gm)) out.push([m.index + m[0].indexOf('#'), m.index + m[0].length]);
  return out;
}

/** Python: `#` outside strings (prefixed, triple-quoted, escaped). */
function python(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '#') {
      const end = toEol(text, i);
      out.push([i, end]);
      i = end;
    } else if (c === '"' || c === "'") {
      // A raw string only with a real prefix token (r, rb, br, fr, rf… case-insensitive), not any r before the quote (`a or"…"`).
      let p = i;
      while (p > 0 && /[A-Za-z]/.test(text[p - 1]!)) p--;
      const prefix = text.slice(p, i).toLowerCase();
      const raw = /^(r|rb|br|rf|fr|rt|tr)$/.test(prefix) && (p === 0 || !/\w/.test(text[p - 1]!));
      const triple = text.startsWith(c.repeat(3), i);
      const close = triple ? c.repeat(3) : c;
      let j = i + close.length;
      for (; j < text.length; j++) {
        if (text[j] === '\\' && !raw) j++;
        else if (text.startsWith(close, j)) break;
        else if (!triple && text[j] === '\n') break;
      }
      i = j + close.length - 1;
    }
  }
  return out;
}

/** YAML: `#` after a space or at a line's start, outside quoted scalars and block scalars. */
function yaml(text: string): [number, number][] {
  const out: [number, number][] = [];
  const lines = text.split('\n');
  let offset = 0;
  let block = -1; // indentation of the line that opened a block scalar, or -1
  let quote = '';
  for (const line of lines) {
    const indent = /^[ \t]*/.exec(line)![0].length;
    if (block >= 0) {
      if (line.trim() === '' || indent > block) {
        offset += line.length + 1;
        continue;
      }
      block = -1;
    }
    let commentAt = -1;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (quote === '"' && c === '\\') i++;
        else if (c === quote) {
          if (quote === "'" && line[i + 1] === "'") i++;
          else quote = '';
        }
        continue;
      }
      if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) {
        commentAt = i;
        break;
      }
      if ((c === '"' || c === "'") && (i === 0 || /[\s:,[{-]/.test(line[i - 1]!))) quote = c;
    }
    if (commentAt >= 0) out.push([offset + commentAt, offset + line.length]);
    const content = (commentAt >= 0 ? line.slice(0, commentAt) : line).trimEnd();
    if (!quote && /(?:^|[\s:-])[|>][+-]?\d?$/.test(content)) block = indent;
    offset += line.length + 1;
  }
  return out;
}

/** C-like comments (`//`, `/* *\/`, and `#` for HCL) outside strings and HCL heredocs. */
function cLike(text: string, o: { hash: boolean; strings: string; heredoc: boolean; noLineComments?: boolean }): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ((c === '#' && o.hash) || (c === '/' && text[i + 1] === '/' && !o.noLineComments)) {
      const end = toEol(text, i);
      out.push([i, end]);
      i = end;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close === -1 ? text.length : close + 2;
      out.push([i, end]);
      i = end - 1;
    } else if (o.strings.includes(c)) {
      i = o.heredoc ? hclStringEnd(text, i) : stringEnd(text, i, c);
    } else if (o.heredoc && c === '<' && text[i + 1] === '<') {
      const m = /^<<-?([A-Za-z_]\w*)[ \t]*\r?\n/.exec(text.slice(i, i + 80));
      if (!m) continue;
      const end = new RegExp(`^[ \\t]*${m[1]}[ \\t]*$`, 'm');
      const rest = text.slice(i + m[0].length);
      const e = end.exec(rest);
      i = e ? i + m[0].length + e.index + e[0].length - 1 : text.length;
    }
  }
  return out;
}

/** The offset of the quote that closes the string opened at `i` (escapes skipped). */
function stringEnd(text: string, i: number, q: string): number {
  let j = i + 1;
  for (; j < text.length && text[j] !== q; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '\n' && q !== '`') break;
  }
  return j;
}

/**
 * An HCL string opened at `i`: its `${ … }` interpolations may hold strings of their own
 * (`"${a == "x" ? "y" : "z"}"`), so quotes are matched by depth, not by the next `"`.
 */
function hclStringEnd(text: string, i: number): number {
  const stack: ('string' | 'interp')[] = ['string'];
  let j = i + 1;
  for (; j < text.length && stack.length; j++) {
    const c = text[j]!;
    const top = stack[stack.length - 1];
    if (top === 'string') {
      if (c === '\\') j++;
      else if (c === '"') stack.pop();
      else if ((c === '$' || c === '%') && text[j + 1] === '{') {
        stack.push('interp');
        j++;
      } else if (c === '\n') return j;
    } else if (c === '"') stack.push('string');
    else if (c === '{') stack.push('interp');
    else if (c === '}') stack.pop();
  }
  return j - 1;
}

/** HTML and its templates: `<!-- -->` outside a tag, and the template engines' `{# #}` anywhere. */
function html(text: string): [number, number][] {
  const out: [number, number][] = [];
  let inTag = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (text.startsWith('{#', i)) {
      const close = text.indexOf('#}', i + 2);
      const end = close === -1 ? text.length : close + 2;
      out.push([i, end]);
      i = end - 1;
      continue;
    }
    if (inTag) {
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') inTag = false;
      continue;
    }
    if (text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4);
      const end = close === -1 ? text.length : close + 3;
      out.push([i, end]);
      i = end - 1;
    } else if (c === '<' && /[A-Za-z/!?]/.test(text[i + 1] ?? '')) inTag = true;
  }
  return out;
}
