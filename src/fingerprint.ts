import type { Finding } from './types.js';

/**
 * Gives each finding (in their stable order) its fingerprint: the rule, the file, the text of its
 * line without its whitespace, and which occurrence of that triple it is.
 */
export function fingerprint(findings: Finding[], lineText: (f: Finding) => string): void {
  // Computed on first read of any of them (stylish output never reads them: on the 27k-line bench
  // the keys and hashes of 1,458 findings cost about 7 ms).
  let keyed = false;
  const ensure = () => {
    if (keyed) return;
    keyed = true;
    const seen = new Map<string, number>();
    for (const f of findings) {
      // Whitespace is not part of the key: re-indenting a file keeps its fingerprints.
      const text = lineText(f).replace(/\s+/g, ' ').trim();
      const key = `${f.ruleId}\0${f.file}\0${text}`;
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      parts.set(f, { text, n });
    }
  };
  for (const f of findings) {
    let memo: string | undefined;
    Object.defineProperty(f, 'fingerprint', {
      get: () => {
        if (memo === undefined) {
          ensure();
          const p = parts.get(f)!;
          memo = hash('sha256').update(`${f.ruleId}\0${f.file}\0${p.text}\0${p.n}`).digest('hex').slice(0, 32);
        }
        return memo;
      },
      set: (v: string) => void (memo = v),
      enumerable: true,
      configurable: true,
    });
  }
}

const parts = new WeakMap<Finding, { text: string; n: number }>();

/**
 * The finding's fingerprint with its file named differently (relative to a baseline file's
 * directory rather than the working directory): the same line text and occurrence.
 */
export function fingerprintAs(f: Finding, file: string): string {
  void f.fingerprint; // computes the parts
  const p = parts.get(f);
  if (!p) return f.fingerprint;
  return hash('sha256').update(`${f.ruleId}\0${file}\0${p.text}\0${p.n}`).digest('hex').slice(0, 32);
}

/** node:crypto's createHash, loaded on first use (start-up never needs it). */
function hash(algorithm: string): import('node:crypto').Hash {
  return (process.getBuiltinModule('node:crypto') as typeof import('node:crypto')).createHash(algorithm);
}
