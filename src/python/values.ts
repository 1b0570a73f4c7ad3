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
export function pyRepr(v: Val): string {
  const secrets = secretsOf(v);
  const text = reprOf(v);
  return secrets.length ? maskSecrets(text, secrets) : text;
}

/** The credential values a value was computed from (its own and its items'). */
export function secretsOf(v: Val): string[] {
  const out: string[] = [];
  const walk = (x: Val, depth: number) => {
    for (const u of x.env ?? []) if (u.secret !== undefined) out.push(u.secret);
    if (depth > 50) return;
    if (x.k === 'list' || x.k === 'tuple' || x.k === 'set') for (const i of x.items) walk(i, depth + 1);
    else if (x.k === 'dict') for (const i of [...x.keys, ...x.values]) walk(i, depth + 1);
  };
  walk(v, 0);
  return out;
}

function reprOf(v: Val): string {
  switch (v.k) {
    case 'str':
      return JSON.stringify(v.v).replace(/^"|"$/g, "'").replace(/\\"/g, '"');
    case 'num':
      return String(v.v);
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'list':
      return `[${v.items.map(reprOf).join(', ')}]`;
    case 'tuple':
      return `(${v.items.map(reprOf).join(', ')}${v.items.length === 1 ? ',' : ''})`;
    case 'set':
      return `{${v.items.map(reprOf).join(', ')}}`;
    case 'dict':
      return `{${v.keys.map((k, i) => `${reprOf(k)}: ${reprOf(v.values[i]!)}`).join(', ')}}`;
    case 'path':
      return `Path(${JSON.stringify(v.v)})`;
    case 'obj':
      return `<${v.type}>`;
    case 'unknown':
      return '<unknown>';
  }
}

/** The env uses of several values, without repeats. */
export function mergeEnv(...vals: (Val | undefined)[]): EnvUse[] | undefined {
  const seen = new Set<EnvUse>();
  const out: EnvUse[] = [];
  for (const v of vals) {
    for (const u of v?.env ?? []) {
      if (seen.has(u)) continue;
      seen.add(u);
      out.push(u);
    }
  }
  return out.length ? out : undefined;
}

export function withEnv(v: Val, env: EnvUse[] | undefined): Val {
  if (!env?.length) return v;
  return { ...v, env: mergeEnv(v, { k: 'none', env }) };
}
