/**
 * From the nginx files discovery found to the configurations nginx would run.
 *
 * A file holding a top-level `http {` or `events {` is a main config: it is expanded with its
 * includes, relative to its own directory (or `--nginx-prefix`). Every file it reaches is audited
 * in that context only, and files it deliberately does not read are not audited. Without a main
 * config in the project, the conf.d/*.conf and sites-enabled/* files that a stock nginx.conf
 * reads are audited together; any other file on its own, unless another one includes it.
 */
import path from 'node:path';
import { SourceFile } from '../source.js';
import type { Diagnostics } from '../diagnostics.js';
import { IncludeExpander, type ExpandedNode, type LoaderHost } from './include.js';
import { LIMITS, type FileAccess, type Refusal } from '../files.js';
import { buildNginxConfig, type NginxConfig } from './model.js';
import { parseNginx, type NginxDirective, type ParsedNginxFile } from './parse.js';
import { STOCK_FILES } from './stock.js';

export interface NginxLoadOptions {
  files: { path: string; refusal?: Refusal }[];
  access: FileAccess;
  projectRoot: string;
  nginxPrefix?: string;
  diagnostics: Diagnostics;
  /**
   * Where a deployment descriptor places each file in its container (`<service>` + the container
   * path, `/etc/nginx/conf.d/app.conf`): files one service places in conf.d/ or sites-enabled/ are
   * read together by the image's stock nginx.conf, whatever their directories in the tree.
   */
  placedAs?: Map<string, string>;
  /** The tree's file a descriptor places at an absolute container path (for absolute includes). */
  placedAt?: (containerPath: string) => string | undefined;
  /**
   * Templates rendered at start with envsubst (or the nginx image's templates): the variables the
   * container has, by name (undefined: not known). `${VAR}` in an argument takes its value.
   */
  renderedWith?: Map<string, (name: string) => string | undefined>;
}

const CONF_DIR_NAMES = new Set(['sites-enabled', 'sites-available', 'conf.d', 'snippets', 'vhosts', 'servers']);

