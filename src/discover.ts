/**
 * Finds the files to audit under the given paths and decides what kind each one is.
 * Walks directories, honours `.gitignore` files (from the working directory down), and skips
 * dependencies, virtualenvs, VCS metadata and build output. Files named explicitly are always
 * audited, whatever their name.
 */
import type { Dirent } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { isEnvFileName } from './env/parse.js';
import { LIMITS, type FileAccess, type Refusal } from './files.js';

export type FileKind = 'nginx' | 'env' | 'python' | 'procfile' | 'dockerfile' | 'compose' | 'kubernetes' | 'systemd' | 'terraform' | 'cloudformation' | 'edge-json' | 'template' | 'package-json';

export interface DiscoveredFile {
  path: string;
  kind: FileKind;
  explicit: boolean;
  /** A file that is a configuration but cannot be read (too large, unreadable): the loader reports it. */
  refusal?: Refusal;
}

/** Something discovery did not audit that the user should hear about (a link leaving the tree, a FIFO named .env). */
export interface Skipped {
  path: string;
  refusal: Refusal;
  dir: boolean;
  /** The file's text, when a note points into it. */
  text?: string;
}

export class UsageError extends Error {}

const SKIP_DIRS = new Set([
  'node_modules', '.git', '.hg', '.svn', '__pycache__', '.tox', '.nox', '.mypy_cache', '.pytest_cache',
  '.ruff_cache', '.venv', 'venv', 'site-packages', '.next', '.nuxt', '.cache', 'dist', 'build', 'coverage',
  '.terraform', '.idea', '.vscode',
]);
/** Templates and components: Django/Jinja/Handlebars/EJS pages, Vue/Svelte/JSX components, CSS. */
const TEMPLATE_FILE = /\.(html?|jinja2?|j2|djhtml|hbs|handlebars|ejs|vue|svelte|jsx|tsx|css|scss)$/;

/** JSON files that are never a CDN's configuration (and are common): not even sniffed. */
const IGNORED_JSON = /^(package(-lock)?|composer(\.lock)?|tsconfig(\.[\w-]+)?|jsconfig|\.?eslintrc|\.?babelrc|\.prettierrc|renovate|lerna|nx|turbo|vercel|deno|angular|devcontainer|\.?stylelintrc)\.json$|\.(lock|map|min)\.json$|\.schema\.json$/;
/** Extensions no kind of ours has (see kindByName). */
const NEVER_OURS = new Set('md markdown rst adoc txt png jpg jpeg gif svg ico webp avif bmp tiff woff woff2 ttf otf eot map lock go rs java kt kts c h cc cpp hpp cs rb php pyc pyi pyd so dylib dll o a jar class zip gz tgz bz2 xz 7z pdf mp4 mp3 wav ogg webm mov csv tsv parquet sql sh bash zsh ps1 bat swift m mm scala clj ex exs erl hs lua pl r dart snap'.split(' '));
/** Names that may be ours whatever their extension (Dockerfile.md is read as a Dockerfile, an env template, an nginx file). */
const MAY_BE_OURS = /^(nginx|dockerfile|containerfile|procfile|(docker-)?compose|\.?env[._-])/i;
const NGINX_DIRS = new Set(['sites-enabled', 'sites-available', 'conf.d', 'nginx', 'snippets', 'vhosts', 'servers']);
/** How much of a file too large to read whole is read to tell whether it is an nginx config. */
const SNIFF_HEAD_BYTES = 64 * 1024;

