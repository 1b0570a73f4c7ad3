/**
 * Values of the static Python evaluator. Immutable: `X.append(v)` rebinds X to a new list, so a
 * namespace can be forked for the branches of an `if` whose condition is unknown.
 */
import type { Span } from '../source.js';
import type { EnvEntry } from '../env/parse.js';
import type { SourceFile } from '../source.js';
import { maskSecrets } from '../redact.js';

/** An environment variable a value was read from: the env file line, or the default used because no env file sets it. */
export interface EnvUse {
  name: string;
  /** The env file entry that supplied the value. */
  entry?: { file: SourceFile; entry: EnvEntry };
  /** No env file of the project sets the variable, so the code's default was used. */
  defaulted?: boolean;
  /** The call that read it (`env.bool("X", default=False)`). */
  call: Span;
  /**
   * The variable (or setting, for `SECRET_KEY = "…"`) is a credential, and this is its value: a
   * value computed from it is shown with `****` in its place (see redact.ts).
   */
  secret?: string;
}

export type PyVal =
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'none' }
  | { k: 'list' | 'tuple' | 'set'; items: Val[] }
  | { k: 'dict'; keys: Val[]; values: Val[] }
  /** A filesystem path (pathlib.Path, or a string built with os.path). */
  | { k: 'path'; v: string }
  /** Modules, builtins and objects the evaluator knows (`os`, `os.environ`, `environ.Env(...)`, `bool`). */
  | { k: 'obj'; type: string; schemes?: Map<string, { cast?: string; default?: Val }>; self?: Val }
  | { k: 'unknown'; why: string };

export type Val = PyVal & {
  /** Environment variables this value was computed from. */
  env?: EnvUse[];
};

export const NONE: Val = { k: 'none' };
export const str = (v: string): Val => ({ k: 'str', v });
export const num = (v: number): Val => ({ k: 'num', v });
export const bool = (v: boolean): Val => ({ k: 'bool', v });
export const unknown = (why: string, env?: EnvUse[]): Val => (env?.length ? { k: 'unknown', why, env } : { k: 'unknown', why });
export const obj = (type: string, extra: Partial<Extract<PyVal, { k: 'obj' }>> = {}): Val => ({ k: 'obj', type, ...extra });

/** Python truthiness; undefined when it cannot be known. */
export function truthy(v: Val): boolean | undefined {
  switch (v.k) {
    case 'str':
      return v.v.length > 0;
    case 'num':
      return v.v !== 0;
    case 'bool':
      return v.v;
    case 'none':
      return false;
    case 'list':
    case 'tuple':
    case 'set':
      return v.items.length > 0;
    case 'dict':
      return v.keys.length > 0;
    case 'path':
    case 'obj':
      return true;
    case 'unknown':
      return undefined;
  }
}

/** Structural equality of known values; undefined when either side is unknown. */
export function pyEquals(a: Val, b: Val): boolean | undefined {
  if (a.k === 'unknown' || b.k === 'unknown') return undefined;
  if (a === b) return true;
  charge(1);
  const numeric = (x: Val) => (x.k === 'num' ? x.v : x.k === 'bool' ? (x.v ? 1 : 0) : undefined);
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if (a.k !== b.k) {
    if ((a.k === 'list' && b.k === 'tuple') || (a.k === 'tuple' && b.k === 'list')) return false;
    return false;
  }
  switch (a.k) {
    case 'str':
    case 'path':
      return a.v === (b as typeof a).v;
    case 'none':
      return true;
    case 'list':
    case 'tuple':
    case 'set': {
      const bi = (b as typeof a).items;
      if (a.items.length !== bi.length) return false;
      let all: boolean | undefined = true;
      for (let i = 0; i < bi.length; i++) {
        const e = pyEquals(a.items[i]!, bi[i]!);
        if (e === false) return false;
        if (e === undefined) all = undefined;
      }
      return all;
    }
    case 'dict': {
      const bd = b as typeof a;
      if (a.keys.length !== bd.keys.length) return false;
      let all: boolean | undefined = true;
      for (let i = 0; i < a.keys.length; i++) {
        const k = pyEquals(a.keys[i]!, bd.keys[i]!);
        const v = pyEquals(a.values[i]!, bd.values[i]!);
        if (k === false || v === false) return false;
        if (k === undefined || v === undefined) all = undefined;
      }
      return all;
    }
    case 'obj':
      return a === b;
  }
  return undefined;
}

