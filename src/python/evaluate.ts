/**
 * A static evaluator for Django settings modules: it walks the parse tree top to bottom and
 * computes what each name is bound to, the way the module would at import time, without running
 * anything. It knows literals, names, `+`/`+=`, list methods, `if`/`elif`/`else` (both branches
 * when the condition is unknown, keeping only what they agree on), `try` bodies, star and named
 * imports of other project modules, `os.environ`/`os.getenv`, django-environ, python-decouple,
 * python-dotenv and pathlib/os.path for the paths of env files. Anything else is unknown, with
 * the reason, and is never guessed.
 */
import path from 'node:path';
import type { SourceFile, Span } from '../source.js';
import { parsePython, type LezerTree, type SyntaxNode, type Tree } from './parse.js';
import { SECRET_KEY_NAME } from '../redact.js';
import { LIMITS } from '../files.js';
import { lowerBound } from '../sorted.js';
import { INCOMPLETE, type Binding, type Namespace } from './binding.js';
import {
  appended, bool, DictBuilder, dictFind, mergeEnv, NONE, num, obj, pyEquals, registerSecret, secretsOf, setCharge, sizeOf, str, truthy, unknown, withEnv, withKey,
  type EnvUse, type Val,
} from './values.js';


/**
 * A branch's view of the namespace: its own bindings over its parent's, so that forking for an
 * `if` costs nothing however many names the settings already have. Iterating yields only the
 * branch's own bindings (what the merge needs).
 */
class Overlay extends Map<string, Binding> {
  constructor(private readonly parent: Namespace) {
    super();
  }

  override get(name: string): Binding | undefined {
    return super.has(name) ? super.get(name) : this.parent.get(name);
  }

  override has(name: string): boolean {
    return super.has(name) || this.parent.has(name);
  }
}

/** What an env variable resolves to at run time, with the line it comes from. */
export interface EnvLookup {
  value: string;
  /** The variable is set, but to a value the files do not determine (a build argument, a Secret): why. */
  unknown?: string;
  entry?: EnvUse['entry'];
  /** Values of credential variables the value was expanded from (`URL=http://x/${API_TOKEN}`). */
  secrets?: string[];
}

/** How a loaded file is read: python-dotenv's syntax, django-environ's `read_env()`, or that with `parse_comments=True` (0.12+). */
export type EnvLoader = 'dotenv' | 'django-environ' | 'django-environ-comments';

/** The run-time environment the settings read: env files of the project, setdefault()s. */
export interface RuntimeEnv {
  get(name: string): EnvLookup | undefined;
  /** `os.environ.setdefault(name, value)`; `secrets`: credentials the value holds. */
  setDefault(name: string, value: string, secrets?: string[]): void;
  /** `environ.Env.read_env(path)`, `load_dotenv(path)`: false when the file is not in the project. */
  load(absPath: string, loader: EnvLoader, call: Span, override?: boolean): boolean;
  /** The call that loaded this env file, when the code loaded it. */
  loadedBy?(file: SourceFile): Span | undefined;
  /**
   * The project's nearest `.env` when it is read as the process's environment only by assumption:
   * no descriptor gives it to the process and no call in the code loads it.
   */
  assumedBase?(file: SourceFile): boolean;
}

export interface EvalHost {
  env: RuntimeEnv;
  /** Containers changed in place during this app's evaluation: a name still bound to one reads unknown. */
  changed?: WeakSet<Val>;
  /** Steps left to the whole run (LIMITS.evaluationSteps): past it, evaluation stops with EvaluationTooLong. */
  budget?: { steps: number };
  /** Evaluates another project module for an import; undefined when it is not in the project. */
  /**
   * Evaluates another project module for an import; undefined when it is not in the project,
   * 'unknown' when it is but was not read (outside the audited tree, past the import depth).
   */
  importModule(from: SourceFile, dotted: string, level: number, at: Span): Namespace | undefined | 'unknown';
  /** Tells the user about a construct that makes the module's settings unknown. */
  note?(at: Span, message: string): void;
}