/** A line that only nginx would write: a known directive, ending in `;`, `{` or `}`. */
const NGINX_LINE =
  /^[ \t]*(?:server|http|events|location|upstream|map|geo|include|listen|server_name|proxy_pass|uwsgi_pass|fastcgi_pass|add_header|ssl_certificate|ssl_protocols|ssl_ciphers|proxy_set_header|return|rewrite|worker_processes|try_files|error_page)[ \t{][^\n]*[;{}][ \t]*(?:#[^\n]*)?\r?$/m;

/** Backups and package-manager leftovers that nginx never reads (`nginx.conf.bak`, `site~`). */
const BACKUP = /(~|\.(bak|backup|orig|old|save|swp|tmp|dpkg-(old|dist|new|bak)|rpm(save|new|orig)|ucf-(old|dist|new)))$/i;

/** Templates rendered into configs at deploy time (envsubst, Jinja, Go): audited with their placeholders unknown. */
export const TEMPLATE_NAME = /\.(tpl|template|tmpl|j2|jinja2?)$/;

/**
 * Files named like a configuration that are something else: a diff or patch of one, a program
 * that writes one, a template whose structure (not only its values) is decided when it is
 * rendered. Each is skipped with a note saying what it was taken for, never parsed into errors.
 */
export function notAConfig(text: string): { offset: number; what: string } | undefined {
  const head = text.slice(0, 64 * 1024);
  // Each pattern is tried only when the text holds a string every match of it contains: most files
  // hold none, and V8 then never compiles the patterns (~0.1 ms each, at every start).
  let m: RegExpExecArray | null;
  if (head.includes('@@ -')) {
    m = /^(?:diff --git |--- \S[^\n]*\n\+\+\+ |Index: \S)/m.exec(head);
    if (m && /^@@ -\d/m.test(head)) return { offset: m.index, what: 'a diff (patch)' };
  }
  if (head.includes('import') || head.includes('export') || head.includes('module.exports') || head.includes('require(') || head.includes('use strict')) {
    m = /^(?:import\s[^\n]*\bfrom\s*['"]|export\s+(?:default|const|function|async|class)\b|module\.exports\s*=|(?:const|let|var)\s+\w+\s*=\s*require\(|'use strict';|"use strict";)/m.exec(head);
    if (m) return { offset: m.index, what: 'JavaScript' };
  }
  if (head.includes('{{') || head.includes('{%') || head.includes('<%')) {
    m = /\{\{-?\s*(?:range|if|with|define|template|block|end)\b|\{%-?\s*(?:for|if|macro|block|include|extends)\b|<%[=-]?\s*(?:if|for|end|each)\b/.exec(head);
    if (m) return { offset: m.index, what: `a template whose structure is decided when it is rendered (\`${m[0].trim()}\`)` };
  }
  return undefined;
}

export function looksLikeNginx(text: string): boolean {
  if (!NGINX_LINE.test(text)) return false;
  // FreeRADIUS, HAProxy-like or INI files under sites-enabled/ share nginx's block shape
  // (`server default {`) but assign with `=` and end no statement with `;`.
  const head = text.slice(0, 64 * 1024);
  return /;[ \t]*(?:#[^\n]*)?\r?$/m.test(head) || !/^[ \t]*[\w-]+[ \t]*=[ \t]*\S/m.test(head);
}

/**
 * `ignore`: the config file's patterns (gitignore syntax, relative to its directory); unlike a
 * `.gitignore`, they apply to env files too. A file named on the command line is audited anyway.
 */
export function discover(paths: string[], cwd: string, access: FileAccess, ignorePatterns?: { dir: string; patterns: string[] }): { files: DiscoveredFile[]; skipped: Skipped[] } {
  const configLayer: IgnoreLayer | undefined = ignorePatterns?.patterns.length ? { dir: ignorePatterns.dir, rules: ignore().add(ignorePatterns.patterns), patterns: ignorePatterns.patterns.length, always: true } : undefined;
  const out: DiscoveredFile[] = [];
  const skipped: Skipped[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    const stat = access.stat(abs);
    if (stat.kind === 'missing') throw new UsageError(`No such file or directory: ${p}`);
    if (stat.kind === 'unreadable') {
      throw new UsageError(stat.code === 'ELOOP' ? `Too many levels of symbolic links: ${p}` : `Cannot read ${p} (${stat.code})`);
    }
    if (stat.kind === 'special' || stat.kind === 'outside') throw new UsageError(`Not a regular file or directory: ${p}`);
    if (stat.kind === 'file') {
      if (!seen.has(abs)) {
        seen.add(abs);
        const kind = classify(abs, true, access, skipped);
        out.push({ path: abs, explicit: true, ...(kind ?? { kind: 'nginx' }) });
      }
      continue;
    }
    const listing = access.list(abs);
    if (!Array.isArray(listing)) {
      throw new UsageError(`Cannot read the directory ${p} (${listing.kind === 'unreadable' ? listing.code : listing.kind})`);
    }
    walk(abs, configLayer ? [configLayer, ...gitignoresAbove(abs, cwd, access)] : gitignoresAbove(abs, cwd, access), out, seen, access, skipped, listing);
  }
  return { files: out, skipped };
}

interface IgnoreLayer {
  dir: string;
  rules: Ignore;
  patterns: number;
  /** The config file's `ignore`: applies to env files too. */
  always?: boolean;
}

/**
 * A directory's `.gitignore`, unless it would bring more than LIMITS.ignorePatterns patterns in
 * force with those above it: each path is matched against every pattern in force, so 37,000
 * patterns cost 15 ms a file. Such a file is not applied, and the user is told.
 */
function loadIgnore(dir: string, access: FileAccess, above: IgnoreLayer[], skipped?: Skipped[]): IgnoreLayer | undefined {
  const text = access.readIgnoreFile(dir);
  if (text === undefined) return undefined;
  let patterns = 0;
  for (const line of text.split('\n')) if (line.trim() && !line.startsWith('#')) patterns++;
  const inForce = above.reduce((n, l) => n + l.patterns, 0);
  if (inForce + patterns > LIMITS.ignorePatterns) {
    skipped?.push({ path: path.join(dir, '.gitignore'), refusal: { kind: 'not-applied', why: `with the .gitignore files above it, more than ${LIMITS.ignorePatterns.toLocaleString('en')} patterns would be in force (each file is matched against every one)` }, dir: false });
    return undefined;
  }
  return { dir, rules: ignore().add(text), patterns };
}

/** `.gitignore` files from the working directory (or the filesystem root above it) down to dir. */
function gitignoresAbove(dir: string, cwd: string, access: FileAccess): IgnoreLayer[] {
  const layers: IgnoreLayer[] = [];
  const top = dir.startsWith(cwd + path.sep) ? cwd : dir;
  const chain: string[] = [];
  for (let d = path.dirname(dir); d.length >= top.length && d !== path.dirname(d); d = path.dirname(d)) chain.unshift(d);
  for (const d of chain) {
    const layer = loadIgnore(d, access, layers);
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

function walk(
  dir: string,
  layers: IgnoreLayer[],
  out: DiscoveredFile[],
  seen: Set<string>,
  access: FileAccess,
  skipped: Skipped[],
  listing?: Dirent[],
  depth = 0,
): void {
  let entries = listing;
  if (!entries) {
    const l = access.list(dir);
    if (!Array.isArray(l)) {
      // A directory of the project that cannot be listed (a container's data volume): its files are not audited.
      if (l.kind !== 'missing') skipped.push({ path: dir, refusal: l, dir: true });
      return;
    }
    entries = l;
  }
  // A virtualenv (its pyvenv.cfg in the listing): nothing of ours, and thousands of files. Not a root.
  if (depth > 0 && entries.some((e) => e.name === 'pyvenv.cfg' && e.isFile())) return;
  // The .gitignore is read only when the listing shows one (no failing open per directory).
  const own = entries.some((e) => e.name === '.gitignore') ? loadIgnore(dir, access, layers, skipped) : undefined;
  const here = own ? [...layers, own] : layers;
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Paths and the parent's name computed once per directory, not per entry.
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  const parent = path.basename(dir);
  for (const entry of entries) {
    const name = entry.name;
    if (entry.isDirectory()) {
      const abs = prefix + name;
      if (name.includes('\uFFFD')) {
        skipped.push({ path: abs, refusal: { kind: 'bad-name' }, dir: true });
        continue;
      }
      if (SKIP_DIRS.has(name) || ignored(here, abs, true)) continue;
      if (depth >= LIMITS.directoryDepth) {
        skipped.push({ path: abs, refusal: { kind: 'too-deep', limit: LIMITS.directoryDepth }, dir: true });
        continue;
      }
      access.seed(dir, entry);
      walk(abs, here, out, seen, access, skipped, undefined, depth + 1);
      continue;
    }
    // The name first (cheap): most files of a repository are none of ours and cost nothing more.
    const candidate = !BACKUP.test(name) && kindByName(name, parent) !== undefined;
    if (!candidate && !entry.isSymbolicLink()) continue;
    const abs = prefix + name;
    if (name.includes('\uFFFD')) {
      // Bytes that are not UTF-8 in a name: Node.js cannot name the file to open it.
      if (candidate) skipped.push({ path: abs, refusal: { kind: 'bad-name' }, dir: false });
      continue;
    }
    if (entry.isFile() || entry.isSymbolicLink()) {
      // A link is followed only to a regular file inside the audited roots (never to a directory:
      // directory links loop and leave the project); classify() checks that before reading.
      if (!candidate) {
        if (!ignored(here, abs, false) && access.stat(abs).kind === 'outside') skipped.push({ path: abs, refusal: { kind: 'outside' }, dir: false });
        continue;
      }
      if (seen.has(abs)) continue;
      access.seed(dir, entry);
      // A git-ignored env file is still read: it is what the process gets where the audit runs
      // (a server's .env); findings that depend on it name it.
      if (ignored(isEnvFileName(name) ? here.filter((l) => l.always) : here, abs, false)) continue;
      const kind = classify(abs, false, access, skipped);
      if (kind) {
        seen.add(abs);
        out.push({ path: abs, explicit: false, ...kind });
      }
    } else {
      // A FIFO, socket or device named like a configuration: never opened.
      skipped.push({ path: abs, refusal: { kind: 'special', what: entry.isFIFO() ? 'a FIFO' : entry.isSocket() ? 'a socket' : 'a device' }, dir: false });
    }
  }
}


/** Python files that name or hold Django settings: entry points and settings modules. */
function isDjangoPython(name: string, parent: string): boolean {
  if (!name.endsWith('.py')) return false;
  return (
    name === 'manage.py' || name === 'wsgi.py' || name === 'asgi.py' || /settings/i.test(name) || parent === 'settings'
  );
}


/** What a file's name says it is; 'maybe-nginx' is decided by its text. */
function kindByName(name: string, parent: string): FileKind | 'maybe-nginx' | 'maybe-kubernetes' | 'maybe-json' | undefined {
  // Most files of a repository are source, docs and assets: told by their extension before the
  // dozen patterns below (unless the name or the directory could still make them ours).
  const dot = name.lastIndexOf('.');
  if (dot > 0 && !MAY_BE_OURS.test(name) && !NGINX_DIRS.has(parent)) {
    const ext = name.slice(dot + 1).toLowerCase();
    if (NEVER_OURS.has(ext)) return undefined;
    // Source files, the bulk of a repository: only Django's entry points and settings, and
    // front-end code under templates/, static/ or js/, are ours.
    if (ext === 'py' && !/^\.?env[._-]/i.test(name)) return isDjangoPython(name, parent) ? 'python' : undefined;
    if ((ext === 'js' || ext === 'mjs' || ext === 'ts') && !/(?:^|\.)env[._-]/i.test(name)) return frontEndCode(name, parent) ? 'template' : undefined;
  }
  if (name === 'nginx.conf') return 'nginx';
  // Terraform's native syntax; the variable files Terraform loads by itself (others need -var-file).
  if (name.endsWith('.tf') || name === 'terraform.tfvars' || name.endsWith('.auto.tfvars')) return 'terraform';
  if (name === 'package.json') return 'package-json';
  if (name.endsWith('.json') && !IGNORED_JSON.test(name)) return 'maybe-json';
  if (isEnvFileName(name)) return 'env';
  if (name === 'Procfile' || /^Procfile\.[\w-]+$/.test(name)) return 'procfile';
  if (isDjangoPython(name, parent)) return 'python';
  if (/^(Dockerfile|Containerfile)([.-][\w.-]+)?$|\.[Dd]ockerfile$/.test(name) && !/\.dockerignore$/.test(name)) return 'dockerfile';
  if (/^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/.test(name)) return 'compose';
  if (/\.service$/.test(name)) return 'systemd';
  if (/\.ya?ml$/.test(name)) return 'maybe-kubernetes';
  if (name.endsWith('.template')) return 'maybe-kubernetes';
  if (nginxCandidate(name, parent)) return 'maybe-nginx';
  // Pages and front-end code that may load assets over http (http-asset-url, cloudinary-http-url).
  if (TEMPLATE_FILE.test(name) && !/\.min\./.test(name)) return 'template';
  if (/\.(m?js|ts)$/.test(name) && frontEndCode(name, parent)) return 'template';
  return undefined;
}

/** Front-end code that may build asset URLs: JavaScript or TypeScript (not minified, not declarations) under templates/, static/ or js/. */
function frontEndCode(name: string, parent: string): boolean {
  return !/\.(min|d)\./.test(name) && (parent === 'templates' || parent === 'static' || parent === 'js');
}

function nginxCandidate(name: string, parent: string): boolean {
  return (
    name.endsWith('.conf') ||
    name.endsWith('.nginx') ||
    name.endsWith('.vhost') ||
    TEMPLATE_NAME.test(name) ||
    /^nginx/i.test(name) ||
    (NGINX_DIRS.has(parent) && !name.includes('.'))
  );
}

function classify(abs: string, explicit: boolean, access: FileAccess, skipped: Skipped[]): Omit<DiscoveredFile, 'path' | 'explicit'> | undefined {
  const name = path.basename(abs);
  const parent = path.basename(path.dirname(abs));
  const byName = kindByName(name, parent);
  if (!explicit && (BACKUP.test(name) || !byName)) return undefined;
  // Only regular files inside the audited roots: a link that leaves them, a FIFO or a device is
  // never opened, and the user is told.
  const stat = access.stat(abs);
  if (stat.kind !== 'file') {
    if (stat.kind !== 'missing' && stat.kind !== 'dir') skipped.push({ path: abs, refusal: stat, dir: false });
    return undefined;
  }
  const notConfig = (text: string, as: string): boolean => {
    const not = notAConfig(text);
    if (not) skipped.push({ path: abs, refusal: { kind: 'not-config', what: not.what, as, offset: not.offset }, dir: false, text });
    return not !== undefined;
  };
  if (byName === 'maybe-json') {
    // CloudFormation templates and the providers' API JSON are recognised by content, whatever the name.
    const head = access.readHead(abs, SNIFF_HEAD_BYTES);
    if (head === undefined) return undefined;
    // A template is read only for the resources https-audit models (a template of other resources is not ours).
    if (/"AWS::(CloudFront|ElasticLoadBalancingV2)::/.test(head)) return { kind: 'cloudformation' };
    if (/"DistributionConfig"|"DefaultCacheBehavior"|"(always_use_https|min_tls_version|ssl_automatic_mode)"|"id"\s*:\s*"(always_use_https|min_tls_version|ssl)"/.test(head)) return { kind: 'edge-json' };
    return undefined;
  }
  if (byName === 'maybe-kubernetes') {
    const head = access.readHead(abs, SNIFF_HEAD_BYTES);
    // A CloudFormation template (YAML, or JSON named .template), whatever its name.
    // A template is read only for the resources https-audit models (a template of other resources is not ours).
    if (head !== undefined && /^\s+"?Type"?\s*:\s*['"]?AWS::(CloudFront|ElasticLoadBalancingV2)::/m.test(head)) return { kind: 'cloudformation' };
    if (!name.endsWith('.template')) {
      if (head === undefined || !/^apiVersion:[ \t]*\S/m.test(head) || !/^kind:[ \t]*\w/m.test(head)) return undefined;
      const helm = /\{\{/.exec(head);
      if (helm) {
        const read = access.readText(abs);
        if ('text' in read) skipped.push({ path: abs, refusal: { kind: 'not-config', what: 'a Helm or other template (`{{`): its manifests exist only once rendered', as: 'a Kubernetes manifest', offset: helm.index }, dir: false, text: read.text });
        return undefined;
      }
      return { kind: 'kubernetes' };
    }
    // Otherwise a .template may be an nginx template: decided by its text below.
  }
  if (byName === 'env' || byName === 'nginx') {
    const read = access.readText(abs);
    if ('text' in read && notConfig(read.text, byName === 'env' ? 'an env file' : 'an nginx configuration')) return undefined;
    return { kind: byName };
  }
  if (byName && byName !== 'maybe-nginx' && byName !== 'maybe-kubernetes') return { kind: byName };
  if (explicit && name.endsWith('.py')) return { kind: 'python' };
  const certain = explicit || (NGINX_DIRS.has(parent) && parent !== 'nginx');
  const read = access.readText(abs);
  if ('text' in read) {
    // A Jinja page (`base.html.jinja2`, `page.j2`) is named like an nginx template: its text decides.
    if (!looksLikeNginx(read.text) && !explicit) return TEMPLATE_FILE.test(name) && !/\.min\./.test(name) ? { kind: 'template' } : undefined;
    if (notConfig(read.text, 'an nginx configuration')) return undefined;
    return { kind: 'nginx' };
  }
  // Too large to read whole: the head tells whether it is an nginx config (then it is an error
  // that it cannot be audited) or some other .conf file (then it is none of our business).
  if (read.kind === 'too-large') {
    const head = access.readHead(abs, SNIFF_HEAD_BYTES);
    return certain || (head !== undefined && looksLikeNginx(head)) ? { kind: 'nginx', refusal: read } : undefined;
  }
  if (certain) return { kind: 'nginx', refusal: read };
  skipped.push({ path: abs, refusal: read, dir: false });
  return undefined;
}

/** A file a deployment descriptor places as nginx configuration: nginx by its text, unless it is no configuration at all. */
export function classifyDeployed(abs: string, access: FileAccess): Omit<DiscoveredFile, 'path' | 'explicit'> | undefined {
  const read = access.readText(abs);
  if (!('text' in read)) return read.kind === 'missing' ? undefined : { kind: 'nginx', refusal: read };
  return looksLikeNginx(read.text) && !notAConfig(read.text) ? { kind: 'nginx' } : undefined;
}
