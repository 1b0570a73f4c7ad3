/**
 * Terminal safety: the audited tree is untrusted, and its file names and values end up in the
 * report. Control characters (C0, DEL, C1: an ESC starts an escape sequence that can retitle the
 * window, clear the screen or forge lines), bidirectional and invisible formatting characters
 * (which reorder or hide text, "Trojan Source"), line separators and lone surrogates are shown as
 * escapes (`\x1b`, `\u{202e}`) instead of reaching the terminal. The tool's own text has none.
 */

/**
 * Soft hyphen, combining grapheme joiner, Arabic letter mark, Hangul and Khmer fillers, Mongolian
 * vowel separator and variation selectors, zero-width and bidi marks, line and paragraph
 * separators, invisible operators, variation selectors, the BOM, interlinear annotation marks.
 */
const INVISIBLE = '\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f\\u2028-\\u202e\\u205f-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff0-\\ufffb';
/** Tag characters (U+E0000 to U+E007F, which can spell hidden text) and lone surrogates. */
const PAIRS = '\\udb40[\\udc00-\\udc7f]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';

const UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${INVISIBLE}]|${PAIRS}`, 'g');
/** In JSON text: JSON.stringify escapes C0 itself, and its own line breaks must stay. */
const JSON_UNSAFE = new RegExp(`[\\u007f-\\u009f${INVISIBLE}]|${PAIRS}`, 'g');

export function printable(s: string): string {
  return s.replace(UNSAFE, (c) => {
    if (c === '\t') return '\\t';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    const code = c.codePointAt(0)!;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** JSON text with DEL, C1, invisible and bidi characters, tags and lone surrogates escaped as \uXXXX. */
export function jsonSafe(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => {
    let out = '';
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
