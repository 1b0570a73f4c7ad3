/**
 * From the nginx files discovery found to the configurations nginx would run.
 *
 * A file holding a top-level `http {` or `events {` is a main config: it is expanded with its
 * includes, relative to its own directory (or `--nginx-prefix`). Every file it reaches is audited
 * in that context only, and files it deliberately does not read are not audited. Without a main
 * config in the project, the conf.d/*.conf and sites-enabled/* files that a stock nginx.conf
 * reads are audited together; any other file on its own, unless another one includes it.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { SourceFile } from '../source.js';
import type { Diagnostics } from '../diagnostics.js';
import { IncludeExpander, type ExpandedNode, type LoaderHost } from './include.js';
import { buildNginxConfig, type NginxConfig } from './model.js';
import { parseNginx, type NginxDirective, type ParsedNginxFile } from './parse.js';
import { STOCK_FILES } from './stock.js';

export interface NginxLoadOptions {
  files: { path: string; text?: string }[];
  projectRoot: string;
  nginxPrefix?: string;
  diagnostics: Diagnostics;
}

const CONF_DIR_NAMES = new Set(['sites-enabled', 'sites-available', 'conf.d', 'snippets', 'vhosts', 'servers']);

export function loadNginx(options: NginxLoadOptions): NginxConfig[] {
  const { diagnostics } = options;
  const parsed = new Map<string, ParsedNginxFile | undefined>();
  const stock = new Map<string, ParsedNginxFile>();
  const known = new Map(options.files.map((f) => [realpath(f.path), f.text]));
  /** Where discovery found each file; through a sites-enabled/ link when there is one. */
  const placeOf = new Map<string, string>();
  for (const f of options.files) {
    const real = realpath(f.path);
    if (!placeOf.has(real) || path.basename(path.dirname(f.path)) === 'sites-enabled') placeOf.set(real, f.path);
  }

  const parseFile = (abs: string): ParsedNginxFile | undefined => {
    const real = realpath(abs);
    if (parsed.has(real)) return parsed.get(real);
    let text = known.get(real);
    let result: ParsedNginxFile | undefined;
    try {
      text ??= readFileSync(real, 'utf8');
      result = parseNginx(diagnostics.sourceFile(real, text));
      if (result.error) diagnostics.syntaxError(result.error);
    } catch (e) {
      diagnostics.unreadable(real, e);
    }
    parsed.set(real, result);
    return result;
  };

  const host = (reached: Set<string>): LoaderHost => ({
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
  });

  const candidates = [...known.keys()].sort();
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
  const reachedBy = new Map<string, Set<string>>();
  for (const abs of standalone) {
    const reached = new Set<string>();
    const silent = { ...host(reached), note() {}, error() {} };
    new IncludeExpander(silent, prefixOf(abs), options.projectRoot).expandFile(parseFile(abs)!);
    reachedBy.set(abs, reached);
  }
  const includedByAnother = (abs: string) =>
    standalone.some((other) => other !== abs && reachedBy.get(other)!.has(abs));
  const order = [...standalone.filter((a) => !includedByAnother(a)), ...standalone.filter(includedByAnother)];
  const covered = new Set<string>();
  const roots: string[] = [];
  for (const abs of order) {
    if (covered.has(abs)) continue;
    roots.push(abs);
    for (const r of reachedBy.get(abs)!) covered.add(r);
  }

  // Without a main config in the project, the stock nginx.conf on the server (Debian's, the
  // Docker image's) reads conf.d/*.conf and then sites-enabled/* into one http block: audit
  // those files together, so that a map in one file and the https server in another are seen.
  const groups = new Map<string, string[]>();
  for (const abs of roots) {
    const place = placeOf.get(abs) ?? abs;
    const key = confDirGroup(place);
    // With no main config, a sites-available/ file that no sites-enabled/ link enables is not read.
    if (key === undefined && isDisabledSite(place)) continue;
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

function isDisabledSite(place: string): boolean {
  const dir = path.dirname(place);
  if (path.basename(dir) !== 'sites-available') return false;
  try {
    return statSync(path.join(path.dirname(dir), 'sites-enabled')).isDirectory();
  } catch {
    return false;
  }
}

function groupOrder(abs: string): number {
  return path.basename(path.dirname(abs)) === 'conf.d' ? 0 : 1;
}

/** Where a standalone file's relative includes resolve: the conf dir above sites-enabled/ and friends. */
function prefixFor(abs: string): string {
  const dir = path.dirname(abs);
  return CONF_DIR_NAMES.has(path.basename(dir)) ? path.dirname(dir) : dir;
}

function realpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
