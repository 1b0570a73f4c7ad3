/**
 * What the evaluator binds names to, and how they got there. Apart from the evaluator
 * (src/python/evaluate.ts, in the bundle's Python engine, loaded only for a project with Python
 * files) because the model and the rules read bindings too.
 */
import type { SourceFile, Span } from '../source.js';
import type { Val } from './values.js';

/** Where a name got its value. */
export interface Assignment {
  file: SourceFile;
  /** The whole statement (`X = 1`, `X += [...]`, `X.append(...)`). */
  stmt: Span;
  /** The name being assigned. */
  target: Span;
  /** The value expression (the right-hand side, or the call's argument). */
  value: Span;
}

export interface Binding {
  val: Val;
  assign?: Assignment;
  /** The binding this one builds on (`+=`, `.append`): see historyOf(). A link, not a copied list, so that N appends cost N. */
  previous?: Binding;
}

/** The earlier assignments a binding builds on (`+=`, `.append`), oldest first. */
export function historyOf(b: Binding): Assignment[] {
  const out: Assignment[] = [];
  for (let p = b.previous; p; p = p.previous) if (p.assign) out.push(p.assign);
  return out.reverse();
}

export type Namespace = Map<string, Binding>;

/** Bound in a namespace that star-imports a module the audit did not read: any name may be set there. */
export const INCOMPLETE = '__incomplete__';
