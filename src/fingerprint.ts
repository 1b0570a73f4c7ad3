import { sha256Hex } from './sha256.js';
import type { Finding } from './types.js';

interface Batch {
  findings: Finding[];
  lineText: (f: Finding) => string;
  keyed: boolean;
}

/** The findings fingerprinted together (the occurrence count runs over them). */
const batchOf = new WeakMap<Finding, Batch>();
/** Fingerprints computed (or set). */
const memo = new WeakMap<Finding, string>();

/** Computes the parts of every finding of a batch, on first read of any of them. */
function ensure(batch: Batch): void {
  if (batch.keyed) return;
  batch.keyed = true;
  const seen = new Map<string, number>();
  for (const f of batch.findings) {
    // Whitespace is not part of the key: re-indenting a file keeps its fingerprints.
    const text = batch.lineText(f).replace(/\s+/g, ' ').trim();
    const key = `${f.ruleId}\0${f.file}\0${text}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    parts.set(f, { text, n });
  }
}

/**
 * One getter and setter for every finding's fingerprint: a finding keeps V8's fast properties and
 * shares its shape with the others (a getter and setter of its own, made with defineProperty on a
 * data property, turned each finding into a dictionary of ~800 bytes).
 */
const LAZY: PropertyDescriptor = {
  get(this: Finding): string {
    let v = memo.get(this);
    if (v === undefined) {
      const batch = batchOf.get(this);
      if (!batch) return '';
      ensure(batch);
      const p = parts.get(this)!;
      v = digest(this.ruleId, this.file, p);
      memo.set(this, v);
    }
    return v;
  },
  set(this: Finding, v: string): void {
    memo.set(this, v);
  },
  enumerable: true,
  configurable: true,
};

/**
 * Gives a new finding its `fingerprint` property, where a literal would have it (before
 * `suppressed` and `related`); it reads '' until fingerprint() has seen the finding.
 */
export function withFingerprint<T extends object>(f: T): T & { fingerprint: string } {
  return Object.defineProperty(f, 'fingerprint', LAZY) as T & { fingerprint: string };
}

/**
 * Gives each finding (in their stable order) its fingerprint: the rule, the file, the text of its
 * line without its whitespace, and which occurrence of that triple it is.
 */
export function fingerprint(findings: Finding[], lineText: (f: Finding) => string): void {
  // Computed on first read of any of them (stylish output never reads them: on the 27k-line bench
  // the keys and hashes of 1,458 findings cost about 7 ms).
  const batch: Batch = { findings, lineText, keyed: false };
  for (const f of findings) {
    batchOf.set(f, batch);
    memo.delete(f);
    // A finding made without withFingerprint (a literal with `fingerprint: ''`) gets the accessor here.
    if (Object.getOwnPropertyDescriptor(f, 'fingerprint')?.get !== LAZY.get) Object.defineProperty(f, 'fingerprint', LAZY);
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
  return digest(f.ruleId, file, p);
}

/** The fingerprint of a rule's finding in a file, at the occurrence `n` of a line's text. */
function digest(ruleId: string, file: string, p: { text: string; n: number }): string {
  return sha256Hex(`${ruleId}\0${file}\0${p.text}\0${p.n}`).slice(0, 32);
}