/** Calls through which a module rebinds its own names. */
// `sys.modules[...]` reaches a module object that may be this one (also through an alias:
// `_this = sys.modules[__name__]; _this.X = …`); only reading it through dir(), getattr() or
// hasattr() is harmless.
const OPAQUE = /\b(?:globals|locals|vars|exec|eval|setattr|delattr)\s*\(|__dict__|(?<!\b(?:dir|getattr|hasattr)\s*\(\s*)sys\.modules\s*[[.]/;
/** django-split-settings: `include('base.py', optional('local.py'))` runs other files in this module's namespace. */
const SPLIT_SETTINGS_INCLUDE = /^\s*include\s*\(/;

/** What a list, tuple or set display holds besides its items; a dict display besides its keys and values. */
const SEQUENCE_PUNCTUATION = new Set(['(', ')', '[', ']', '{', '}', ',', 'Comment']);
const DICT_PUNCTUATION = new Set(['{', '}', ',', ':', 'Comment']);
/** The keyword arguments of a call that has none. */
const NO_NAMED: ReadonlyMap<string, Val> = new Map();
/** Methods of lists and dicts that change nothing. */
const READ_ONLY_METHODS = new Set(['count', 'index', 'copy', 'get', 'keys', 'values', 'items', '__contains__', '__len__']);

/** Thrown when the run's evaluation budget is spent: the module being evaluated is not audited. */
export class EvaluationTooLong extends Error {}

/** A string longer than this is unknown (a settings value is never that long; doubling one would exhaust memory). */
const MAX_STRING = 1024 * 1024;

const BUILTINS = ['bool', 'int', 'str', 'float', 'list', 'tuple', 'dict', 'set', 'len', 'Path'];

export function evaluateModule(file: SourceFile, host: EvalHost, tree: Tree = parsePython(file.text), errors = errorPositions(tree)): Namespace {
  const ns: Namespace = new Map();
  ns.set('__file__', { val: { k: 'path', v: file.path } });
  const evaluator = new Evaluator(file, host, errors);
  // Work inside values (a grown list put together, a comparison) is charged to the same budget.
  const previous = setCharge((n) => evaluator.tick(n));
  try {
    evaluator.block(tree.topNode, ns);
  } finally {
    setCharge(previous);
  }
  return ns;
}

/** Where the parser met syntax errors, in order (one walk of the tree, shared with the error report). */
export function errorPositions(tree: Tree): number[] {
  if ('fast' in tree) return []; // the fast parser gives a tree only for a file without errors
  // The tree's own arrays, not a walk with a node object per node: a 2,000-line settings file has
  // some 14,000 nodes, and the walk cost 5-9 ms cold. A TreeBuffer stores each node as four
  // numbers (type id, start, end, end index), relative to the buffer's position.
  const errors: number[] = [];
  const visit = (t: LezerTree, at: number) => {
    if (t.type.isError) errors.push(at);
    for (let i = 0; i < t.children.length; i++) {
      const child = t.children[i]!;
      const pos = at + t.positions[i]!;
      if (!('buffer' in child)) visit(child, pos);
      else {
        // (Told by shape: the Tree class lives in the lazily loaded parser's bundle.)
        const buf = child.buffer;
        const types = child.set.types;
        for (let j = 0; j < buf.length; j += 4) if (types[buf[j]!]!.isError) errors.push(pos + buf[j + 1]!);
      }
    }
  };
  visit(tree, 0);
  return errors.sort((a, b) => a - b);
}

class Evaluator {
  private readonly budget: { steps: number };

  constructor(
    private readonly file: SourceFile,
    private readonly host: EvalHost,
    /** Where the parser met syntax errors, in order: a statement holding one does not parse. */
    private readonly errors: number[] = [],
  ) {
    this.budget = host.budget ?? { steps: LIMITS.evaluationSteps };
  }

  /** Spends n steps of the run's budget (an expression, the items a new container holds). */
  tick(n = 1): void {
    this.budget.steps -= n;
    if (this.budget.steps < 0) throw new EvaluationTooLong();
  }

  /** `a + b`, charging the items a list sum adds. */
  private add(a: Val, b: Val): Val {
    if ((b.k === 'list' || b.k === 'tuple') && (a.k === 'list' || a.k === 'tuple')) this.tick(Math.min(sizeOf(b), LIMITS.pythonValueItems));
    return add(a, b);
  }

  /** Every string in a value marked as a credential, whole (and remembered, if `register`). */
  private secretWhole(v: Val, call: Span, name = 'a credential', register = false): Val {
    const mark = (x: Val, depth: number): Val => {
      if (x.k === 'str' || x.k === 'path') {
        if (register) registerSecret(x.v);
        return withEnv(x, [{ name, call, secret: x.v }]);
      }
      if (depth > 3) return x;
      if (x.k === 'list' || x.k === 'tuple' || x.k === 'set') return withEnv({ k: x.k, items: x.items.map((i) => mark(i, depth + 1)) }, x.env);
      if (x.k === 'dict') return withEnv({ k: 'dict', keys: x.keys, values: x.values.map((i) => mark(i, depth + 1)) }, x.env);
      return x;
    };
    return mark(v, 0);
  }

  /** A value within the size limits, or unknown: past them no walk of it (a repr, a search for URLs) may cost more. */
  private bounded(v: Val): Val {
    if (v.k === 'list' || v.k === 'tuple' || v.k === 'set' || v.k === 'dict') {
      const size = sizeOf(v);
      if (size > LIMITS.pythonValueItems) return unknown(`a value of more than ${LIMITS.pythonValueItems.toLocaleString('en')} items`, v.env);
    } else if (v.k === 'str' && v.v.length > MAX_STRING) return unknown('a string of more than 1 MiB', v.env);
    return v;
  }

  /**
   * The statement holds a syntax error, or one follows it directly (where the parser gave up on
   * it, as at the end of an expression too long for it).
   */
  private damaged(n: SyntaxNode): boolean {
    const e = this.errors;
    if (!e.length) return false;
    const i = lowerBound(e, n.from);
    return i < e.length && e[i]! <= n.to;
  }

  private text(n: SyntaxNode): string {
    return this.file.text.slice(n.from, n.to);
  }

  /** The start of a node's text, for a reason or a label: at most 60 characters, whatever the node's size. */
  private quote(n: SyntaxNode): string {
    const end = Math.min(n.to, n.from + 60);
    return this.file.text.slice(n.from, end) + (end < n.to ? '…' : '');
  }

  private span(n: SyntaxNode): Span {
    return { file: this.file, start: n.from, end: n.to };
  }

  block(parent: SyntaxNode, ns: Namespace): void {
    for (let c = parent.firstChild; c; c = c.nextSibling) {
      if (isSimpleStatement(c.name) && this.damaged(c)) this.unparsed(c, ns);
      else this.statement(c, ns);
      if (!isSimpleStatement(c.name)) continue;
      const text = this.file.text.slice(c.from, c.to);
      if (OPAQUE.test(text)) this.opaque(c, ns);
      else if (SPLIT_SETTINGS_INCLUDE.test(text) && /\bsplit_settings\b/.test(this.file.text)) {
        this.opaque(c, ns, 'django-split-settings include() runs other settings files here, which https-audit does not follow yet');
      }
    }
  }

  /**
   * `globals().update(...)`, `setattr(module, …)`, `exec(…)`: the module changes its names in a
   * way the evaluator does not follow, so every name bound so far is unknown, and so is every
   * setting it does not bind later (it may be set there).
   */
  private saidOpaque = false;

  private opaque(n: SyntaxNode, ns: Namespace, reason?: string): void {
    const why = reason ?? `the module changes its names through ${this.quote(n)}`;
    // Said once per module: after the first, every name is unknown already.
    if (!this.saidOpaque) this.host.note?.(this.span(n), `${reason ?? 'the module may change any of its names here'}: every setting it has not set again after this line is unknown, and nothing is reported about it`);
    this.saidOpaque = true;
    for (const [name, b] of ns) if (name !== '__file__') ns.set(name, { ...b, val: unknown(why) });
    ns.set(INCOMPLETE, { val: unknown(why) });
  }

  /**
   * A statement the parser could not read whole (a syntax error in it, or one right after it,
   * such as the end of an expression too long for the parser): what it binds is unknown, never
   * the value of the part that parsed.
   */
  private unparsed(n: SyntaxNode, ns: Namespace): void {
    const why = 'the statement that sets it does not parse';
    if (n.name === 'AssignStatement') {
      for (let c = n.firstChild; c && c.name !== 'AssignOp'; c = c.nextSibling) {
        if (c.name === 'VariableName') ns.set(this.text(c), { val: unknown(why), assign: { file: this.file, stmt: this.span(n), target: this.span(c), value: this.span(n) } });
        else {
          const root = rootName(c, this.file.text);
          const existing = root ? ns.get(root) : undefined;
          if (root && existing) ns.set(root, { ...existing, val: unknown(why) });
        }
      }
      return;
    }
    const root = n.firstChild ? rootName(n.firstChild, this.file.text) : undefined;
    const existing = root ? ns.get(root) : undefined;
    if (root && existing) ns.set(root, { ...existing, val: unknown(why) });
  }

  private statement(n: SyntaxNode, ns: Namespace): void {
    switch (n.name) {
      case 'ImportStatement':
        return this.importStatement(n, ns);
      case 'AssignStatement':
        return this.assign(n, ns);
      case 'UpdateStatement':
        return this.update(n, ns);
      case 'ExpressionStatement':
        return this.expressionStatement(n, ns);
      case 'IfStatement':
        return this.ifStatement(n, ns);
      case 'TryStatement':
        return this.tryStatement(n, ns);
      case 'WithStatement': {
        const body = child(n, 'Body');
        if (body) this.block(body, ns);
        return;
      }
      case 'FunctionDefinition':
      case 'ClassDefinition': {
        const name = child(n, 'VariableName');
        if (name) ns.set(this.text(name), { val: obj(n.name === 'ClassDefinition' ? 'class' : 'function') });
        return;
      }
      case 'DecoratedStatement': {
        const inner = child(n, 'FunctionDefinition') ?? child(n, 'ClassDefinition');
        if (inner) this.statement(inner, ns);
        return;
      }
      case 'ForStatement':
      case 'WhileStatement': {
        // Names bound inside a loop depend on how often it runs.
        const inLoop = new Overlay(ns);
        const body = child(n, 'Body');
        if (body) this.block(body, inLoop);
        for (const [name, b] of inLoop) ns.set(name, { ...b, val: unknown(`${name} is changed in a loop`) });
        const target = child(n, 'VariableName');
        if (target) ns.set(this.text(target), { val: unknown('a loop variable') });
        return;
      }
      case 'Body':
        return this.block(n, ns);
      case 'DeleteStatement': {
        // `del X`, `del X[0]`: the evaluator does not follow it, so what it touches is unknown.
        for (let c = n.firstChild; c; c = c.nextSibling) {
          const root = c.name === 'del' ? undefined : rootName(c, this.file.text);
          const existing = root ? ns.get(root) : undefined;
          if (root && existing) {
            this.mutated(existing.val);
            ns.set(root, { ...existing, val: unknown(`${root} is changed by del`) });
          }
        }
        return;
      }
      default:
        return;
    }
  }

  // --- imports -------------------------------------------------------------------------------

  private importStatement(n: SyntaxNode, ns: Namespace): void {
    const children: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') children.push(c);
    if (children[0]?.name === 'from') {
      // from [.]*dotted import (* | names [as alias])
      let level = 0;
      const parts: string[] = [];
      let i = 1;
      for (; i < children.length && children[i]!.name !== 'import'; i++) {
        const c = children[i]!;
        if (c.name === '.') {
          if (parts.length === 0) level++;
        } else if (c.name === 'Ellipsis') level += 3;
        else if (c.name === 'VariableName') parts.push(this.text(c));
      }
      const dotted = parts.join('.');
      const names: [string, string][] = [];
      let star = false;
      for (i++; i < children.length; i++) {
        const c = children[i]!;
        if (c.name === '*') star = true;
        else if (c.name === 'VariableName') {
          const next = children[i + 1];
          if (next?.name === 'as') {
            names.push([this.text(c), this.text(children[i + 2]!)]);
            i += 2;
          } else names.push([this.text(c), this.text(c)]);
        }
      }
      const known = level === 0 ? knownModule(dotted) : undefined;
      if (known) {
        for (const [name, alias] of names) ns.set(alias, { val: known(name) });
        return;
      }
      const found = this.host.importModule(this.file, dotted, level, this.span(n));
      const module = found === 'unknown' ? undefined : found;
      if (star) {
        // Each name the import goes through is a step: a chain of modules that star-import each other copies every
        // earlier module's names into each (50 deep, 6,000 names each: 7 million, 680 MB).
        if (module) this.tick(module.size);
        if (module) for (const [name, b] of module) if (!name.startsWith('_') || name === INCOMPLETE) ns.set(name, b);
        // Names a module that was not read would have set are unknown, not Django's defaults.
        if (found === 'unknown') ns.set(INCOMPLETE, { val: unknown(`${'.'.repeat(level)}${dotted} was not read`) });
        return;
      }
      for (const [name, alias] of names) {
        const b = module?.get(name);
        ns.set(alias, b ?? { val: unknown(`${name} is imported from ${'.'.repeat(level)}${dotted}, which is not in the project`) });
      }
      return;
    }
    // import a.b.c [as x], d
    for (let i = 1; i < children.length; i++) {
      const c = children[i]!;
      if (c.name !== 'VariableName') continue;
      const parts = [this.text(c)];
      while (children[i + 1]?.name === '.' && children[i + 2]?.name === 'VariableName') {
        parts.push(this.text(children[i + 2]!));
        i += 2;
      }
      let alias = parts[0]!;
      let value: Val = moduleObject(parts[0]!);
      if (children[i + 1]?.name === 'as') {
        alias = this.text(children[i + 2]!);
        value = moduleObject(parts.join('.'));
        i += 2;
      }
      ns.set(alias, { val: value });
    }
  }

  // --- statements ----------------------------------------------------------------------------

  private assign(n: SyntaxNode, ns: Namespace): void {
    // `NAME = value`, most statements of a settings file: no groups to make.
    const first = n.firstChild;
    const op = first?.nextSibling;
    const only = op?.nextSibling;
    if (first?.name === 'VariableName' && op?.name === 'AssignOp' && only && !only.nextSibling && only.name !== 'Comment') {
      this.bind(first, this.expr(only, ns), n, only, ns);
      return;
    }
    // a = b = value ; a: T = value ; a, b = 1, 2 (lezer leaves the commas flat)
    const groups: SyntaxNode[][] = [[]];
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name === 'Comment') continue;
      if (c.name === 'AssignOp') groups.push([]);
      else if (c.name !== 'TypeDef' && c.name !== ',') groups[groups.length - 1]!.push(c);
    }
    const valueNodes = groups.pop();
    if (!valueNodes?.length) return;
    const valueNode = valueNodes[0]!;
    const value: Val = valueNodes.length === 1 ? this.expr(valueNode, ns) : { k: 'tuple', items: valueNodes.map((v) => this.expr(v, ns)) };
    const valueSpanNode = valueNodes.length === 1 ? valueNode : n;
    for (const targets of groups) {
      if (targets.length === 1) this.bind(targets[0]!, value, n, valueSpanNode, ns);
      else {
        targets.forEach((t, i) => {
          const item = (value.k === 'tuple' || value.k === 'list') && value.items.length === targets.length ? value.items[i]! : unknown('unpacked from a value that is not known');
          this.bind(t, item, n, valueSpanNode, ns);
        });
      }
    }
  }

  private bind(target: SyntaxNode, value: Val, stmt: SyntaxNode, valueNode: SyntaxNode, ns: Namespace): void {
    if (target.name === 'VariableName') {
      const name = this.text(target);
      // `SECRET_KEY = "…"`: the value is a credential wherever it goes (redact.ts).
      // `SECRET_KEY = "…"`, `SECRET_KEY_FALLBACKS = [...]`: the value is a credential wherever it
      // goes (redact.ts), and so is the same text under another name (`_K`, bound before).
      if (SECRET_KEY_NAME.test(name)) value = this.secretWhole(value, this.span(target), name, true);
      ns.set(name, {
        val: value,
        assign: { file: this.file, stmt: this.span(stmt), target: this.span(target), value: this.span(valueNode) },
      });
      return;
    }
    if (target.name === 'TupleExpression' || target.name === 'ArrayExpression' || target.name === 'ParenthesizedExpression') {
      const names: SyntaxNode[] = [];
      for (let c = target.firstChild; c; c = c.nextSibling) if (c.name === 'VariableName') names.push(c);
      names.forEach((t, i) => {
        const item = (value.k === 'tuple' || value.k === 'list') && value.items.length === names.length ? value.items[i]! : unknown('unpacked from a value that is not known');
        this.bind(t, item, stmt, valueNode, ns);
      });
      return;
    }
    // X['k'] = v, X.attr = v: the container changes in a way we do not follow.
    const root = rootName(target, this.file.text);
    const existing = root ? ns.get(root) : undefined;
    if (root && existing && child(target, '[') && existing.val.k === 'dict') {
      const keyNode = subscriptIndex(target);
      const key = keyNode ? this.expr(keyNode, ns) : unknown('no key');
      if (key.k === 'str' && target.firstChild?.name === 'VariableName') {
        this.mutated(existing.val);
        ns.set(root, this.modified(existing, withKey(existing.val, key, value), stmt, target, valueNode));
        return;
      }
    }
    if (root && existing) {
      this.mutated(existing.val);
      ns.set(root, { ...existing, val: unknown(`${root} is changed by ${this.quote(stmt)}`) });
    }
  }

  private modified(existing: Binding, val: Val, stmt: SyntaxNode, target: SyntaxNode, valueNode: SyntaxNode): Binding {
    return {
      val,
      assign: { file: this.file, stmt: this.span(stmt), target: this.span(target), value: this.span(valueNode) },
      previous: existing,
    };
  }

  private update(n: SyntaxNode, ns: Namespace): void {
    const target = n.firstChild;
    const op = child(n, 'UpdateOp');
    const valueNode = n.lastChild;
    if (!target || !op || !valueNode || target.name !== 'VariableName') {
      const root = target ? rootName(target, this.file.text) : undefined;
      const existing = root ? ns.get(root) : undefined;
      if (root && existing) {
        this.mutated(existing.val);
        ns.set(root, { ...existing, val: unknown(`${root} is changed in a way that is not followed`) });
      }
      return;
    }
    const name = this.text(target);
    const existing = ns.get(name) ?? { val: unknown(`${name} is not defined before this`) };
    const right = this.expr(valueNode, ns);
    // `L += [...]` extends the list in place: other names bound to it change too.
    if (existing.val.k === 'list' || existing.val.k === 'dict' || existing.val.k === 'set') this.mutated(existing.val);
    const result = this.text(op) === '+=' ? this.add(existing.val, right) : unknown(`${name} ${this.text(op)} …`);
    ns.set(name, this.modified(existing, result, n, target, valueNode));
  }

  private expressionStatement(n: SyntaxNode, ns: Namespace): void {
    const call = n.firstChild;
    if (!call || call.name !== 'CallExpression') return;
    const callee = call.firstChild;
    const method = callee?.name === 'MemberExpression' ? child(callee, 'PropertyName') : null;
    if (callee && method && callee.firstChild?.name === 'VariableName') {
      const name = this.text(callee.firstChild);
      const existing = ns.get(name);
      if (existing && (existing.val.k === 'list' || existing.val.k === 'tuple')) {
        const list = existing.val;
        const args = this.args(call, ns);
        const m = this.text(method);
        const a0 = args.positional[0];
        let next: Val | undefined;
        if (m === 'append' && a0) next = this.bounded(appended(list, [a0]));
        else if (m === 'extend' && a0) {
          if (a0.k === 'list' || a0.k === 'tuple') {
            this.tick(a0.items.length);
            next = this.bounded(appended(list, a0.items));
          } else next = unknown(`${name} is extended with a value that is not known`);
        } else if (m === 'insert' && args.positional[1]) {
          // O(len) like Python's own insert, and charged so.
          this.tick(list.items.length);
          const items = list.items.slice();
          if (a0?.k !== 'num') next = unknown(`${name} gets an item at a place that is not known`);
          else {
            const at = a0.v;
            items.splice(at < 0 ? Math.max(0, items.length + at) : at, 0, args.positional[1]);
            next = { k: list.k, items };
          }
        } else if (m === 'remove' && a0) {
          this.tick(list.items.length);
          let i = -1;
          let unsure = false;
          for (let k = 0; k < list.items.length && i < 0; k++) {
            const e = pyEquals(list.items[k]!, a0);
            if (e === true) i = k;
            else if (e === undefined) unsure = true;
          }
          if (unsure && i < 0) next = unknown(`which item of ${name} is removed is not known`);
          else {
            const items = list.items.slice();
            if (i >= 0) items.splice(i, 1);
            next = { k: list.k, items };
          }
        } else if (!READ_ONLY_METHODS.has(m)) next = unknown(`${name} is changed by .${m}()`);
        if (next) {
          this.mutated(existing.val);
          const argNode = child(call, 'ArgList') ?? call;
          ns.set(name, this.modified(existing, next, n, callee.firstChild, argNode));
          return;
        }
      } else if (existing && existing.val.k === 'dict' && !READ_ONLY_METHODS.has(this.text(method))) {
        this.mutated(existing.val);
        ns.set(name, { ...existing, val: unknown(`${name} is changed by .${this.text(method)}()`) });
        this.expr(call, ns);
        return;
      }
    } else if (callee && method && !READ_ONLY_METHODS.has(this.text(method))) {
      // `Q[0].append(1)`, `A.b.update(…)`: the container changes in a way that is not followed.
      const root = rootName(callee, this.file.text);
      const existing = root ? ns.get(root) : undefined;
      if (root && existing && existing.val.k !== 'obj') {
        this.mutated(existing.val);
        ns.set(root, { ...existing, val: unknown(`${root} is changed by ${this.quote(n)}`) });
      }
    }
    // Calls evaluated for their effect on the environment: read_env, load_dotenv, os.environ.setdefault.
    this.expr(call, ns);
  }

  /**
   * A list or dict changed in place: every other name bound to it (`M = MIDDLEWARE`) sees the
   * change in Python, which the evaluator does not follow there, so those names read unknown.
   */
  private mutated(old: Val): void {
    this.host.changed?.add(old);
  }

  private ifStatement(n: SyntaxNode, ns: Namespace): void {
    // if cond Body (elif cond Body)* (else Body)?
    const branches: { cond?: SyntaxNode; body: SyntaxNode }[] = [];
    let cond: SyntaxNode | undefined;
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name === 'if' || c.name === 'elif' || c.name === 'else') {
        cond = undefined;
        continue;
      }
      if (c.name === 'Body') {
        branches.push({ cond, body: c });
        cond = undefined;
      } else if (c.name !== 'Comment') cond = c;
    }
    const forks: Namespace[] = [];
    for (const b of branches) {
      const truth = b.cond ? truthy(this.expr(b.cond, ns)) : true;
      if (truth === false) continue;
      const fork = new Overlay(ns);
      this.block(b.body, fork);
      if (truth === true) {
        forks.push(fork);
        return this.merge(ns, forks, n);
      }
      forks.push(fork);
    }
    // No branch is certain: the statement may also run none of them.
    forks.push(new Overlay(ns));
    this.merge(ns, forks, n);
  }

  /** Replaces ns with what every fork agrees on; names the forks disagree on become unknown. */
  private merge(ns: Namespace, forks: Namespace[], n: SyntaxNode): void {
    if (forks.length === 1) {
      for (const [k, v] of forks[0]!) ns.set(k, v);
      return;
    }
    const names = new Set<string>();
    for (const f of forks) for (const name of f.keys()) names.add(name);
    const cond = this.quote(n).split('\n')[0]!.replace(/:\s*$/, '');
    for (const name of names) {
      const bindings = forks.map((f) => f.get(name));
      const first = bindings[0];
      if (first && bindings.every((b) => b === first)) {
        ns.set(name, first);
        continue;
      }
      const agree = first && bindings.every((b) => b && pyEquals(b.val, first.val) === true);
      const last = bindings.find((b) => b && b !== ns.get(name)) ?? first;
      if (agree && first) {
        ns.set(name, last ?? first);
        continue;
      }
      const env = mergeEnv(...bindings.map((b) => b?.val));
      const common = bindings.every((b) => b) ? commonItems(bindings.map((b) => b!.val), `more items of ${name} depend on \`${cond}\``) : undefined;
      if (common) {
        // `if DEBUG: MIDDLEWARE.append(…)`: what every branch keeps is known, the rest is not.
        ns.set(name, { val: withEnv(common, env), assign: last?.assign, previous: last?.previous });
        continue;
      }
      ns.set(name, { val: unknown(`${name} depends on \`${cond}\``, env), assign: last?.assign });
    }
  }

  private tryStatement(n: SyntaxNode, ns: Namespace): void {
    // The body runs; `except` bodies run only on an error, which we cannot know; else/finally run.
    let skip = false;
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name === 'except') skip = true;
      else if (c.name === 'else' || c.name === 'finally') skip = false;
      else if (c.name === 'Body' && !skip) this.block(c, ns);
    }
  }

  // --- expressions ---------------------------------------------------------------------------

  expr(n: SyntaxNode, ns: Namespace): Val {
    try {
      return this.exprInner(n, ns);
    } catch (e) {
      if (e instanceof RangeError) return unknown('the expression is nested too deeply');
      throw e;
    }
  }

  private exprInner(n: SyntaxNode, ns: Namespace): Val {
    this.tick();
    return this.bounded(this.exprNode(n, ns));
  }

  private exprNode(n: SyntaxNode, ns: Namespace): Val {
    switch (n.name) {
      case 'String':
        return decodeString(this.text(n));
      case 'ContinuedString': {
        let out = '';
        for (let c = n.firstChild; c; c = c.nextSibling) {
          const part = c.name === 'String' ? decodeString(this.text(c)) : this.exprInner(c, ns);
          if (part.k !== 'str') return unknown('a string built from parts that are not known');
          out += part.v;
        }
        return str(out);
      }
      case 'FormatString':
        return this.formatString(n, ns);
      case 'Number': {
        const t = this.text(n).replace(/_/g, '');
        const v = /^0[xX]/.test(t) ? parseInt(t, 16) : /^0[oO]/.test(t) ? parseInt(t.slice(2), 8) : /^0[bB]/.test(t) ? parseInt(t.slice(2), 2) : Number(t);
        return Number.isFinite(v) ? num(v) : unknown(`the number ${t}`);
      }
      case 'Boolean':
        return bool(this.text(n) === 'True');
      case 'None':
        return NONE;
      case 'VariableName': {
        const name = this.text(n);
        const b = ns.get(name);
        if (b) return this.host.changed?.has(b.val) ? unknown(`${name} was changed in place through another name`) : b.val;
        if (BUILTINS.includes(name)) return obj(`builtin:${name}`);
        return unknown(`${name} is not defined here`);
      }
      case 'ParenthesizedExpression': {
        const inner = skipComments(n.firstChild?.nextSibling ?? null);
        return inner && inner.name !== ')' ? this.exprInner(inner, ns) : { k: 'tuple', items: [] };
      }
      case 'TupleExpression':
      case 'ArrayExpression':
      case 'SetExpression': {
        const items: Val[] = [];
        for (let c = n.firstChild; c; c = c.nextSibling) {
          if (SEQUENCE_PUNCTUATION.has(c.name)) continue;
          if (c.name === '*') {
            const next = skipComments(c.nextSibling);
            if (!next) break;
            const spread = this.exprInner(next, ns);
            if (spread.k === 'list' || spread.k === 'tuple' || spread.k === 'set') {
              if (items.length + spread.items.length > LIMITS.pythonValueItems) return unknown(`a value of more than ${LIMITS.pythonValueItems.toLocaleString('en')} items`);
              for (const x of spread.items) items.push(x);
            }
            else return unknown('a list built with * from a value that is not known', spread.env);
            c = next;
            continue;
          }
          if (c.name === 'for' || c.name === 'async') return unknown('a comprehension');
          items.push(this.exprInner(c, ns));
        }
        const k = n.name === 'TupleExpression' ? 'tuple' : n.name === 'ArrayExpression' ? 'list' : 'set';
        this.tick(items.length);
        return { k, items };
      }
      case 'DictionaryExpression':
        return this.dict(n, ns);
      case 'UnaryExpression': {
        const op = n.firstChild;
        const operand = op?.nextSibling;
        if (!op || !operand) return unknown('an expression');
        const v = this.exprInner(operand, ns);
        if (op.name === 'not') {
          const t = truthy(v);
          return t === undefined ? unknown(`not ${this.quote(operand)}`, v.env) : withEnv(bool(!t), v.env);
        }
        if (this.text(op) === '-' && v.k === 'num') return withEnv(num(-v.v), v.env);
        if (this.text(op) === '+' && v.k === 'num') return v;
        return unknown(this.quote(n), v.env);
      }
      case 'BinaryExpression':
        return this.binary(n, ns);
      case 'ConditionalExpression': {
        // a if cond else b
        const parts: SyntaxNode[] = [];
        for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'if' && c.name !== 'else' && c.name !== 'Comment') parts.push(c);
        const [a, cond, b] = parts;
        if (!a || !cond || !b) return unknown('a conditional expression');
        const c = this.exprInner(cond, ns);
        const t = truthy(c);
        if (t === true) return withEnv(this.exprInner(a, ns), c.env);
        if (t === false) return withEnv(this.exprInner(b, ns), c.env);
        const va = this.exprInner(a, ns);
        const vb = this.exprInner(b, ns);
        if (pyEquals(va, vb) === true) return withEnv(va, mergeEnv(c, vb));
        return unknown(`depends on \`${this.quote(cond)}\``, mergeEnv(c, va, vb));
      }
      case 'MemberExpression':
        return this.member(n, ns);
      case 'SubscriptExpression':
        return this.subscript(n, ns);
      case 'CallExpression':
        return this.call(n, ns);
      default:
        return unknown(`\`${this.quote(n)}\` is not evaluated`);
    }
  }

  private formatString(n: SyntaxNode, ns: Namespace): Val {
    const raw = this.text(n);
    const prefix = /^[a-zA-Z]*/.exec(raw)![0];
    const quote = raw.slice(prefix.length).startsWith('"""') || raw.slice(prefix.length).startsWith("'''") ? 3 : 1;
    const bodyStart = n.from + prefix.length + quote;
    const bodyEnd = n.to - quote;
    let out = '';
    let pos = bodyStart;
    let env: EnvUse[] | undefined;
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name !== 'FormatReplacement') continue;
      out += this.file.text.slice(pos, c.from).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
      const inner = c.firstChild?.nextSibling;
      if (!inner || child(c, 'FormatSpec') || child(c, 'FormatConversion')) return unknown('an f-string with a format spec');
      const v = this.exprInner(inner, ns);
      env = mergeEnv({ k: 'none', env }, v);
      const s = v.k === 'str' || v.k === 'path' ? v.v : v.k === 'num' ? String(v.v) : v.k === 'bool' ? (v.v ? 'True' : 'False') : undefined;
      if (s === undefined) return unknown(`the f-string part {${this.quote(inner)}} is not known`, env);
      out += s;
      pos = c.to;
    }
    out += this.file.text.slice(pos, bodyEnd).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
    return withEnv(str(prefix.toLowerCase().includes('r') ? out : decodeEscapes(out)), env);
  }

  private dict(n: SyntaxNode, ns: Namespace): Val {
    const dict = new DictBuilder();
    let pendingKey: Val | undefined;
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (DICT_PUNCTUATION.has(c.name)) continue;
      if (c.name === 'for') return unknown('a dict comprehension');
      if (c.name === '**') {
        const next = skipComments(c.nextSibling);
        if (!next) break;
        const spread = this.exprInner(next, ns);
        if (spread.k !== 'dict') return unknown('a dict built with ** from a value that is not known');
        this.tick(spread.keys.length);
        spread.keys.forEach((k, i) => dict.set(k, spread.values[i]!));
        c = next;
        continue;
      }
      const v = this.exprInner(c, ns);
      if (pendingKey === undefined) pendingKey = v;
      else {
        dict.set(pendingKey, v);
        pendingKey = undefined;
      }
    }
    return { k: 'dict', ...dict.done() };
  }

  private binary(n: SyntaxNode, ns: Namespace): Val {
    const left = skipComments(n.firstChild);
    const op = skipComments(left?.nextSibling ?? null);
    const right = lastNonComment(n);
    if (!left || !op || !right || right.from === op.from) return unknown('an expression');
    let opText = this.text(op);
    // `not in`, `is not` are two tokens. (Nodes are fresh objects on each access: compare positions.)
    const second = skipComments(op.nextSibling);
    if (second && second.from !== right.from) opText += ' ' + this.text(second);
    const a = this.exprInner(left, ns);
    if (opText === 'and' || opText === 'or') {
      const t = truthy(a);
      if (t === undefined) {
        const b = this.exprInner(right, ns);
        const tb = truthy(b);
        // `x and False` is falsy whatever x is; `x or True` is truthy.
        if (opText === 'and' && tb === false) return withEnv(b, mergeEnv(a));
        if (opText === 'or' && tb === true) return withEnv(b, mergeEnv(a));
        return unknown(`depends on \`${this.quote(left)}\``, mergeEnv(a, b));
      }
      if ((opText === 'and') === t) return withEnv(this.exprInner(right, ns), a.env);
      return a;
    }
    const b = this.exprInner(right, ns);
    const env = mergeEnv(a, b);
    switch (opText) {
      case '+':
        return withEnv(this.add(a, b), env);
      case '/':
        if (a.k === 'path' && b.k === 'str') return withEnv({ k: 'path', v: path.join(a.v, b.v) }, env);
        if (a.k === 'num' && b.k === 'num' && b.v !== 0) return withEnv(num(a.v / b.v), env);
        return unknown(this.quote(n), env);
      case '*':
        if (a.k === 'num' && b.k === 'num') return withEnv(num(a.v * b.v), env);
        return unknown(this.quote(n), env);
      case '-':
        if (a.k === 'num' && b.k === 'num') return withEnv(num(a.v - b.v), env);
        return unknown(this.quote(n), env);
      case '==':
      case '!=': {
        const eq = pyEquals(a, b);
        if (eq === undefined) return unknown(this.quote(n), env);
        return withEnv(bool(opText === '==' ? eq : !eq), env);
      }
      case 'is':
      case 'is not': {
        const same = a.k === 'none' && b.k === 'none' ? true : a.k === 'bool' && b.k === 'bool' ? a.v === b.v : (a.k === 'none') !== (b.k === 'none') && a.k !== 'unknown' && b.k !== 'unknown' ? false : undefined;
        if (same === undefined) return unknown(this.quote(n), env);
        return withEnv(bool(opText === 'is' ? same : !same), env);
      }
      case 'in':
      case 'not in': {
        let found: boolean | undefined;
        if (b.k === 'str' && a.k === 'str') found = b.v.includes(a.v);
        else if (b.k === 'list' || b.k === 'tuple' || b.k === 'set') {
          found = false;
          for (const item of b.items) {
            const e = pyEquals(a, item);
            if (e === true) {
              found = true;
              break;
            }
            if (e === undefined) found = undefined;
          }
        } else if (b.k === 'dict') {
          const at = dictFind(b, a);
          found = at === undefined ? undefined : at >= 0;
        }
        if (found === undefined) return unknown(this.quote(n), env);
        return withEnv(bool(opText === 'in' ? found : !found), env);
      }
      default:
        return unknown(this.quote(n), env);
    }
  }

  private member(n: SyntaxNode, ns: Namespace): Val {
    // lezer writes `a[b]` as a MemberExpression with brackets.
    if (child(n, '[')) return this.subscript(n, ns);
    const base = n.firstChild;
    const prop = child(n, 'PropertyName');
    if (!base || !prop) return unknown(this.quote(n));
    const v = this.exprInner(base, ns);
    const name = this.text(prop);
    if (v.k === 'obj') {
      const t = v.type;
      if (t === 'module:os' && name === 'environ') return obj('os.environ');
      if (t === 'module:os' && name === 'path') return obj('module:os.path');
      if (t === 'module:os' && name === 'getenv') return obj('fn:os.getenv');
      if (t === 'module:environ' && (name === 'Env' || name === 'FileAwareEnv')) return obj('class:environ.Env');
      if (t === 'module:environ' && name === 'Path') return obj('class:environ.Path');
      if (t === 'module:pathlib' && name === 'Path') return obj('builtin:Path');
      if (t === 'module:decouple' && (name === 'config' || name === 'Csv' || name === 'AutoConfig')) return obj(`decouple.${name}`);
      if (t === 'module:dotenv' && name === 'load_dotenv') return obj('fn:load_dotenv');
    }
    if (v.k === 'path' && (name === 'parent')) return { k: 'path', v: path.dirname(v.v), ...(v.env ? { env: v.env } : {}) };
    // Methods: bound to their object, resolved by the call.
    return obj(`method:${name}`, { self: v });
  }

  private subscript(n: SyntaxNode, ns: Namespace): Val {
    const base = n.firstChild;
    const index = subscriptIndex(n);
    if (!base || !index) return unknown(this.quote(n));
    const v = this.exprInner(base, ns);
    const k = this.exprInner(index, ns);
    if (v.k === 'obj' && v.type === 'os.environ') {
      if (k.k !== 'str') return unknown(this.quote(n), k.env);
      return this.readEnv(k.v, n, { kind: 'os' }, undefined);
    }
    if ((v.k === 'list' || v.k === 'tuple') && k.k === 'num') {
      const i = k.v < 0 ? v.items.length + k.v : k.v;
      return v.items[i] ?? unknown(`${this.quote(n)} is out of range`);
    }
    if (v.k === 'dict' && k.k !== 'unknown') {
      const i = dictFind(v, k);
      if (i !== undefined && i >= 0) return v.values[i]!;
    }
    if (v.k === 'str' && k.k === 'num') {
      const ch = v.v[k.v < 0 ? v.v.length + k.v : k.v];
      if (ch === undefined) return unknown(this.quote(n));
      // A character of a credential is a credential.
      return withEnv(str(ch), secretsOf(v).length ? [...(v.env ?? []), { name: 'a credential', call: this.span(n), secret: ch }] : v.env);
    }
    return unknown(this.quote(n), mergeEnv(v, k));
  }

  private args(call: SyntaxNode, ns: Namespace): { positional: Val[]; named: ReadonlyMap<string, Val>; nodes: SyntaxNode[] } {
    const positional: Val[] = [];
    // Most calls have no keyword argument: no map made for them.
    let named: Map<string, Val> | undefined;
    const nodes: SyntaxNode[] = [];
    const list = child(call, 'ArgList');
    if (!list) return { positional, named: NO_NAMED, nodes };
    for (let c = list.firstChild; c; c = c.nextSibling) {
      if (c.name === '(' || c.name === ')' || c.name === ',' || c.name === 'Comment') continue;
      if (c.name === 'VariableName' && c.nextSibling?.name === 'AssignOp') {
        const valueNode = c.nextSibling.nextSibling;
        if (valueNode) (named ??= new Map()).set(this.text(c), this.exprInner(valueNode, ns));
        c = valueNode ?? c;
        continue;
      }
      if (c.name === '*' || c.name === '**') {
        (named ??= new Map()).set('**', unknown('arguments passed with * or **'));
        c = c.nextSibling ?? c;
        continue;
      }
      nodes.push(c);
      positional.push(this.exprInner(c, ns));
    }
    return { positional, named: named ?? NO_NAMED, nodes };
  }

  private call(n: SyntaxNode, ns: Namespace): Val {
    const callee = n.firstChild;
    if (!callee) return unknown(this.quote(n));
    const fn = this.exprInner(callee, ns);
    const { positional, named } = this.args(n, ns);
    const label = this.quote(n);
    if (fn.k !== 'obj') return unknown(`${label} is not evaluated`, mergeEnv(fn, ...positional));
    const t = fn.type;
    const self = fn.self;
    const a0 = positional[0];
    const method = t.startsWith('method:') ? t.slice(7) : undefined;

    // os.environ.get / os.getenv / environ.get (from os import environ, getenv)
    if ((method === 'get' && self?.k === 'obj' && self.type === 'os.environ') || t === 'fn:os.getenv') {
      if (a0?.k !== 'str') return unknown(label, a0?.env);
      // Without a default, a variable no env file sets is left unknown (the platform may set it).
      return this.readEnv(a0.v, n, { kind: 'os' }, positional[1] ?? named.get('default'));
    }
    if (method === 'setdefault' && self?.k === 'obj' && self.type === 'os.environ') {
      if (a0?.k === 'str' && positional[1]?.k === 'str') this.host.env.setDefault(a0.v, positional[1].v, secretsOf(positional[1]));
      return a0?.k === 'str' ? this.readEnv(a0.v, n, { kind: 'os' }, undefined) : unknown(label);
    }
    // django-environ
    if (t === 'class:environ.Env') {
      const schemes = new Map<string, { cast?: string; default?: Val }>();
      for (const [k, v] of named) {
        if (v.k === 'tuple' && v.items.length >= 1) schemes.set(k, { cast: castName(v.items[0]!), default: v.items[1] });
        else schemes.set(k, { cast: castName(v) });
      }
      return obj('environ.Env', { schemes });
    }
    if ((method === 'read_env' && self?.k === 'obj' && (self.type === 'environ.Env' || self.type === 'class:environ.Env')) || t === 'fn:load_dotenv') {
      const comments = named.get('parse_comments');
      const loader: EnvLoader = t === 'fn:load_dotenv' ? 'dotenv' : comments && truthy(comments) === true ? 'django-environ-comments' : 'django-environ';
      const target = a0 ?? named.get('env_file') ?? named.get('dotenv_path');
      const file = target?.k === 'path' || target?.k === 'str' ? target.v : target === undefined ? path.join(path.dirname(this.file.path), '.env') : undefined;
      // load_dotenv(override=True) / read_env(overwrite=True) replace what the process already has.
      const flag = named.get(t === 'fn:load_dotenv' ? 'override' : 'overwrite');
      if (file !== undefined) this.host.env.load(path.resolve(path.dirname(this.file.path), file), loader, this.span(n), flag ? truthy(flag) : false);
      return NONE;
    }
    if (self?.k === 'obj' && self.type === 'environ.Env' && (method === undefined || ENVIRON_CASTS.has(method))) {
      return this.environCall(self, method, positional, named, n);
    }
    if (t === 'environ.Env') return this.environCall(fn, undefined, positional, named, n);
    // python-decouple
    if (t === 'decouple.config') {
      if (a0?.k !== 'str') return unknown(label);
      return this.readEnv(a0.v, n, { kind: 'decouple', cast: named.get('cast') ?? positional[2] }, named.get('default') ?? positional[1]);
    }
    if (t === 'decouple.Csv') return obj('decouple.Csv');
    // pathlib / os.path
    // Paths keep the env uses (and credentials) of what they are built from.
    const pathOf = (v: string, ...from: (Val | undefined)[]): Val => withEnv({ k: 'path', v }, mergeEnv(...from));
    if (t === 'builtin:Path' || t === 'class:environ.Path') {
      if (a0?.k === 'path' || a0?.k === 'str') return pathOf(path.resolve(path.dirname(this.file.path), a0.v), a0);
      return unknown(label);
    }
    if (method && self?.k === 'path') {
      if (method === 'resolve' || method === 'absolute' || method === 'expanduser') return self;
      if (method === 'joinpath' && positional.every((p) => p.k === 'str')) return pathOf(path.join(self.v, ...positional.map((p) => (p as { v: string }).v)), self, ...positional);
      if (method === 'exists' || method === 'is_file') return unknown(label);
    }
    if (self?.k === 'obj' && self.type === 'module:os.path' && method) {
      const strs = positional.map((p) => (p.k === 'str' || p.k === 'path' ? p.v : undefined));
      if (strs.some((s) => s === undefined)) return unknown(label, mergeEnv(...positional));
      const ss = strs as string[];
      if (method === 'join') return pathOf(path.join(...ss), ...positional);
      if (method === 'dirname' && ss[0] !== undefined) return pathOf(path.dirname(ss[0]), a0);
      if ((method === 'abspath' || method === 'realpath' || method === 'normpath') && ss[0] !== undefined) return pathOf(path.resolve(path.dirname(this.file.path), ss[0]), a0);
      return unknown(label);
    }
    // builtins: what they make of a credential (`list(SECRET_KEY)`) is a credential.
    if (t.startsWith('builtin:')) {
      const v = withEnv(castTo(t.slice(8), a0 ?? NONE), a0?.env);
      return a0 && secretsOf(a0).length ? this.secretWhole(v, this.span(n)) : v;
    }
    // str methods
    if (method && self?.k === 'str') {
      const s = self.v;
      const e = self.env;
      // String methods cost their length (a 1 MB string split a thousand times must not be free).
      this.tick(s.length >> 3);
      // What a method makes of a credential is a credential, whole: `SECRET_KEY.upper()` no longer
      // contains the original text, so masking the original would not hide it.
      const secret = secretsOf(self).length > 0;
      const derived = (text: string): Val => withEnv(str(text), secret ? [...(e ?? []), { name: 'a credential', call: this.span(n), secret: text }] : e);
      switch (method) {
        case 'lower':
        case 'casefold':
          return derived(s.toLowerCase());
        case 'upper':
          return derived(s.toUpperCase());
        case 'strip':
          return derived(s.trim());
        case 'split': {
          const sep = a0?.k === 'str' ? a0.v : undefined;
          const parts = sep === undefined ? s.trim().split(/\s+/).filter(Boolean) : s.split(sep);
          if (parts.length > LIMITS.pythonValueItems) return unknown(`a value of more than ${LIMITS.pythonValueItems.toLocaleString('en')} items`, e);
          this.tick(parts.length);
          return withEnv({ k: 'list', items: parts.map(derived) }, e);
        }
        case 'startswith':
          return a0?.k === 'str' ? withEnv(bool(s.startsWith(a0.v)), e) : unknown(label, e);
        case 'format':
          return unknown(label, e);
        default:
          return unknown(label, e);
      }
    }
    if (method === 'get' && self?.k === 'dict' && a0) {
      const i = dictFind(self, a0);
      if (i !== undefined && i >= 0) return self.values[i]!;
      if (i === -1) return positional[1] ?? NONE;
    }
    return unknown(`${label} is not evaluated`, mergeEnv(self, ...positional));
  }

  /** env('X'), env.bool('X', default=…), with the scheme given to environ.Env(X=(bool, …)). */
  private environCall(self: Extract<Val, { k: 'obj' }>, method: string | undefined, positional: Val[], named: ReadonlyMap<string, Val>, n: SyntaxNode): Val {
    const name = positional[0];
    if (name?.k !== 'str') return unknown(this.quote(n));
    const scheme = self.schemes?.get(name.v);
    const explicitCast = method && method !== 'get_value' ? method : named.has('cast') ? castName(named.get('cast')!) : undefined;
    const hasDefault = named.has('default') || positional.length > 1;
    const def = named.get('default') ?? positional[1] ?? scheme?.default;
    const cast = explicitCast ?? scheme?.cast ?? (def && def.k !== 'none' ? defaultCast(def) : undefined);
    return this.readEnv(name.v, n, { kind: 'environ', cast }, hasDefault || scheme?.default ? def : undefined);
  }

  /**
   * Reads a variable from the run-time environment, as the library does: os.environ gives strings
   * (or the default, unconverted); django-environ casts values (not defaults) with its own truth
   * table and follows `$OTHER` proxies; decouple casts the default too.
   */
  private readEnv(
    name: string,
    n: SyntaxNode,
    how: { kind: 'os' } | { kind: 'environ'; cast?: string } | { kind: 'decouple'; cast?: Val },
    fallback: Val | undefined,
  ): Val {
    const call = this.span(n);
    let found = this.host.env.get(name);
    let secret = SECRET_KEY_NAME.test(name);
    if (found && how.kind === 'environ' && found.value.startsWith('$') && found.value.length > 1) {
      // django-environ proxies `$OTHER` to the other variable (a credential's value stays one).
      const other = found.value.slice(1);
      const target = this.host.env.get(other);
      secret ||= SECRET_KEY_NAME.test(other);
      found = target ? { value: target.value, entry: target.entry ?? found.entry, secrets: target.secrets } : undefined;
    }
    if (found?.unknown) return unknown(found.unknown, [{ name, call, ...(found.entry ? { entry: found.entry } : {}) }]);
    if (!found) {
      if (fallback === undefined) return unknown(`${name} is not set in any env file or deployment descriptor of the project`, [{ name, call }]);
      const use: EnvUse = { name, defaulted: true, call };
      if (secret && fallback.k === 'str') use.secret = fallback.v;
      if (how.kind === 'decouple' && how.cast) return withEnv(decoupleCast(how.cast, fallback), [use]);
      return withEnv(fallback, [use]);
    }
    const use: EnvUse = { name, entry: found.entry, call };
    if (secret) use.secret = found.value;
    // Credentials expanded into the value: each is masked wherever the value is quoted.
    const uses = [use, ...(found.secrets ?? []).map((s): EnvUse => ({ name, call, secret: s }))];
    const raw = str(found.value);
    const cast = how.kind === 'environ' ? environCast(how.cast, found.value) : how.kind === 'decouple' && how.cast ? decoupleCast(how.cast, raw) : raw;
    // A list cast (env.list(), Csv()) of a credential: each item is a credential, whole.
    return withEnv(secret ? this.secretWhole(cast, call, name) : cast, uses);
  }
}

