/**
 * Follows `include` the way nginx does (src/core/ngx_conf_file.c, ngx_conf_include):
 * a relative path resolves against the conf prefix (the directory of the main nginx.conf),
 * a pattern with `*?[` is a glob whose sorted matches are read in order and may match nothing,
 * and a literal path that does not exist is an error for nginx (an info note here, since the file
 * usually lives on the server rather than in the repository). Absolute paths such as
 * `/etc/nginx/snippets/ssl.conf` are looked up inside the project when the same layout exists
 * there, then among the stock files nginx packages ship.
 *
 * The result is the expanded tree: every directive in the place nginx would see it, still
 * pointing at the file and offset it came from.
 */
import path from 'node:path';
import { LIMITS, type FileAccess } from '../files.js';
import { MAX_DEPTH, Placement, type NginxDirective, type ParsedNginxFile } from './parse.js';
import { STOCK_FILES } from './stock.js';
import { globMatch, hasGlobChars } from './glob.js';

/**
 * A directive where the expansion puts it: the directive itself the first time its file is
 * expanded (NginxDirective is a Placement), a Repeated node when the same file is included again.
 * Once a configuration is built from the tree, a node is also that configuration's DirectiveAt
 * (model.ts): its scope and its place in the configuration's order (directivesNamed).
 */
export type ExpandedNode = Placement & { readonly d: NginxDirective };

/** A directive included again (the same snippet in two servers): a node of its own. */
class Repeated extends Placement {
  constructor(
    readonly d: NginxDirective,
    readonly via: readonly NginxDirective[],
  ) {
    super();
  }
}

/** The directive's node in this expansion: itself if its file's first expansion can take it, else a Repeated. */
function placed(d: NginxDirective, via: readonly NginxDirective[]): ExpandedNode {
  return d.take(via) ? d : new Repeated(d, via);
}

/** A node for an include that could not be read (unresolved). */
function unresolvedNode(d: NginxDirective, via: readonly NginxDirective[]): ExpandedNode {
  const node = placed(d, via);
  node.unresolved = true;
  return node;
}

export interface LoaderHost {
  access: FileAccess;
  /** Parses a file of the project (cached); undefined when it cannot be read. */
  parseFile(absPath: string): ParsedNginxFile | undefined;
  /** Parses a built-in stock file (cached). */
  parseStock(key: string): ParsedNginxFile;
  realpath(absPath: string): string;
  note(d: NginxDirective, message: string): void;
  error(d: NginxDirective, message: string): void;
  /** Called with every project file an expansion reads (not stock files). */
  reached(absPath: string): void;
  /** Called with the directory and pattern of every glob include that was expanded. */
  globbed?(dir: string, d: NginxDirective): void;
  /** The file of the tree a deployment descriptor places at this absolute path in the container, if one does. */
  placedAt?(containerPath: string): string | undefined;
}

const CONF_ROOTS = [
  '/etc/nginx/',
  '/usr/local/nginx/conf/',
  '/usr/local/etc/nginx/',
  '/opt/homebrew/etc/nginx/',
  '/usr/local/openresty/nginx/conf/',
  '/etc/openresty/',
];

export type Resolution =
  | { kind: 'files'; files: string[] }
  | { kind: 'stock'; key: string }
  | { kind: 'missing'; looked: string }
  | { kind: 'outside' };

export class IncludeExpander {
  private readonly resolutions = new Map<NginxDirective, Resolution>();
  /** Include edges (directive, target) that close a cycle of files: never expanded. */
  private readonly cycles = new Map<NginxDirective, Set<string>>();

  constructor(
    private readonly host: LoaderHost,
    /** The conf prefix relative includes resolve against. */
    private readonly prefixDir: string,
    /** The audited project's root, where absolute paths are looked up. */
    private readonly projectRoot: string,
  ) {}

  expandFile(parsed: ParsedNginxFile): ExpandedNode[] {
    this.findCycles(parsed);
    this.host.access.budget.expanded -= parsed.directiveCount;
    const out: ExpandedNode[] = [];
    this.expand(parsed.directives, [], 0, out);
    return out;
  }

