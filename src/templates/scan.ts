/**
 * `http://` URLs in pages, components and stylesheets, with what loads them: an element's `src`
 * (`<img>`, `<script>`, `<iframe>`…), `srcset`, `poster`, a `<link href>` that fetches (a
 * stylesheet, an icon, a preload), CSS `url(...)` and `@import`. Links a person follows (`<a href>`,
 * `rel="canonical"`) are not assets. Linear: each URL is judged from a bounded window before it.
 */
import type { SourceFile } from '../source.js';
import { HTTP_URL } from '../urls.js';

export interface HttpUrl {
  file: SourceFile;
  start: number;
  end: number;
  url: string;
  /** How it is loaded: `<img src>`, `CSS url()`… or undefined when it is not an asset (a link, text, code). */
  asset?: string;
  /** Inside a markup tag (an attribute) that is not an asset: `<a href>`, `<meta content>`. */
  inTag: boolean;
}

const WINDOW = 400;
/** `<link rel=…>` values that make the browser fetch the URL. */
const FETCHING_REL = /\brel\s*=\s*["']?[^"'>]*\b(stylesheet|icon|preload|modulepreload|prefetch|manifest|apple-touch-icon|mask-icon)\b/i;

export function httpUrls(file: SourceFile): HttpUrl[] {
  const out: HttpUrl[] = [];
  const text = file.text;
  const comments = commentRanges(text, /\.(m?js|ts|jsx|tsx|vue|svelte)$/.test(file.path));
  let c = 0;
  const re = new RegExp(HTTP_URL.source, 'gi');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index;
    // Part of another URL (Cloudinary's fetch URLs: https://res.cloudinary.com/…/fetch/http://…): not fetched itself.
    if (start > 0 && /[\w/.%-]/.test(text[start - 1]!)) continue;
    // Commented out: never fetched.
    while (c < comments.length && comments[c]![1] <= start) c++;
    if (c < comments.length && comments[c]![0] <= start) continue;
    const url = m[0].replace(/[.,]+$/, '');
    const before = text.slice(Math.max(0, start - WINDOW), start);
    const ctx = assetContext(before, text, start);
    out.push({ file, start, end: start + url.length, url, asset: ctx.asset, inTag: ctx.inTag });
  }
  return out;
}

/**
 * Comments, in one pass: `<!-- -->`, Django/Jinja `{# #}` and `{% comment %}…{% endcomment %}`,
 * C-style block comments, and in code `//` to the end of the line (not the `//` of a URL).
 * Sorted, not nested.
 */
function commentRanges(text: string, code: boolean): [number, number][] {
  const out: [number, number][] = [];
  const pairs: [string, string][] = [['<!--', '-->'], ['{#', '#}'], ['{% comment %}', '{% endcomment %}'], ['/*', '*/']];
  // The next opening of each kind at or after i, found again only once i has passed it: linear.
  const next = pairs.map(() => -2);
  let nextLine = -2;
  const lineRe = /(^|[^:\w/'"`])\/\/(?!\/)/gm;
  let i = 0;
  while (i < text.length) {
    let best = -1;
    let pair: [string, string] | undefined;
    pairs.forEach((p, k) => {
      if (next[k] !== -1 && next[k]! < i) next[k] = text.indexOf(p[0], i);
      const at = next[k]!;
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
        pair = p;
      }
    });
    if (code && nextLine !== -1 && nextLine < i) {
      lineRe.lastIndex = i;
      const m = lineRe.exec(text);
      nextLine = m ? m.index + m[1]!.length : -1;
    }
    const line = code ? nextLine : -1;
    if (best < 0 && line < 0) break;
    if (line >= 0 && (best < 0 || line < best)) {
      const end = text.indexOf('\n', line);
      out.push([line, end < 0 ? text.length : end]);
      i = end < 0 ? text.length : end;
      continue;
    }
    const end = text.indexOf(pair![1], best + pair![0].length);
    const stop = end < 0 ? text.length : end + pair![1].length;
    out.push([best, stop]);
    i = stop;
  }
  return out;
}

function assetContext(before: string, text: string, at: number): { asset?: string; inTag: boolean } {
  const asset = assetOf(before, text, at);
  if (asset) return { asset, inTag: true };
  const lt = before.lastIndexOf('<');
  return { inTag: lt >= 0 && before.indexOf('>', lt) < 0 && /^<[a-zA-Z]/.test(before.slice(lt)) };
}

function assetOf(before: string, text: string, at: number): string | undefined {
  // CSS: url( "http://…" ) and @import "http://…".
  if (/url\(\s*["']?$/i.test(before)) return 'CSS url()';
  if (/@import\s+(url\(\s*)?["']?$/i.test(before)) return 'CSS @import';
  // An attribute of a tag: the last "<name" before the URL, with no ">" after it.
  const lt = before.lastIndexOf('<');
  if (lt < 0 || before.indexOf('>', lt) >= 0) return undefined;
  const tag = /^<([a-zA-Z][\w-]*)/.exec(before.slice(lt))?.[1]?.toLowerCase();
  const attr = /\s([\w:-]+)\s*=\s*["']?[^"'<>=]*$/.exec(before.slice(lt))?.[1]?.toLowerCase();
  if (!tag || !attr) return undefined;
  if (attr === 'src' || attr === 'srcset' || attr === 'poster' || attr === 'data-src' || attr === 'data-srcset' || attr === 'background') return `<${tag} ${attr}>`;
  if (attr === 'href' && tag === 'link') {
    // The whole tag: rel may come after href.
    const close = text.indexOf('>', at);
    const whole = before.slice(lt) + text.slice(at, close < 0 ? Math.min(text.length, at + WINDOW) : Math.min(close, at + WINDOW));
    return FETCHING_REL.test(whole) ? '<link href>' : undefined;
  }
  if (attr === 'data' && tag === 'object') return '<object data>';
  return undefined;
}

/** Cloudinary's delivery hosts (res.cloudinary.com, res-1…5, <cloud>-res.cloudinary.com). */
export function isCloudinaryHost(host: string): boolean {
  return host === 'res.cloudinary.com' || /^res-\d\.cloudinary\.com$/.test(host) || /^[\w-]+-res\.cloudinary\.com$/.test(host);
}
