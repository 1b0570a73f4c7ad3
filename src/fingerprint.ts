import { sha256Finish, sha256Prefix, type Sha256Prefix } from './sha256.js';
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

/**
 * The findings on lines of one text (whitespace aside) in one file: their occurrence count per rule,
 * and the hash of each rule's fingerprint up to the occurrence. One per distinct line, shared by
 * the findings on it: a line is normalised, counted and hashed once, not once per finding (each
 * finding copying and hashing its line made N findings on one long line N² work: 44 s and 1.5 GB
 * for 4,096 URLs on one template line).
 */
interface LineGroup {
  text: string;
  counts: Map<string, number>;
  prefixes?: Map<string, Sha256Prefix>;
}

/** Computes the parts of every finding of a batch, on first read of any of them. */
function ensure(batch: Batch): void {
  if (batch.keyed) return;
  batch.keyed = true;
  const byLine = new Map<string, LineGroup>();
  const byText = new Map<string, Map<string, LineGroup>>();
  for (const f of batch.findings) {
    const lineKey = `${f.line}\0${f.file}`;
    let group = byLine.get(lineKey);
    if (!group) {
      // Whitespace is not part of the key: re-indenting a file keeps its fingerprints.
      const text = batch.lineText(f).replace(/\s+/g, ' ').trim();
      let texts = byText.get(f.file);
      if (!texts) byText.set(f.file, (texts = new Map()));
      group = texts.get(text);
      if (!group) texts.set(text, (group = { text, counts: new Map() }));
      byLine.set(lineKey, group);
    }
    const n = group.counts.get(f.ruleId) ?? 0;
    group.counts.set(f.ruleId, n + 1);
    parts.set(f, { group, n });
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

const parts = new WeakMap<Finding, { group: LineGroup; n: number }>();

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
function digest(ruleId: string, file: string, p: { group: LineGroup; n: number }): string {
  // sha256(`${ruleId}\0${file}\0${text}\0${n}`), the line hashed once per rule and file.
  const key = `${ruleId}\0${file}`;
  const prefixes = (p.group.prefixes ??= new Map());
  let prefix = prefixes.get(key);
  if (!prefix) prefixes.set(key, (prefix = sha256Prefix(`${ruleId}\0${file}\0${p.group.text}\0`)));
  return sha256Finish(prefix, String(p.n)).slice(0, 32);
}