  /**
   * The include graph of the files this configuration reads, walked once depth-first from the root
   * (each file once: linear in the graph, however many paths lead through it). An include whose
   * target is a file still being walked closes a cycle: nginx would recurse until it crashes.
   * Leaving out those back edges leaves a graph without cycles, which the expansion then follows.
   */
  private findCycles(root: ParsedNginxFile): void {
    const state = new Map<string, 'open' | 'done'>();
    type Frame = { real: string; edges: { d: NginxDirective; target: string }[]; next: number };
    const frame = (parsed: ParsedNginxFile): Frame => ({ real: this.host.realpath(parsed.file.path), edges: this.includes(parsed), next: 0 });
    const stack: Frame[] = [frame(root)];
    const depthOf = new Map<string, number>([[stack[0]!.real, 0]]);
    state.set(stack[0]!.real, 'open');
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.next >= top.edges.length) {
        state.set(top.real, 'done');
        depthOf.delete(top.real);
        stack.pop();
        continue;
      }
      const { d, target } = top.edges[top.next++]!;
      const s = state.get(target);
      if (s === 'open') {
        let set = this.cycles.get(d);
        const first = !set;
        if (!set) this.cycles.set(d, (set = new Set()));
        if (!set.has(target)) {
          set.add(target);
          // One error an include: a glob such as `*.conf` can close several cycles at once.
          if (!first) continue;
          const names = [...stack.slice(depthOf.get(target)!).map((f) => f.real), target].map((p) => path.basename(p));
          const chain = (names.length > 9 ? [...names.slice(0, 4), '…', ...names.slice(-4)] : names).join(' -> ');
          this.host.error(d, `include cycle: ${chain} (nginx -t crashes on it)`);
        }
        continue;
      }
      if (s === 'done') continue;
      const parsed = this.host.parseFile(target);
      if (!parsed || parsed.error) continue;
      state.set(target, 'open');
      depthOf.set(target, stack.length);
      stack.push(frame(parsed));
    }
  }

  /** Every include of a project file in a parsed file, at any depth, with the files it reads. */
  includes(parsed: ParsedNginxFile): { d: NginxDirective; target: string }[] {
    const out: { d: NginxDirective; target: string }[] = [];
    const pending: NginxDirective[][] = [parsed.directives];
    const withIncludes = parsed.includeBlocks;
    while (pending.length) {
      const block = pending.pop()!;
      for (let i = 0; i < block.length; i++) {
        const d = block[i]!;
        // Blocks without an include at any depth are skipped (the parser lists the others).
        if (d.block && (!withIncludes || withIncludes.has(d.block))) pending.push(d.block);
        if (!isInclude(d)) continue;
        // (Stock files include nothing of the project.)
        const r = this.resolution(d);
        if (r.kind !== 'files') continue;
        for (const f of r.files) if (this.host.access.isFile(f)) out.push({ d, target: this.host.realpath(f) });
      }
    }
    return out;
  }

  private resolution(d: NginxDirective): Resolution {
    let r = this.resolutions.get(d);
    if (!r) {
      r = this.resolve(d.argValue(0)!, d);
      this.resolutions.set(d, r);
    }
    return r;
  }

  /** Spends n of the run's expansion budget; reports (once a run) when it is spent. */
  private spend(n: number, d: NginxDirective): boolean {
    const budget = this.host.access.budget;
    if (budget.expanded >= n) {
      budget.expanded -= n;
      return true;
    }
    if (!budget.expandedSpent) {
      budget.expandedSpent = true;
      this.host.error(
        d,
        `the includes expand to more than ${LIMITS.expandedDirectives.toLocaleString('en')} directives (the same files included again and again): ` +
          'the audit stops expanding includes here, so what they set is unknown',
      );
    }
    return false;
  }

  /** Appends the expansion of `directives` to `out` (never by spreading: a file may hold 100,000 directives). */
  private expand(directives: NginxDirective[], via: readonly NginxDirective[], depth: number, out: ExpandedNode[]): void {
    for (let i = 0; i < directives.length; i++) {
      const d = directives[i]!;
      if (isInclude(d)) this.expandInclude(d, via, out, depth);
      else out.push(this.node(d, via, depth));
    }
  }

  /** The expansion of one directive that is not an include. */
  private node(d: NginxDirective, via: readonly NginxDirective[], depth: number): ExpandedNode {
    const node = placed(d, via);
    const own = node === d;
    // A template placeholder standing for directives (`${EXTRA_CONFIG}`, masked by the loader as
    // `$EXTRA_CONFIG_;`): what it holds is unknown, like an include that cannot be read.
    if (d.name.startsWith('$')) {
      node.unresolved = true;
      this.host.note(d, `a template placeholder stands for directives here (\${${d.name.slice(1).replace(/_$/, '')}}): what it holds is unknown, so checks for missing settings are skipped for this block`);
    }
    const block = d.block;
    if (block) {
      let children: ExpandedNode[] | undefined;
      if (depth >= MAX_DEPTH) {
        // Each file is within the limit, but the files included into each other are not.
        this.host.error(d, `blocks nested more than ${MAX_DEPTH} levels deep across included files`);
        node.unresolved = true;
      } else if (!block.some(isInclude)) {
        for (let i = 0; i < block.length; i++) {
          const child = this.node(block[i]!, via, depth + 1);
          // The block is its own list of children while every child is its own node.
          if (child !== block[i] && !children) children = block.slice(0, i);
          if (children) children.push(child);
        }
        children = children ? children.slice() : block; // exactly sized (see parse.ts)
      } else {
        const list: ExpandedNode[] = [];
        this.expand(block, via, depth + 1, list);
        children = list.slice(); // exactly sized (see parse.ts)
      }
      if (own) d.expandedAs(children);
      else node.children = children;
    }
    return node;
  }

  private expandInclude(d: NginxDirective, via: readonly NginxDirective[], out: ExpandedNode[], depth: number): void {
    const target = d.argValue(0)!;
    const resolved = this.resolution(d);
    if (resolved.kind === 'stock') {
      const parsed = this.host.parseStock(resolved.key);
      this.expand(parsed.directives, [...via, d], depth, out);
      return;
    }
    if (resolved.kind === 'missing' || resolved.kind === 'outside') {
      this.host.note(
        d,
        resolved.kind === 'outside'
          ? `include "${target}" leads outside the audited directory, so it is not read and what it sets is unknown: ` +
              'checks for missing settings are skipped for the block that includes it'
          : `include "${target}" is not in the project (looked ${resolved.looked}), so what it sets is unknown: ` +
              'checks for missing settings are skipped for the block that includes it',
      );
      out.push(unresolvedNode(d, via));
      return;
    }
    for (const file of resolved.files) {
      if (!this.spend(1, d)) {
        out.push(unresolvedNode(d, via));
        return;
      }
      const stat = this.host.access.stat(file);
      if (stat.kind === 'dir') {
        this.host.error(d, `include "${target}" matches the directory ${path.basename(file)}/, which nginx cannot read (nginx -t: "Is a directory")`);
        out.push(unresolvedNode(d, via));
        continue;
      }
      if (stat.kind === 'special') {
        this.host.note(d, `include "${target}" names ${stat.what}, not a regular file: it is not read, so what it sets is unknown`);
        out.push(unresolvedNode(d, via));
        continue;
      }
      const real = this.host.realpath(file);
      if (this.cycles.get(d)?.has(real)) {
        out.push(unresolvedNode(d, via));
        continue;
      }
      if (via.length >= LIMITS.includeDepth) {
        this.host.error(d, `includes nested more than ${LIMITS.includeDepth} files deep: the audit does not follow this one, so what it sets is unknown`);
        out.push(unresolvedNode(d, via));
        continue;
      }
      const parsed = this.host.parseFile(file);
      if (parsed) this.host.reached(real);
      if (!parsed || parsed.error || !this.spend(parsed.directiveCount, d)) {
        // The file's own error is reported for that file; nginx would stop here.
        out.push(unresolvedNode(d, via));
        continue;
      }
      this.expand(parsed.directives, [...via, d], depth, out);
    }
  }

  resolve(target: string, d?: NginxDirective): Resolution {
    const isGlob = hasGlobChars(target);
    // Joined as the operating system resolves them (`link/..` is the parent of the link's target).
    const join = (dir: string, rel: string) => this.host.access.join(dir, rel);
    const prefixDir = this.prefixDir;
    const projectRoot = this.projectRoot;
    const host = this.host;
    // Made one at a time, in order, until one is found (most includes are found at the first).
    function* candidates(): Generator<string> {
      if (!path.isAbsolute(target)) {
        yield join(prefixDir, target);
        return;
      }
      // What a Dockerfile copies or Compose mounts there (`COPY wsgi_params /etc/nginx/`).
      const placed = isGlob ? undefined : host.placedAt?.(target);
      if (placed) yield placed;
      for (const root of CONF_ROOTS) {
        if (target.startsWith(root)) yield join(prefixDir, target.slice(root.length));
      }
      // The same layout inside the project: /etc/nginx/snippets/x.conf → <project>/etc/nginx/snippets/x.conf,
      // <project>/nginx/snippets/x.conf, <prefix>/snippets/x.conf (two trailing components at least).
      const parts = target.split('/').filter(Boolean);
      for (let drop = 0; drop <= parts.length - 2; drop++) {
        const rest = parts.slice(drop).join('/');
        yield join(projectRoot, rest);
        yield join(prefixDir, rest);
      }
    }

    const access = this.host.access;
    let outside = false;
    const tried = new Set<string>();
    for (const candidate of candidates()) {
      if (tried.has(candidate)) continue;
      tried.add(candidate);
      if (isGlob) {
        const base = access.stat(globBase(candidate));
        if (base.kind === 'dir') {
          if (d && !hasGlobChars(path.dirname(candidate))) this.host.globbed?.(path.dirname(candidate), d);
          const left = { outside: false };
          const files = globSorted(candidate, access, left);
          if (left.outside && d) this.host.note(d, `include "${target}" also matches paths that lead outside the audited directory: they are not read`);
          return { kind: 'files', files };
        }
        if (base.kind === 'outside') outside = true;
      } else {
        const s = access.stat(candidate);
        // A FIFO or device is returned too: expandInclude refuses it at the include, without opening it.
        if (s.kind === 'file' || s.kind === 'special') return { kind: 'files', files: [candidate] };
        if (s.kind === 'outside') outside = true;
      }
    }
    // A relative include that climbs out of the project (`include ../../etc/passwd`) is never read.
    if (outside && !path.isAbsolute(target)) return { kind: 'outside' };
    if (isGlob) return { kind: 'files', files: [] }; // a glob that matches nothing is fine for nginx

    const stockKey = stockKeyFor(target);
    if (stockKey) return { kind: 'stock', key: stockKey };
    if (outside) return { kind: 'outside' };
    return {
      kind: 'missing',
      looked: path.isAbsolute(target) ? 'for the same layout under the project' : `in the nginx prefix ${this.prefixDir}`,
    };
  }
}

