/**
 * Terminal safety: the audited tree is untrusted, and its file names and values end up in the
 * report. Control characters (C0, DEL, C1: an ESC starts an escape sequence that can retitle the
 * window, clear the screen or forge lines), bidirectional and invisible formatting characters
 * (which reorder or hide text, "Trojan Source"), line separators and lone surrogates are shown as
 * escapes (`\x1b`, `\u{202e}`) instead of reaching the terminal. The tool's own text has none.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function printable(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\t') return '\\t';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** What JSON.stringify leaves raw inside strings (it escapes C0 itself; its own line breaks must stay). */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** JSON text with DEL, C1, bidi and invisible characters, separators and lone surrogates escaped as \uXXXX. */
export function jsonSafe(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