const ENVIRON_CASTS = new Set(['str', 'bool', 'int', 'float', 'list', 'tuple', 'dict', 'json', 'url', 'db', 'db_url', 'cache', 'cache_url', 'email', 'email_url', 'search_url', 'path', 'get_value', 'parse_value']);


function castName(v: Val): string | undefined {
  if (v.k === 'obj' && v.type.startsWith('builtin:')) return v.type.slice(8);
  if (v.k === 'list') return 'list';
  return undefined;
}

function defaultCast(def: Val): string | undefined {
  return def.k === 'bool' ? 'bool' : def.k === 'num' ? (Number.isInteger(def.v) ? 'int' : 'float') : def.k === 'list' ? 'list' : def.k === 'tuple' ? 'tuple' : undefined;
}

/** django-environ's parse_value. */
function environCast(cast: string | undefined, value: string): Val {
  switch (cast) {
    case undefined:
    case 'str':
    case 'get_value':
      return str(value);
    case 'bool': {
      const asInt = /^\s*[-+]?\d+\s*$/.test(value) ? parseInt(value, 10) : undefined;
      if (asInt !== undefined) return bool(asInt !== 0);
      return bool(['true', 'on', 'ok', 'y', 'yes', '1'].includes(value.toLowerCase().trim()));
    }
    case 'int':
      return /^\s*[-+]?\d+\s*$/.test(value) ? num(parseInt(value, 10)) : unknown(`int(${JSON.stringify(value)}) raises ValueError`);
    case 'float':
      return Number.isFinite(Number(value)) && value.trim() !== '' ? num(Number(value)) : unknown(`float(${JSON.stringify(value)}) raises ValueError`);
    case 'list':
    case 'tuple':
      return { k: cast, items: value.split(',').filter((x) => x).map((x) => str(x)) };
    default:
      return unknown(`env.${cast}() is not evaluated`);
  }
}