function isInclude(d: NginxDirective): boolean {
  return d.name === 'include' && d.argc === 1 && !d.block;
}

function stockKeyFor(target: string): string | undefined {
  if (target in STOCK_FILES) return target;
  for (const root of CONF_ROOTS) {
    if (target.startsWith(root) && target.slice(root.length) in STOCK_FILES) return target.slice(root.length);
  }
  return undefined;
}

/** The leading directories of a pattern that hold no wildcard. */
function globBase(pattern: string): string {
  const parts = pattern.split('/');
  const i = parts.findIndex((p) => hasGlobChars(p));
  return parts.slice(0, i).join('/') || '/';
}

/**
 * glob(3) as nginx calls it (flags 0): `*`, `?` and `[...]` within one path component, a leading
 * `.` only matched explicitly, results sorted in byte order (nginx runs in the C locale). Only
 * directories of the audited roots are listed.
 */
export function globSorted(pattern: string, access: FileAccess, left: { outside: boolean } = { outside: false }): string[] {
  const parts = pattern.split('/');
  const first = parts.findIndex((p) => hasGlobChars(p));
  const base = globBase(pattern);
  if (access.stat(base).kind !== 'dir') return [];
  let current = [base];
  for (let i = first; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const last = i === parts.length - 1;
    const next: string[] = [];
    if (!hasGlobChars(part)) {
      for (const dir of current) next.push(path.join(dir, part));
    } else {
      for (const dir of current) {
        const entries = access.list(dir);
        if (!Array.isArray(entries)) continue;
        for (const e of entries) if (globMatch(part, e.name)) next.push(path.join(dir, e.name));
      }
    }
    // Directories are kept as matches of the last component: nginx tries to read them and fails.
    current = next.filter((p) => {
      const k = access.stat(p).kind;
      if (k === 'outside') left.outside = true;
      return last ? k === 'file' || k === 'dir' : k === 'dir';
    });
  }
  return current.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