export function loadNginx(options: NginxLoadOptions): NginxConfig[] {
  const { diagnostics, access } = options;
  const realpath = (p: string): string => {
    const r = access.realpath(p);
    return typeof r === 'string' ? r : p;
  };
  const parsed = new Map<string, ParsedNginxFile | undefined>();
  const stock = new Map<string, ParsedNginxFile>();
  for (const f of options.files) if (f.refusal) diagnostics.refused(f.path, f.refusal, 'nginx file');
  const readable = options.files.filter((f) => !f.refusal);
  const known = new Set(readable.map((f) => realpath(f.path)));
  /** Where discovery found each file; through a sites-enabled/ link when there is one. */
  const placeOf = new Map<string, string>();
  for (const f of readable) {
    const real = realpath(f.path);
    if (!placeOf.has(real) || path.basename(path.dirname(f.path)) === 'sites-enabled') placeOf.set(real, f.path);
  }
  for (const [abs, place] of options.placedAs ?? []) if (placeOf.has(realpath(abs))) placeOf.set(realpath(abs), place);

  const parseFile = (abs: string): ParsedNginxFile | undefined => {
    const real = realpath(abs);
    if (parsed.has(real)) return parsed.get(real);
    let result: ParsedNginxFile | undefined;
    // Discovery read it already (FileAccess keeps what it read): no second read.
    const read = access.readText(real);
    const text = 'text' in read ? read.text : undefined;
    if (!('text' in read)) diagnostics.refused(real, read, 'nginx file');
    if (text !== undefined) {
      try {
        result = parseNginx(diagnostics.sourceFile(real, text.includes('{{') || text.includes('${') ? maskPlaceholders(text) : text));
        const env = options.renderedWith?.get(real) ?? options.renderedWith?.get(abs);
        if (env && text.includes('${')) renderArgs(result.directives, env);
        access.budget.directives -= result.directiveCount;
        if (access.budget.directives < 0) {
          diagnostics.refused(real, { kind: 'budget', what: `${LIMITS.parsedDirectives.toLocaleString('en')} nginx directives in all` }, 'nginx file');
          result = undefined;
        } else if (result.error) diagnostics.syntaxError(result.error);
      } catch (e) {
        // A shape no limit of the parser caught: that file's error, the others are still audited.
        diagnostics.internal(real, 'parsed', e);
        result = undefined;
      }
    }
    parsed.set(real, result);
    return result;
  };

  const host = (reached: Set<string>): LoaderHost => ({
    access,
    parseFile,
    parseStock(key) {
      let p = stock.get(key);
      if (!p) {
        p = parseNginx(new SourceFile(`<stock>/${key}`, `<nginx stock file ${key}>`, STOCK_FILES[key]!, true));
        stock.set(key, p);
      }
      return p;
    },
    realpath,
    note: (d: NginxDirective, message: string) => diagnostics.note(d.file, d.start, message),
    error: (d: NginxDirective, message: string) => diagnostics.error(d.file, d.start, message),
    reached: (abs) => reached.add(abs),
    placedAt: options.placedAt,
  });

  const candidates = [...known].sort();
  const mains: string[] = [];
  const others: string[] = [];
  for (const abs of candidates) {
    const p = parseFile(abs);
    if (!p || p.error) continue;
    (p.directives.some((d) => d.block && (d.name === 'http' || d.name === 'events')) ? mains : others).push(abs);
  }

  const configs: NginxConfig[] = [];
  const reachedByMain = new Set<string>();
  const globbedDirs = new Map<string, NginxDirective>();
  for (const abs of mains) {
    const p = parseFile(abs)!;
    const prefix = options.nginxPrefix ?? path.dirname(abs);
    const mainHost = { ...host(reachedByMain), globbed: (dir: string, d: NginxDirective) => globbedDirs.set(realpath(dir), d) };
    const tree = new IncludeExpander(mainHost, prefix, options.projectRoot).expandFile(p);
    configs.push(buildNginxConfig(p.file, 'main', tree));
  }

  // Standalone files: a silent first pass learns which of them include which; a file that another
  // one includes is audited in that context. In a cycle of files the first by name is the root.
  const defaultPrefix = options.nginxPrefix ?? (mains.length === 1 ? path.dirname(mains[0]!) : undefined);
  const standalone = others.filter((abs) => {
    if (reachedByMain.has(abs)) return false;
    // Configuration nginx never reads is not audited, silently (a correct layout stays quiet):
    // a file beside the ones a main config's glob reads that the glob does not match
    // (`site.conf.disabled`, a dotfile), and a sites-available/ file no sites-enabled/ link enables.
    const dir = path.dirname(abs);
    if (globbedDirs.has(dir)) return false;
    return !(path.basename(dir).endsWith('-available') && globbedDirs.has(dir.replace(/-available$/, '-enabled')));
  });
  const prefixOf = (abs: string) => defaultPrefix ?? prefixFor(abs);
  const roots = standaloneRoots(standalone, prefixOf, (prefix) => new IncludeExpander({ ...host(new Set()), note() {}, error() {} }, prefix, options.projectRoot), parseFile);

  // Without a main config in the project, the stock nginx.conf on the server (Debian's, the
  // Docker image's) reads conf.d/*.conf and then sites-enabled/* into one http block: audit
  // those files together, so that a map in one file and the https server in another are seen.
  const groups = new Map<string, string[]>();
  for (const abs of roots) {
    const place = placeOf.get(abs) ?? abs;
    const key = confDirGroup(place);
    // With no main config, a sites-available/ file that no sites-enabled/ link enables is not read.
    if (key === undefined && isDisabledSite(place, access)) continue;
    if (key === undefined) {
      configs.push(buildNginxConfig(parseFile(abs)!.file, 'standalone', expandRoot(abs)));
      continue;
    }
    const list = groups.get(key) ?? [];
    list.push(abs);
    groups.set(key, list);
  }
  for (const files of groups.values()) {
    const order = (abs: string) => groupOrder(placeOf.get(abs) ?? abs);
    const name = (abs: string) => placeOf.get(abs) ?? abs;
    files.sort((a, b) => order(a) - order(b) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
    const tree = files.flatMap(expandRoot);
    configs.push(buildNginxConfig(parseFile(files[0]!)!.file, files.length > 1 ? 'conf-dir' : 'standalone', tree));
  }
  return configs;

  function expandRoot(abs: string): ExpandedNode[] {
    return new IncludeExpander(host(new Set()), prefixOf(abs), options.projectRoot).expandFile(parseFile(abs)!);
  }
}

/** The conf directory whose stock nginx.conf would read this file, for conf.d/*.conf and sites-enabled/*. */
function confDirGroup(abs: string): string | undefined {
  const dir = path.basename(path.dirname(abs));
  if ((dir === 'conf.d' && abs.endsWith('.conf')) || dir === 'sites-enabled') return path.dirname(path.dirname(abs));
  return undefined;
}

function isDisabledSite(place: string, access: FileAccess): boolean {
  const dir = path.dirname(place);
  if (path.basename(dir) !== 'sites-available') return false;
  return access.isDir(path.join(path.dirname(dir), 'sites-enabled'));
}

function groupOrder(abs: string): number {
  return path.basename(path.dirname(abs)) === 'conf.d' ? 0 : 1;
}

/** Where a standalone file's relative includes resolve: the conf dir above sites-enabled/ and friends. */
function prefixFor(abs: string): string {
  const dir = path.dirname(abs);
  return CONF_DIR_NAMES.has(path.basename(dir)) ? path.dirname(dir) : dir;
}

/**
 * Which standalone files are roots of their own configuration: those no other standalone file
 * includes, then, among files that include each other in a cycle, the first by name. Decided on
 * the include graph of the files (each resolved with the prefix of the file that starts the
 * expansion), with strongly connected components: linear in the graph, where expanding every file
 * to see what it reaches was quadratic and, through cycles, exponential.
 */
function standaloneRoots(
  standalone: string[],
  prefixOf: (abs: string) => string,
  expanderFor: (prefix: string) => IncludeExpander,
  parseFile: (abs: string) => ParsedNginxFile | undefined,
): string[] {
  const isStandalone = new Set(standalone);
  const prefixes = new Map<string, string[]>();
  for (const abs of standalone) {
    const p = prefixOf(abs);
    const list = prefixes.get(p) ?? [];
    list.push(abs);
    prefixes.set(p, list);
  }
  const graphs = new Map<string, Map<string, string[]>>();
  const included = new Set<string>();
  for (const [prefix, starts] of prefixes) {
    const expander = expanderFor(prefix);
    const graph = new Map<string, string[]>();
    const queue = [...starts];
    for (let i = 0; i < queue.length; i++) {
      const abs = queue[i]!;
      if (graph.has(abs)) continue;
      const p = parseFile(abs);
      const next = p && !p.error ? [...new Set(expander.includes(p).map((e) => e.target))] : [];
      graph.set(abs, next);
      for (const n of next) if (!graph.has(n)) queue.push(n);
    }
    graphs.set(prefix, graph);
    const own = new Set(starts);
    const component = stronglyConnected(graph);
    const enteredFromOutside = new Set<number>();
    for (const [from, tos] of graph) for (const to of tos) if (component.get(from) !== component.get(to)) enteredFromOutside.add(component.get(to)!);
    const startsIn = new Map<number, number>();
    for (const s of starts) startsIn.set(component.get(s)!, (startsIn.get(component.get(s)!) ?? 0) + 1);
    for (const node of graph.keys()) {
      if (!isStandalone.has(node)) continue;
      // Reached from a file of another prefix: that file includes it.
      if (!own.has(node)) included.add(node);
      else if (enteredFromOutside.has(component.get(node)!) || startsIn.get(component.get(node)!)! > 1) included.add(node);
    }
  }
  const order = [...standalone.filter((a) => !included.has(a)), ...standalone.filter((a) => included.has(a))];
  const covered = new Set<string>();
  const visited = new Map<string, Set<string>>();
  const roots: string[] = [];
  for (const abs of order) {
    if (covered.has(abs)) continue;
    roots.push(abs);
    const prefix = prefixOf(abs);
    const graph = graphs.get(prefix)!;
    let seen = visited.get(prefix);
    if (!seen) visited.set(prefix, (seen = new Set()));
    const queue = [...(graph.get(abs) ?? [])];
    for (let i = 0; i < queue.length; i++) {
      const n = queue[i]!;
      covered.add(n);
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of graph.get(n) ?? []) if (!seen.has(m)) queue.push(m);
    }
  }
  return roots;
}