/** python-decouple 3.6 `Config._cast_boolean` (strtobool's table): anything else raises ValueError. */
const DECOUPLE_BOOLEANS: Record<string, boolean> = {
  '1': true, y: true, yes: true, t: true, true: true, on: true,
  '0': false, n: false, no: false, f: false, false: false, off: false, '': false,
};

/** python-decouple applies the cast to the value it found, or to the default. */
function decoupleCast(cast: Val, value: Val): Val {
  const name = castName(cast);
  if (name === 'bool') {
    if (value.k === 'bool') return value;
    const s = value.k === 'str' ? value.v : value.k === 'num' ? String(value.v) : value.k === 'none' ? 'None' : undefined;
    if (s === undefined) return unknown('config(cast=bool) of a value that is not known');
    const b = DECOUPLE_BOOLEANS[s.toLowerCase()];
    return b === undefined ? unknown(`config(cast=bool) raises ValueError for ${JSON.stringify(s)}`) : bool(b);
  }
  if (name === 'int') return value.k === 'num' ? value : value.k === 'str' && /^\s*[-+]?\d+\s*$/.test(value.v) ? num(parseInt(value.v, 10)) : unknown('config(cast=int) of a value that is not a number');
  if (name === 'str') return value.k === 'str' ? value : unknown('config(cast=str)');
  if (cast.k === 'obj' && cast.type === 'decouple.Csv' && value.k === 'str') {
    return { k: 'list', items: value.v.split(',').map((x) => x.trim()).filter(Boolean).map((x) => str(x)) };
  }
  return unknown('config() with a cast that is not evaluated');
}

