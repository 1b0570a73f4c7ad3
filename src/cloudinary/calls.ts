/**
 * Per-call `secure=False` (Python) / `secure: false` (JavaScript) in a call that builds a
 * Cloudinary URL: the SDKs let the call's option win over the configuration, so that URL is http
 * whatever the project's `secure`. The code is searched, not parsed: a match counts when it sits
 * inside the parentheses of `cloudinary_url(`, `build_url(`, `.image(`, `.video(`, `.url(` or a
 * `Cloudinary…(` constructor opened at most 400 characters before it.
 */
import type { Diagnostics } from '../diagnostics.js';
import type { FileAccess } from '../files.js';
import { cloudinaryCode } from './code.js';
import type { Span } from '../source.js';

export interface InsecureCall {
  span: Span;
  /** The call it belongs to, as written (`cloudinary_url(`). */
  call: string;
  lang: 'python' | 'javascript';
  /**
   * Not a URL call: a `cloudinary.config(...)` that passes `secure` in a Python module (an
   * `AppConfig.ready()`, a helper module) whose effect on the process the settings do not show.
   */
  config?: boolean;
  /** For such a config call: whether it passes `secure` (one without it changes only what it passes). */
  setsSecure?: boolean;
}

const WINDOW = 400;
const PY = { file: /\.py$/, option: /\bsecure\s*=\s*(False|None|0)\b/g, call: /(cloudinary_url|build_url|\.image|\.video|\bCloudinary(?:Image|Video|Resource)|cloudinary\.utils\.cloudinary_url)\s*\($/ };
const JS = { file: /\.(m?js|cjs|ts|mts|jsx|tsx)$/, option: /\bsecure\s*:\s*false\b/g, call: /(\.url|\.image|\.video|cloudinary_url|\burl|new\s+(?:\w+\.)?Cloudinary|\.setConfig|\.imageTag|\.videoTag)\s*\($/ };

/** Searches the code under these directories (once each) for URL-building calls that turn secure off. */
export function findInsecureCalls(dirs: { dir: string; lang: 'python' | 'javascript' }[], access: FileAccess, diagnostics: Diagnostics): InsecureCall[] {
  const out: InsecureCall[] = [];
  const seen = new Set<string>();
  // Each directory once per language: apps that share a root (N settings modules of one project)
  // listed and read the whole tree again for each (N apps x N files).
  const walked = new Set<string>();
  for (const { dir, lang } of dirs) {
    if (walked.has(`${lang}\0${dir}`)) continue;
    walked.add(`${lang}\0${dir}`);
    const spec = lang === 'python' ? PY : JS;
    for (const f of cloudinaryCode(dir, spec.file, access)) {
      if (f === 'too-many' || seen.has(f.abs)) continue;
      seen.add(f.abs);
      const { abs, text } = f;
      // cloudinary.config(..., secure=...) outside the settings: when it runs is not known.
      if (lang === 'python') {
        const cfg = /\bcloudinary\.config\s*\(/g;
        for (let c = cfg.exec(text); c; c = cfg.exec(text)) {
          const args = text.slice(c.index, c.index + 600);
          const close = args.indexOf(')');
          const setsSecure = /\bsecure\s*=/.test(close < 0 ? args : args.slice(0, close)) || /\*\*/.test(close < 0 ? args : args.slice(0, close));
          out.push({ span: { file: diagnostics.sourceFile(abs, text), start: c.index, end: c.index + c[0].length }, call: 'cloudinary.config(', lang, config: true, setsSecure });
        }
      }
      const re = new RegExp(spec.option.source, 'g');
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const call = enclosingCall(text, m.index, spec.call);
        if (call) out.push({ span: { file: diagnostics.sourceFile(abs, text), start: m.index, end: m.index + m[0].length }, call, lang });
      }
    }
  }
  return out;
}

/** The call whose parentheses hold this position, when its name is one of `names` and it opens within the window. */
function enclosingCall(text: string, at: number, names: RegExp): string | undefined {
  let depth = 0;
  for (let i = at - 1; i >= Math.max(0, at - WINDOW); i--) {
    const c = text[i];
    if (c === ')' || c === ']' || c === '}') depth++;
    else if (c === '(' || c === '[' || c === '{') {
      if (depth > 0) {
        depth--;
        continue;
      }
      if (c !== '(') continue; // an options dict or object literal inside the call: keep looking out
      const head = text.slice(Math.max(0, i - 60), i + 1);
      const m = names.exec(head);
      return m ? `${m[1]}(` : undefined;
    }
  }
  return undefined;
}