/** Tarjan's strongly connected components, without recursion: node -> component number. */
function stronglyConnected(graph: Map<string, string[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const component = new Map<string, number>();
  let counter = 0;
  let components = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1]!;
      const edges = graph.get(top.node) ?? [];
      if (top.next < edges.length) {
        const to = edges[top.next++]!;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          component.set(n, components);
        } while (n !== top.node);
        components++;
      }
    }
  }
  return component;
}

/**
 * A template's value placeholders (`{{ domain }}`, `{{ .Values.host }}`) as nginx variables of the
 * same length (`$tpl_domain_`), so that offsets stay the file's and each placeholder is an unknown
 * value, never a `{` block to nginx's tokenizer.
 */
export function maskPlaceholders(text: string): string {
  // `${EXTRA}` alone where a directive goes (envsubst fills in whole lines): a directive of its
  // own, `$EXTRA_;`, whose content the model treats as unknown.
  text = text.replace(/(^[ \t]*|[{;}][ \t]*)\$\{(\w+)\}(?=[ \t]*(?:\r?\n|$|\}|#))/gm, (_m, before: string, name: string) => `${before}$${name}_;`);
  if (!text.includes('{{')) return text;
  return text.replace(/\{\{-?\s*([^{}\n]*?)\s*-?\}\}/g, (m, inner: string) => {
    // `$tpl_…`: never a variable nginx gives a meaning to (`{{ http_host }}` is not `$http_host`).
    const name = inner.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+/, '');
    return ('$tpl_' + name + '_'.repeat(m.length)).slice(0, m.length);
  });
}

/**
 * What envsubst leaves in arguments: `${VAR}` of a variable the container is known to have
 * becomes its value, when that value is one plain word (envsubst rewrites the text before nginx
 * splits it: `443 ssl` would be two arguments) and the argument stays short; otherwise the
 * argument stays as written (unknown to the model). A rendered argument keeps its position (the
 * placeholder's), and positions inside it point at its start. Linear in the arguments.
 */
function renderArgs(directives: NginxDirective[], env: (name: string) => string | undefined): void {
  let budget = LIMITS.expandedValueChars * 16;
  const stack = [...directives];
  while (stack.length) {
    const d = stack.pop()!;
    for (let i = 0, n = d.argc; i < n; i++) {
      const written = d.argValue(i)!;
      if (!written.includes('${')) continue;
      let plain = true;
      const value = written.replace(/\$\{(\w+)\}/g, (m, name: string) => {
        const v = env(name);
        if (v === undefined || !/^[^\s;{}'"#\\]*$/.test(v)) {
          plain = false;
          return m;
        }
        return v;
      });
      if (!plain || value.length > LIMITS.expandedValueChars || (budget -= value.length) < 0) continue;
      d.render(i, value);
    }
    if (d.block) stack.push(...d.block);
  }
}