/** bool("False") is True; int("1"); str(x). */
function castTo(name: string, v: Val): Val {
  if (v.k === 'unknown') return v;
  switch (name) {
    case 'bool': {
      const t = truthy(v);
      return t === undefined ? unknown('bool() of a value that is not known') : bool(t);
    }
    case 'int':
      if (v.k === 'num') return num(Math.trunc(v.v));
      if (v.k === 'bool') return num(v.v ? 1 : 0);
      if (v.k === 'str' && /^\s*[-+]?\d+\s*$/.test(v.v)) return num(parseInt(v.v, 10));
      return unknown(`int(${v.k === 'str' ? JSON.stringify(v.v) : '…'}) raises or is not known`);
    case 'float':
      if (v.k === 'num') return v;
      if (v.k === 'str' && v.v.trim() !== '' && Number.isFinite(Number(v.v))) return num(Number(v.v));
      return unknown('float() of a value that is not a number');
    case 'str':
      if (v.k === 'str' || v.k === 'path') return str(v.v);
      if (v.k === 'num') return str(String(v.v));
      if (v.k === 'bool') return str(v.v ? 'True' : 'False');
      return unknown('str() of a value that is not known');
    case 'list':
    case 'tuple':
      if (v.k === 'list' || v.k === 'tuple' || v.k === 'set') return { k: name, items: v.items };
      if (v.k === 'str') return v.v.length > LIMITS.pythonValueItems ? unknown(`a value of more than ${LIMITS.pythonValueItems.toLocaleString('en')} items`) : { k: name, items: [...v.v].map((c) => str(c)) };
      return unknown(`${name}() of a value that is not known`);
    case 'len':
      if (v.k === 'list' || v.k === 'tuple' || v.k === 'set') return num(v.items.length);
      if (v.k === 'str') return num(v.v.length);
      return unknown('len() of a value that is not known');
    default:
      return unknown(`${name}() is not evaluated`);
  }
}