/** The value as Python's repr would show it (for messages); strings keep their quotes; credentials it holds are masked. */
export function pyRepr(v: Val, max = 300): string {
  const secrets = [...new Set(secretsOf(v))];
  const out = { text: '', max: Math.max(max, 16) };
  reprInto(v, secrets, out);
  return out.text.length > out.max ? out.text.slice(0, out.max) + '…' : out.text;
}

/** The credential values a value was computed from (its own and its items'). */
export function secretsOf(v: Val): string[] {
  const out: string[] = [];
  // Every value inside, however deep (a value holds at most LIMITS.pythonValueItems): a shared
  // part is visited once.
  const seen = new Set<Val>();
  const stack: Val[] = [v];
  while (stack.length) {
    const x = stack.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const u of x.env ?? []) if (u.secret !== undefined) out.push(u.secret);
    if (x.k === 'list' || x.k === 'tuple' || x.k === 'set') for (const i of x.items) stack.push(i);
    else if (x.k === 'dict') for (let i = 0; i < x.keys.length; i++) stack.push(x.keys[i]!, x.values[i]!);
  }
  for (const k of knownSecrets) if (k.length >= 6 && containsText(v, k)) out.push(k);
  return out;
}

/**
 * Strings a settings module binds to a credential name (`SECRET_KEY = _K`, SECRET_KEY_FALLBACKS):
 * a value holding the same text elsewhere in the settings (`_K` itself) is masked too. Only
 * Python values are checked against them, never the tool's words or other files.
 */
const knownSecrets = new Set<string>();

export function registerSecret(text: string): void {
  if (text.length >= 6) knownSecrets.add(text);
}

export function clearKnownSecrets(): void {
  knownSecrets.clear();
}

function containsText(v: Val, text: string): boolean {
  const stack: Val[] = [v];
  let budget = 10_000;
  while (stack.length && budget-- > 0) {
    const x = stack.pop()!;
    if ((x.k === 'str' || x.k === 'path') && x.v.includes(text)) return true;
    if (x.k === 'list' || x.k === 'tuple' || x.k === 'set') for (const i of x.items) stack.push(i);
    else if (x.k === 'dict') for (let i = 0; i < x.keys.length; i++) stack.push(x.keys[i]!, x.values[i]!);
  }
  return false;
}

/**
 * Work done inside values (putting a grown list together, comparing, copying a dict) is charged
 * to the evaluator's step budget while a module is evaluated (evaluateModule sets it).
 */
let charge: (n: number) => void = () => {};

export function setCharge(fn: (n: number) => void): (n: number) => void {
  const previous = charge;
  charge = fn;
  return previous;
}

/**
 * Appends a value's repr to out.text, stopping once it is longer than out.max (a value may hold
 * 100,000 items). A string is masked before it is quoted: its repr escapes characters (a tab
 * becomes \t), which would hide a credential from a search of the finished text.
 */
