/**
 * Word lists tested against names (env keys, upstream hosts, image names) without regular
 * expressions. A case-insensitive alternation of forty words costs V8 about 1 ms to compile at its
 * first use and again when it tiers up (this project's bench machine), at every start that reaches
 * it; these are a few string comparisons. Each keeps the semantics of the pattern it replaced, which
 * test/words.test.ts checks against that pattern.
 */

/** `s` with ASCII A-Z lowered and nothing else changed: what a JavaScript `/i` pattern of ASCII words matches. */
export function asciiLower(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      out += s.slice(from, i) + String.fromCharCode(c + 32);
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * A test of whether one of `words` (lower case) stands in a name between delimiters, ignoring ASCII
 * case: the word starts the name or follows one of `before`, and ends it or is followed by one of
 * `after` (or, with `digitAfter`, a digit). `/(^|[-_.])(w1|w2)([-_.\d]|$)/i` is
 * `delimitedWords([w1, w2], '-_.', '-_.', true)`. The words are indexed by their first letter, so a
 * name costs a lookup per position where a word may start.
 */
export function delimitedWords(words: readonly string[], before: string, after: string, digitAfter = false): (name: string) => boolean {
  const byFirst = new Map<string, string[]>();
  for (const w of words) {
    const list = byFirst.get(w.charAt(0));
    if (list) list.push(w);
    else byFirst.set(w.charAt(0), [w]);
  }
  return (name) => {
    const s = asciiLower(name);
    for (let start = 0; start < s.length; start++) {
      if (start > 0 && !before.includes(s.charAt(start - 1))) continue;
      const candidates = byFirst.get(s.charAt(start));
      if (!candidates) continue;
      for (const w of candidates) {
        if (!s.startsWith(w, start)) continue;
        const end = start + w.length;
        if (end === s.length) return true;
        const next = s.charAt(end);
        if (after.includes(next) || (digitAfter && next >= '0' && next <= '9')) return true;
      }
    }
    return false;
  };
}