function add(a: Val, b: Val): Val {
  const env = mergeEnv(a, b);
  if (a.k === 'str' && b.k === 'str') return a.v.length + b.v.length > MAX_STRING ? unknown('a string of more than 1 MiB', env) : withEnv(str(a.v + b.v), env);
  if ((a.k === 'list' || a.k === 'tuple') && (b.k === 'list' || b.k === 'tuple') && sizeOf(a) + sizeOf(b) > LIMITS.pythonValueItems) {
    return unknown(`a value of more than ${LIMITS.pythonValueItems.toLocaleString('en')} items`, env);
  }
  if (a.k === 'num' && b.k === 'num') return withEnv(num(a.v + b.v), env);
  if ((a.k === 'list' && b.k === 'list') || (a.k === 'tuple' && b.k === 'tuple')) return appended(a, b.items, a.k, env);
  if (a.k === 'list' && (b.k === 'tuple' || b.k === 'list')) return appended(a, b.items, 'list', env); // += extends with any iterable
  return unknown('a sum of values that are not known', env);
}

function isSimpleStatement(name: string): boolean {
  return name === 'AssignStatement' || name === 'UpdateStatement' || name === 'ExpressionStatement';
}

/**
 * The first child of a node with a type name. Not lezer's getChild(): that opens a cursor, which
 * for a node inside a buffer first lists every ancestor, so that on a chain of 300 calls each
 * lookup cost 300 steps.
 */
