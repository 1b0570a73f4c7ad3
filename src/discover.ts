/**
 * Finds the files to audit under the given paths and decides what kind each one is.
 * Walks directories, honours `.gitignore` files (from the working directory down), and skips
 * dependencies, virtualenvs, VCS metadata and build output. Files named explicitly are always
 * audited, whatever their name.
 */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { isEnvFileName } from './env/parse.js';

export type FileKind = 'nginx' | 'env' | 'python' | 'procfile';

export interface DiscoveredFile {
  path: string;
  kind: FileKind;
  explicit: boolean;
  /** The text, when discovery had to read it to decide the kind. */
  text?: string;
}

export class UsageError extends Error {}

const SKIP_DIRS = new Set([
  'node_modules', '.git', '.hg', '.svn', '__pycache__', '.tox', '.nox', '.mypy_cache', '.pytest_cache',
  '.ruff_cache', '.venv', 'venv', 'site-packages', '.next', '.nuxt', '.cache', 'dist', 'build', 'coverage',
  '.terraform', '.idea', '.vscode',
]);
const NGINX_DIRS = new Set(['sites-enabled', 'sites-available', 'conf.d', 'nginx', 'snippets', 'vhosts', 'servers']);
const MAX_SNIFF_BYTES = 4 * 1024 * 1024;

/** A line that only nginx would write: a known directive, ending in `;`, `{` or `}`. */
const NGINX_LINE =
  /^[ \t]*(?:server|http|events|location|upstream|map|geo|include|listen|server_name|proxy_pass|uwsgi_pass|fastcgi_pass|add_header|ssl_certificate|ssl_protocols|ssl_ciphers|proxy_set_header|return|rewrite|worker_processes|try_files|error_page)[ \t{][^\n]*[;{}][ \t]*(?:#[^\n]*)?\r?$/m;

/** Backups and package-manager leftovers that nginx never reads (`nginx.conf.bak`, `site~`). */
const BACKUP = /(~|\.(bak|backup|orig|old|save|swp|tmp|dpkg-(old|dist|new|bak)|rpm(save|new|orig)|ucf-(old|dist|new)))$/i;

export function looksLikeNginx(text: string): boolean {
  return NGINX_LINE.test(text);
}

export function discover(paths: string[], cwd: string): DiscoveredFile[] {
  const out: DiscoveredFile[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let stat;
    try {
      stat = statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(code === 'ELOOP' ? `Too many levels of symbolic links: ${p}` : `No such file or directory: ${p}`);
    }
    if (!stat.isFile() && !stat.isDirectory()) throw new UsageError(`Not a regular file or directory: ${p}`);
    if (stat.isFile()) {
      if (!seen.has(abs)) {
        seen.add(abs);
        out.push({ path: abs, kind: classify(abs, true)?.kind ?? 'nginx', explicit: true });
      }
      continue;
    }
    walk(abs, gitignoresAbove(abs, cwd), out, seen);
  }
  return out;
}

interface IgnoreLayer {
  dir: string;
  rules: Ignore;
}

function loadIgnore(dir: string): IgnoreLayer | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dir, '.gitignore'), 'utf8');
  } catch {
    return undefined;
  }
  return { dir, rules: ignore().add(text) };
}

/** `.gitignore` files from the working directory (or the filesystem root above it) down to dir. */
function gitignoresAbove(dir: string, cwd: string): IgnoreLayer[] {
  const layers: IgnoreLayer[] = [];
  const top = dir.startsWith(cwd + path.sep) ? cwd : dir;
  const chain: string[] = [];
  for (let d = path.dirname(dir); d.length >= top.length && d !== path.dirname(d); d = path.dirname(d)) chain.unshift(d);
  for (const d of chain) {
    const layer = loadIgnore(d);
    if (layer) layers.push(layer);
  }
  return layers;
}

function ignored(layers: IgnoreLayer[], abs: string, isDir: boolean): boolean {
  for (const { dir, rules } of layers) {
    const rel = path.relative(dir, abs).split(path.sep).join('/');
    if (!rel || rel.startsWith('..')) continue;
    if (rules.ignores(isDir ? rel + '/' : rel)) return true;
  }
  return false;
}

function walk(dir: string, layers: IgnoreLayer[], out: DiscoveredFile[], seen: Set<string>): void {
  const own = loadIgnore(dir);
  const here = own ? [...layers, own] : layers;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const s = statSync(abs);
        isDir = false; // never follow directory links: they loop and leave the project
        isFile = s.isFile();
      } catch {
        continue;
      }
    }
    if (isDir) {
      if (SKIP_DIRS.has(entry.name) || ignored(here, abs, true) || isVirtualenv(abs)) continue;
      walk(abs, here, out, seen);
    } else if (isFile) {
      if (seen.has(abs) || ignored(here, abs, false)) continue;
      const kind = classify(abs, false);
      if (kind) {
        seen.add(abs);
        out.push({ path: abs, explicit: false, ...kind });
      }
    }
  }
}

function isVirtualenv(dir: string): boolean {
  try {
    return statSync(path.join(dir, 'pyvenv.cfg')).isFile();
  } catch {
    return false;
  }
}

/** Python files that name or hold Django settings: entry points and settings modules. */
function isDjangoPython(name: string, parent: string): boolean {
  if (!name.endsWith('.py')) return false;
  return (
    name === 'manage.py' || name === 'wsgi.py' || name === 'asgi.py' || /settings/i.test(name) || parent === 'settings'
  );
}

function classify(abs: string, explicit: boolean): { kind: FileKind; text?: string } | undefined {
  const name = path.basename(abs);
  const parent = path.basename(path.dirname(abs));
  if (!explicit && BACKUP.test(name)) return undefined;
  if (name === 'nginx.conf') return { kind: 'nginx' };
  if (isEnvFileName(name)) return { kind: 'env' };
  if (name === 'Procfile' || /^Procfile\.[\w-]+$/.test(name)) return { kind: 'procfile' };
  if (isDjangoPython(name, parent) || (explicit && name.endsWith('.py'))) return { kind: 'python' };
  const candidate =
    name.endsWith('.conf') ||
    name.endsWith('.nginx') ||
    name.endsWith('.vhost') ||
    /\.conf\.(template|tmpl|j2)$/.test(name) ||
    /^nginx/i.test(name) ||
    (NGINX_DIRS.has(parent) && !name.includes('.'));
  if (!candidate && !explicit) return undefined;
  const text = readSmall(abs);
  // A file in a directory only nginx uses is audited even when it cannot be read: the loader
  // then reports the read error.
  if (text === UNREADABLE) return NGINX_DIRS.has(parent) && parent !== 'nginx' ? { kind: 'nginx' } : undefined;
  if (text !== undefined && looksLikeNginx(text)) return { kind: 'nginx', text };
  return undefined;
}

const UNREADABLE = Symbol('unreadable');

function readSmall(abs: string): string | undefined | typeof UNREADABLE {
  try {
    if (statSync(abs).size > MAX_SNIFF_BYTES) return undefined;
    return readFileSync(abs, 'utf8');
  } catch {
    return UNREADABLE;
  }
}
