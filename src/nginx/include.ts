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
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { MAX_DEPTH, type NginxDirective, type ParsedNginxFile } from './parse.js';
import { STOCK_FILES } from './stock.js';

export interface ExpandedNode {
  d: NginxDirective;
  children?: ExpandedNode[];
  /** The include directives that brought this directive here, outermost first. */
  via: NginxDirective[];
  /** Set on an `include` that could not be read: the enclosing block is not fully known. */
  unresolved?: boolean;
}

export interface LoaderHost {
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
}

const CONF_ROOTS = [
  '/etc/nginx/',
  '/usr/local/nginx/conf/',
  '/usr/local/etc/nginx/',
  '/opt/homebrew/etc/nginx/',
  '/usr/local/openresty/nginx/conf/',
  '/etc/openresty/',
];

export class IncludeExpander {
  constructor(
    private readonly host: LoaderHost,
    /** The conf prefix relative includes resolve against. */
    private readonly prefixDir: string,
    /** The audited project's root, where absolute paths are looked up. */
    private readonly projectRoot: string,
  ) {}

  expandFile(parsed: ParsedNginxFile): ExpandedNode[] {
    const real = this.host.realpath(parsed.file.path);
    return this.expand(parsed.directives, [real], [], 0);
  }

  private expand(directives: NginxDirective[], stack: string[], via: NginxDirective[], depth: number): ExpandedNode[] {
    const out: ExpandedNode[] = [];
    for (const d of directives) {
      if (d.name === 'include' && d.args.length === 1 && !d.block) {
        this.expandInclude(d, stack, via, out, depth);
        continue;
      }
      const node: ExpandedNode = { d, via };
      if (d.block) {
        if (depth >= MAX_DEPTH) {
          // Each file is within the limit, but the files included into each other are not.
          this.host.error(d, `blocks nested more than ${MAX_DEPTH} levels deep across included files`);
          node.unresolved = true;
        } else node.children = this.expand(d.block, stack, via, depth + 1);
      }
      out.push(node);
    }
    return out;
  }

  private expandInclude(d: NginxDirective, stack: string[], via: NginxDirective[], out: ExpandedNode[], depth: number): void {
    const target = d.args[0]!.value;
    const resolved = this.resolve(target, d);
    if (resolved.kind === 'stock') {
      const parsed = this.host.parseStock(resolved.key);
      out.push(...this.expand(parsed.directives, stack, [...via, d], depth));
      return;
    }
    if (resolved.kind === 'missing') {
      this.host.note(
        d,
        `include "${target}" is not in the project (looked ${resolved.looked}), so what it sets is unknown: ` +
          'checks for missing settings are skipped for the block that includes it',
      );
      out.push({ d, via, unresolved: true });
      return;
    }
    for (const file of resolved.files) {
      if (isDir(file)) {
        this.host.error(d, `include "${target}" matches the directory ${path.basename(file)}/, which nginx cannot read (nginx -t: "Is a directory")`);
        out.push({ d, via, unresolved: true });
        continue;
      }
      const real = this.host.realpath(file);
      const loopAt = stack.indexOf(real);
      if (loopAt >= 0) {
        const chain = [...stack.slice(loopAt), real].map((p) => path.basename(p)).join(' -> ');
        this.host.error(d, `include cycle: ${chain} (nginx -t crashes on it)`);
        out.push({ d, via, unresolved: true });
        continue;
      }
      const parsed = this.host.parseFile(file);
      this.host.reached(real);
      if (!parsed || parsed.error) {
        // The file's own syntax error is reported for that file; nginx would stop here.
        out.push({ d, via, unresolved: true });
        continue;
      }
      out.push(...this.expand(parsed.directives, [...stack, real], [...via, d], depth));
    }
  }

  resolve(
    target: string,
    d?: NginxDirective,
  ): { kind: 'files'; files: string[] } | { kind: 'stock'; key: string } | { kind: 'missing'; looked: string } {
    const isGlob = /[*?[]/.test(target);
    const candidates: string[] = [];
    if (path.isAbsolute(target)) {
      for (const root of CONF_ROOTS) {
        if (target.startsWith(root)) candidates.push(path.join(this.prefixDir, target.slice(root.length)));
      }
      // The same layout inside the project: /etc/nginx/snippets/x.conf → <project>/etc/nginx/snippets/x.conf,
      // <project>/nginx/snippets/x.conf, <prefix>/snippets/x.conf (two trailing components at least).
      const parts = target.split('/').filter(Boolean);
      for (let drop = 0; drop <= parts.length - 2; drop++) {
        const rest = parts.slice(drop).join('/');
        candidates.push(path.join(this.projectRoot, rest), path.join(this.prefixDir, rest));
      }
    } else {
      candidates.push(path.join(this.prefixDir, target));
    }

    for (const candidate of unique(candidates)) {
      if (isGlob) {
        const base = globBase(candidate);
        if (existsSync(base)) {
          if (d && !/[*?[]/.test(path.dirname(candidate))) this.host.globbed?.(path.dirname(candidate), d);
          return { kind: 'files', files: globSorted(candidate) };
        }
      } else if (isFile(candidate)) {
        return { kind: 'files', files: [candidate] };
      }
    }
    if (isGlob) return { kind: 'files', files: [] }; // a glob that matches nothing is fine for nginx

    const stockKey = stockKeyFor(target);
    if (stockKey) return { kind: 'stock', key: stockKey };
    return {
      kind: 'missing',
      looked: path.isAbsolute(target) ? 'for the same layout under the project' : `in the nginx prefix ${this.prefixDir}`,
    };
  }
}

function stockKeyFor(target: string): string | undefined {
  if (target in STOCK_FILES) return target;
  for (const root of CONF_ROOTS) {
    if (target.startsWith(root) && target.slice(root.length) in STOCK_FILES) return target.slice(root.length);
  }
  return undefined;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The leading directories of a pattern that hold no wildcard. */
function globBase(pattern: string): string {
  const parts = pattern.split('/');
  const i = parts.findIndex((p) => /[*?[]/.test(p));
  return parts.slice(0, i).join('/') || '/';
}

/**
 * glob(3) as nginx calls it (flags 0): `*`, `?` and `[...]` within one path component, a leading
 * `.` only matched explicitly, results sorted in byte order (nginx runs in the C locale).
 */
export function globSorted(pattern: string): string[] {
  const parts = pattern.split('/');
  let current = [parts[0] === '' ? '/' : parts[0]!];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const last = i === parts.length - 1;
    const next: string[] = [];
    if (!/[*?[]/.test(part)) {
      for (const dir of current) next.push(path.join(dir, part));
    } else {
      const re = globPartToRegExp(part);
      for (const dir of current) {
        let entries: string[];
        try {
          entries = readdirSync(dir);
        } catch {
          continue;
        }
        for (const name of entries) if (re.test(name)) next.push(path.join(dir, name));
      }
    }
    // Directories are kept as matches of the last component: nginx tries to read them and fails.
    current = next.filter((p) => (last ? isFile(p) || isDir(p) : isDir(p)));
  }
  return current.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function globPartToRegExp(part: string): RegExp {
  let re = part.startsWith('.') ? '' : '(?!\\.)';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = part.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = part.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$', 's');
}