function child(n: SyntaxNode, name: string): SyntaxNode | null {
  for (let c = n.firstChild; c; c = c.nextSibling) if (c.name === name) return c;
  return null;
}

/** Comments are children like any other in lezer's tree: these skip them. */
function skipComments(n: SyntaxNode | null): SyntaxNode | null {
  while (n && n.name === 'Comment') n = n.nextSibling;
  return n;
}

function lastNonComment(n: SyntaxNode): SyntaxNode | null {
  let last: SyntaxNode | null = null;
  for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') last = c;
  return last;
}

function rootName(n: SyntaxNode, text: string): string | undefined {
  let c: SyntaxNode | null = n;
  while (c && c.name !== 'VariableName') c = c.firstChild;
  return c ? text.slice(c.from, c.to) : undefined;
}

function subscriptIndex(n: SyntaxNode): SyntaxNode | undefined {
  const open = child(n, '[');
  const idx = open?.nextSibling;
  return idx && idx.name !== ']' ? idx : undefined;
}

/** Modules whose names a settings file imports with `from x import y`. */
function knownModule(dotted: string): ((name: string) => Val) | undefined {
  switch (dotted) {
    case 'os':
      return (name) => (name === 'environ' ? obj('os.environ') : name === 'getenv' ? obj('fn:os.getenv') : name === 'path' ? obj('module:os.path') : unknown(`os.${name}`));
    case 'os.path':
      return () => obj('module:os.path');
    case 'pathlib':
      return (name) => (name === 'Path' || name === 'PurePath' ? obj('builtin:Path') : unknown(`pathlib.${name}`));
    case 'decouple':
      return (name) => (name === 'config' || name === 'Csv' || name === 'AutoConfig' ? obj(`decouple.${name}`) : unknown(`decouple.${name}`));
    case 'environ':
      return (name) => (name === 'Env' || name === 'FileAwareEnv' ? obj('class:environ.Env') : name === 'Path' ? obj('class:environ.Path') : unknown(`environ.${name}`));
    case 'dotenv':
      return (name) => (name === 'load_dotenv' ? obj('fn:load_dotenv') : unknown(`dotenv.${name}`));
    default:
      return undefined;
  }
}

