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
}

const WINDOW = 400;
/** `<link rel=…>` values that make the browser fetch the URL. */
const FETCHING_REL = /\brel\s*=\s*["']?[^"'>]*\b(stylesheet|icon|preload|modulepreload|prefetch|manifest|apple-touch-icon|mask-icon)\b/i;

export function httpUrls(file: SourceFile): HttpUrl[] {
  const out: HttpUrl[] = [];
  const text = file.text;
  const re = new RegExp(HTTP_URL.source, 'gi');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index;
    const url = m[0].replace(/[.,]+$/, '');
    const before = text.slice(Math.max(0, start - WINDOW), start);
    out.push({ file, start, end: start + url.length, url, asset: assetContext(before, text, start) });
  }
  return out;
}

function assetContext(before: string, text: string, at: number): string | undefined {
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