function reprInto(v: Val, secrets: readonly string[], out: { text: string; max: number }): void {
  if (out.text.length > out.max) return;
  const seq = (open: string, items: readonly Val[], close: string) => {
    out.text += open;
    items.forEach((x, i) => {
      if (out.text.length > out.max) return;
      if (i) out.text += ', ';
      reprInto(x, secrets, out);
    });
    out.text += close;
  };
  switch (v.k) {
    case 'str': {
      const shown = secrets.length ? maskSecrets(v.v, secrets) : v.v;
      out.text += JSON.stringify(shown.length > out.max ? shown.slice(0, out.max) : shown).replace(/^"|"$/g, "'").replace(/\\"/g, '"');
      return;
    }
    case 'num':
      out.text += String(v.v);
      return;
    case 'bool':
      out.text += v.v ? 'True' : 'False';
      return;
    case 'none':
      out.text += 'None';
      return;
    case 'list':
      return seq('[', v.items, ']');
    case 'tuple':
      return seq('(', v.items, v.items.length === 1 ? ',)' : ')');
    case 'set':
      return seq('{', v.items, '}');
    case 'dict':
      out.text += '{';
      v.keys.forEach((k, i) => {
        if (out.text.length > out.max) return;
        if (i) out.text += ', ';
        reprInto(k, secrets, out);
        out.text += ': ';
        reprInto(v.values[i]!, secrets, out);
      });
      out.text += '}';
      return;
    case 'path':
      out.text += `Path(${JSON.stringify(secrets.length ? maskSecrets(v.v, secrets) : v.v)})`;
      return;
    case 'obj':
      out.text += `<${v.type}>`;
      return;
    case 'unknown':
      out.text += '<unknown>';
  }
}

/** The env uses of several values, without repeats. */
export function mergeEnv(...vals: (Val | undefined)[]): EnvUse[] | undefined {
  // Indexed loops: this runs for most values of a settings file, in code seldom optimised, where
  // for-of makes an iterator result per step.
  let only: EnvUse[] | undefined;
  let several = false;
  for (let i = 0; i < vals.length; i++) {
    const env = vals[i]?.env;
    if (!env?.length) continue;
    if (only && only !== env) several = true;
    only ??= env;
  }
  if (!several) return only;
  const seen = new Set<EnvUse>();
  const out: EnvUse[] = [];
  for (let i = 0; i < vals.length; i++) {
    const env = vals[i]?.env;
    if (!env) continue;
    for (let j = 0; j < env.length; j++) {
      const u = env[j]!;
      if (seen.has(u)) continue;
      seen.add(u);
      out.push(u);
    }
  }
  return out.length ? out : undefined;
}

export function withEnv(v: Val, env: EnvUse[] | undefined): Val {
  if (!env?.length) return v;
  const merged = mergeEnv(v, { k: 'none', env });
  if (v instanceof GrowingSeq) return new GrowingSeq(v.k, v, [], merged);
  if (v instanceof GrowingDict) return new GrowingDict(v, [], merged);
  return { ...v, env: merged };
}

// --- containers that grow without copying --------------------------------------------------------
//
// Values are immutable (a namespace is forked for the branches of an `if`), so `X.append(v)` makes a
// new list. Copying the items each time made N appends cost N^2/2 copies; these versions share
// what came before and put the items together once, on first read. A module doing N appends, N
// `+=` or N `X["k"] = v` now costs N steps, as it does in Python.

type SeqKind = 'list' | 'tuple' | 'set';
type SeqVal = Extract<Val, { k: SeqKind }>;
type DictVal = Extract<Val, { k: 'dict' }>;

export class GrowingSeq {
  env?: EnvUse[];
  private cached?: Val[];

  constructor(
    readonly k: SeqKind,
    private base: SeqVal | undefined,
    private more: readonly Val[],
    env?: EnvUse[],
  ) {
    if (env) this.env = env;
  }

  /** What is not yet put together: the version this one grows from and what it adds (undefined once read). */
  pending(): { base: SeqVal | undefined; more: readonly Val[] } | undefined {
    return this.cached ? undefined : { base: this.base, more: this.more };
  }

  get items(): Val[] {
    if (this.cached) return this.cached;
    const chain: GrowingSeq[] = [];
    let node: SeqVal | undefined = this as SeqVal;
    while (node instanceof GrowingSeq && !node.cached) {
      chain.push(node);
      node = node.base;
    }
    const out = node ? node.items.slice() : [];
    for (let i = chain.length - 1; i >= 0; i--) for (const x of chain[i]!.more) out.push(x);
    charge(out.length);
    this.cached = out;
    this.base = undefined;
    this.more = [];
    return out;
  }
}

const sizes = new WeakMap<object, number>();

/**
 * How many values a value holds, counted through nested lists, tuples, sets and dicts (a long
 * string counts one for every 64 characters). Cached per value, so `T = (T, T)` costs one step
 * however deep T is, and a version of a growing list costs what was added to it.
 */
export function sizeOf(v: Val): number {
  switch (v.k) {
    case 'list':
    case 'tuple':
    case 'set':
    case 'dict': {
      const hit = sizes.get(v);
      if (hit !== undefined) return hit;
      let n = 1;
      if (v instanceof GrowingSeq && v.pending()) {
        const { base, more } = v.pending()!;
        n = base ? sizeOf(base) : 0;
        for (const x of more) n += sizeOf(x);
      } else if (v.k === 'dict') {
        for (const x of v.keys) n += sizeOf(x);
        for (const x of v.values) n += sizeOf(x);
      } else for (const x of v.items) n += sizeOf(x);
      sizes.set(v, n);
      return n;
    }
    case 'str':
    case 'path':
      return 1 + (v.v.length >> 6);
    default:
      return 1;
  }
}

/** `v` with `more` added at the end (append, extend, `+=`), in O(len(more)). */
export function appended(v: SeqVal, more: readonly Val[], k: SeqKind = v.k, env?: EnvUse[]): Val {
  return new GrowingSeq(k, v, more, env) as SeqVal;
}

/** A key usable in a Map for Python's equality (1 == 1.0 == True), or undefined for other keys. */
function hashKey(v: Val): string | undefined {
  switch (v.k) {
    case 'str':
      return 's' + v.v;
    case 'num':
      return 'n' + v.v;
    case 'bool':
      return v.v ? 'n1' : 'n0';
    case 'none':
      return 'N';
    default:
      return undefined;
  }
}

interface DictIndex {
  byHash: Map<string, number>;
  /** Keys that are neither strings, numbers, booleans nor None: looked through one by one. */
  others: number[];
  unknownKey: boolean;
}

const dictIndexes = new WeakMap<readonly Val[], DictIndex>();

function indexOf(d: DictVal): DictIndex {
  let index = dictIndexes.get(d.keys);
  if (!index) {
    index = { byHash: new Map(), others: [], unknownKey: false };
    d.keys.forEach((k, i) => {
      const h = hashKey(k);
      if (h !== undefined) index!.byHash.set(h, i);
      else {
        index!.others.push(i);
        if (k.k === 'unknown') index!.unknownKey = true;
      }
    });
    dictIndexes.set(d.keys, index);
  }
  return index;
}

/** The position of a key in a dict: a Map lookup for plain keys. -1 when absent, undefined when it cannot be known. */
export function dictFind(d: DictVal, key: Val): number | undefined {
  if (key.k === 'unknown') return undefined;
  const index = indexOf(d);
  const h = hashKey(key);
  if (h !== undefined) {
    const at = index.byHash.get(h);
    if (at !== undefined) return at;
  }
  for (const i of index.others) {
    const e = pyEquals(d.keys[i]!, key);
    if (e === true) return i;
  }
  return index.unknownKey ? undefined : -1;
}

export class GrowingDict {
  readonly k = 'dict' as const;
  env?: EnvUse[];
  private cached?: { keys: Val[]; values: Val[] };

  constructor(
    private base: DictVal | undefined,
    private sets: readonly (readonly [Val, Val])[],
    env?: EnvUse[],
  ) {
    if (env) this.env = env;
  }

  get keys(): Val[] {
    return this.materialize().keys;
  }

  get values(): Val[] {
    return this.materialize().values;
  }

  private materialize(): { keys: Val[]; values: Val[] } {
    if (this.cached) return this.cached;
    const chain: GrowingDict[] = [];
    let node: DictVal | undefined = this as DictVal;
    while (node instanceof GrowingDict && !node.cached) {
      chain.push(node);
      node = node.base;
    }
    const builder = new DictBuilder(node);
    for (let i = chain.length - 1; i >= 0; i--) {
      charge(chain[i]!.sets.length);
      for (const [k, v] of chain[i]!.sets) builder.set(k, v);
    }
    this.cached = builder.done();
    this.base = undefined;
    this.sets = [];
    return this.cached;
  }
}

/** Builds a dict's keys and values, a key set twice keeping its first place (as Python does), in O(1) a key. */
export class DictBuilder {
  private readonly keys: Val[];
  private readonly values: Val[];
  private readonly byHash = new Map<string, number>();

  constructor(from?: DictVal) {
    if (from) charge(from.keys.length);
    this.keys = from ? from.keys.slice() : [];
    this.values = from ? from.values.slice() : [];
    this.keys.forEach((k, i) => {
      const h = hashKey(k);
      if (h !== undefined) this.byHash.set(h, i);
    });
  }

  set(k: Val, v: Val): void {
    const h = hashKey(k);
    let at = h !== undefined ? this.byHash.get(h) : undefined;
    if (at === undefined && h === undefined) {
      const i = this.keys.findIndex((x) => pyEquals(x, k) === true);
      if (i >= 0) at = i;
    }
    if (at !== undefined) this.values[at] = v;
    else {
      if (h !== undefined) this.byHash.set(h, this.keys.length);
      this.keys.push(k);
      this.values.push(v);
    }
  }

  done(): { keys: Val[]; values: Val[] } {
    const out = { keys: this.keys, values: this.values };
    dictIndexes.set(out.keys, { byHash: this.byHash, others: [], unknownKey: false });
    // Keys that are not plain were not hashed: index them on first lookup instead.
    if (this.keys.some((k) => hashKey(k) === undefined)) dictIndexes.delete(out.keys);
    return out;
  }
}

/** `d` with `d[k] = v`, in O(1). */
export function withKey(d: DictVal, k: Val, v: Val): Val {
  return new GrowingDict(d, [[k, v]]) as DictVal;
}