function moduleObject(dotted: string): Val {
  const root = dotted.split('.')[0]!;
  if (['os', 'pathlib', 'environ', 'decouple', 'dotenv'].includes(root)) return obj(dotted === 'os.path' ? 'module:os.path' : `module:${root}`);
  return obj(`module:${dotted}`);
}

/** A Python string literal's value (prefixes r/b/u, single or triple quotes, escapes). */
export function decodeString(raw: string): Val {
  // What /^([rRbBuU]{0,2})('''|"""|'|")([\s\S]*)\2$/ matches, without a match array and its
  // strings for every literal of a settings file.
  let i = 0;
  let isRaw = false;
  let bytes = false;
  for (; i < 2 && i < raw.length; i++) {
    const c = raw.charCodeAt(i) | 32;
    if (c === 114) isRaw = true;
    else if (c === 98) bytes = true;
    else if (c !== 117) break;
  }
  const q = raw.charCodeAt(i);
  if (q !== 39 && q !== 34) return unknown('an unterminated string');
  const n = raw.length;
  let body: string | undefined;
  if (raw.charCodeAt(i + 1) === q && raw.charCodeAt(i + 2) === q && n >= i + 6 && raw.charCodeAt(n - 1) === q && raw.charCodeAt(n - 2) === q && raw.charCodeAt(n - 3) === q) body = raw.slice(i + 3, n - 3);
  else if (n >= i + 2 && raw.charCodeAt(n - 1) === q) body = raw.slice(i + 1, n - 1);
  if (body === undefined) return unknown('an unterminated string');
  if (bytes) return unknown('a bytes literal');
  return str(isRaw ? body : decodeEscapes(body));
}

function decodeEscapes(body: string): string {
  if (!body.includes('\\')) return body;
  return body.replace(/\\(\n|\\|'|"|n|r|t|a|b|f|v|0|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (all, e: string) => {
    switch (e[0]) {
      case '\n':
        return '';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'a':
        return '\x07';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case '0':
        return '\0';
      case 'x':
      case 'u':
      case 'U':
        return e.length > 1 ? String.fromCodePoint(parseInt(e.slice(1), 16)) : all;
      case '\\':
      case "'":
      case '"':
        return e;
      default:
        return all;
    }
  });
}

/**
 * Lists (or tuples) that branches built differently: the strings every one of them holds, in the
 * first one's order, then an unknown item for what only some hold ("at least these"). Undefined
 * when the values are not all lists of the same kind. Linear: a set of each branch's strings.
 */
function commonItems(vals: Val[], why: string): Val | undefined {
  // Lists only: a list of settings is read for membership (MIDDLEWARE, INSTALLED_APPS); a tuple
  // is often a record whose positions mean something (SECURE_PROXY_SSL_HEADER).
  const lists: Val[][] = [];
  for (const v of vals) {
    if (v.k !== 'list') return undefined;
    lists.push(v.items);
  }
  const sets = lists.slice(1).map((l) => new Set(l.flatMap((i) => (i.k === 'str' ? [i.v] : []))));
  const seen = new Set<string>();
  const items = lists[0]!.filter((i) => i.k === 'str' && !seen.has(i.v) && sets.every((set) => set.has(i.v)) && seen.add(i.v) !== undefined);
  // Complete only when every branch holds exactly these strings, once each.
  const partial = lists.some((l) => l.length !== items.length || l.some((i) => i.k !== 'str' || !seen.has(i.v)));
  return { k: 'list', items: partial ? [...items, unknown(why)] : items };
}
