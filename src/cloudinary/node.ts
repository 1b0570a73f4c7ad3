/**
 * The Node SDK (`cloudinary` on npm) in a package of the project: a `package.json` that depends on
 * it. From 2.0.0 it builds https URLs always (a per-call `secure: false` aside, not read); 1.x
 * builds http unless `secure` is set: in `CLOUDINARY_URL`'s query (a string: `secure=false` is
 * truthy) or in `cloudinary.config({...})` in the code (domain-facts.md, Cloudinary).
 *
 * The package's code is searched (not parsed) for `secure:` and `config(` calls, only for a 1.x
 * package: any `secure` written in the code makes the outcome unknown (it may be `true`).
 */
import path from 'node:path';
import type { Diagnostics } from '../diagnostics.js';
import type { Service } from '../deploy/load.js';
import type { EnvFile } from '../env/load.js';
import type { FileAccess } from '../files.js';
import { cloudinaryCode } from './code.js';
import type { SourceFile, Span } from '../source.js';
import { npmPackageVersionIn, atLeast, type VersionInfo } from '../versions.js';
import { parseCloudinaryUrl, type Decision } from './python.js';

export interface NodeCloudinary {
  dir: string;
  pkg: SourceFile;
  /** The dependency line in package.json. */
  dep: Span;
  version: VersionInfo;
  decision: Decision;
  /** `?secure=false` (or 0, no…) in CLOUDINARY_URL: truthy on 1.x. */
  misleadingUrlSecure?: { span: Span; value: string };
}

const CODE = /\.(m?js|cjs|ts|mts|cts|jsx|tsx)$/;

/**
 * The packages of the project that depend on the Node SDK, with its effective `secure`. The
 * directory of every package that depends on it or on `@cloudinary/url-gen` is added to `codeDirs`
 * (their code is searched for per-call `secure: false`, calls.ts).
 */
export function loadNodeCloudinary(packageJsons: string[], env: EnvFile[], access: FileAccess, diagnostics: Diagnostics, codeDirs: string[] = [], services: Service[] = []): NodeCloudinary[] {
  const out: NodeCloudinary[] = [];
  const nearestUrlFile = urlFilesAbove(env);
  const servicesIn = servicesByDir(services);
  for (const abs of packageJsons) {
    const r = access.readText(abs);
    if (!('text' in r)) continue;
    const m = /"(?:dependencies|devDependencies|peerDependencies|optionalDependencies)"\s*:\s*\{[^}]*?("cloudinary"\s*:\s*"[^"]*")/.exec(r.text);
    // @cloudinary/url-gen (https unless `secure: false`) and the legacy cloudinary-core (the page's
    // protocol unless `secure` is given): only their per-call `secure: false` is searched for.
    if (m || /"(?:@cloudinary\/url-gen|cloudinary-core|cloudinary-jquery(?:-file-upload)?)"\s*:/.test(r.text)) codeDirs.push(path.dirname(abs));
    if (!m) continue;
    const pkg = diagnostics.sourceFile(abs, r.text);
    const at = m.index + m[0].length - m[1]!.length;
    const dep: Span = { file: pkg, start: at, end: at + m[1]!.length };
    const dir = path.dirname(abs);
    const version = npmPackageVersionIn('cloudinary', [dir], access, (p) => diagnostics.display(p));
    const v2 = atLeast(version, '2.0.0');
    // The environment of the services that run this package (Compose `environment`/`env_file`,
    // the image's ENV), else the nearest env file (the package's own, then up the tree).
    const fromServices = serviceUrl(servicesIn(dir));
    const urlEntry = fromServices === 'unknown' ? undefined : fromServices ?? nearestUrlFile(dir);
    const entry = urlEntry?.byKey.get('CLOUDINARY_URL');
    const urlSpan = entry && urlEntry ? { file: urlEntry.file, start: entry.valueStart, end: entry.valueEnd } : undefined;
    const query = entry ? parseCloudinaryUrl(entry.value)?.query.get('secure') : undefined;
    const misleadingUrlSecure = urlSpan && query !== undefined && /^(false|0|no|off|none)$/i.test(query) ? { span: urlSpan, value: query } : undefined;
    let decision: Decision;
    if (v2 !== true && (fromServices === 'unknown' || entry?.unknown)) decision = { why: 'the CLOUDINARY_URL the service starts with is not determined by the files', overridden: [] };
    else if (v2 === true) decision = { secure: true, why: 'the Node SDK builds https URLs from 2.0.0', overridden: [] };
    else {
      const code = codeOf(dir, access, diagnostics);
      if (code.secure) decision = { why: `\`secure\` is written in the code (${code.secure}), which is not read`, overridden: [] };
      else if (code.tooMany) decision = { why: 'the package has more code files than are searched', overridden: [] };
      else if (urlSpan && query !== undefined && query !== '') decision = { secure: true, at: urlSpan, why: `CLOUDINARY_URL has ?secure=${query}`, overridden: [] };
      else if (urlSpan) decision = { secure: false, at: urlSpan, why: 'CLOUDINARY_URL has no ?secure=true, and nothing in the code sets secure', overridden: [] };
      else if (code.config) decision = { secure: false, at: code.config, why: 'cloudinary.config(...) sets no secure, and no CLOUDINARY_URL in the files does', overridden: [] };
      else decision = { why: 'where the Node SDK gets its configuration is not in the files', overridden: [] };
    }
    out.push({ dir, pkg, dep, version, decision, misleadingUrlSecure });
  }
  return out;
}

/**
 * The env (of the services that run the package in `dir`: built from a Dockerfile there, or
 * placing it) that sets CLOUDINARY_URL; 'unknown' when one may set it unseen or they disagree.
 */
function serviceUrl(running: Iterable<Service>): EnvFile | 'unknown' | undefined {
  let found: EnvFile | 'unknown' | undefined;
  for (const s of running) {
    let here: EnvFile | 'unknown' | undefined;
    for (const e of s.env) {
      if (e.byKey.has('CLOUDINARY_URL')) {
        here = e;
        break;
      }
      if (e.wildcard) {
        here = 'unknown';
        break;
      }
    }
    if (!here) continue;
    if (found === undefined) found = here;
    else if (found === 'unknown' || here === 'unknown' || found.byKey.get('CLOUDINARY_URL')!.value !== here.byKey.get('CLOUDINARY_URL')!.value) return 'unknown';
  }
  return found;
}

/**
 * The env file that sets CLOUDINARY_URL for a package's directory: of those in it or above it, the
 * one with the longest path (the first given, of equal ones). Indexed by directory once, so that N
 * packages with an env file each cost N, not N² (8 s for 4,096 packages).
 */
function urlFilesAbove(env: EnvFile[]): (dir: string) => EnvFile | undefined {
  const byDir = new Map<string, { e: EnvFile; i: number }[]>();
  env.forEach((e, i) => {
    if (e.template || e.origin || !e.byKey.has('CLOUDINARY_URL')) return;
    const d = path.dirname(e.file.path);
    const list = byDir.get(d);
    if (list) list.push({ e, i });
    else byDir.set(d, [{ e, i }]);
  });
  return (dir) => {
    let best: { e: EnvFile; i: number } | undefined;
    // Up to the filesystem's root, which is not searched (its files are not in an audited tree).
    for (let d = dir, up = path.dirname(d); up !== d; d = up, up = path.dirname(d)) {
      for (const c of byDir.get(d) ?? []) {
        const longer = best ? c.e.file.path.length - best.e.file.path.length : 1;
        if (longer > 0 || (longer === 0 && c.i < best!.i)) best = c;
      }
    }
    return best?.e;
  };
}

/** The services that run the package in a directory (built from a Dockerfile there, or placing it), in their order; indexed once. */
function servicesByDir(services: Service[]): (dir: string) => Iterable<Service> {
  const byDir = new Map<string, Set<Service>>();
  const add = (dir: string, s: Service) => {
    const set = byDir.get(dir);
    if (set) set.add(s);
    else byDir.set(dir, new Set([s]));
  };
  for (const s of services) {
    if (s.build) add(path.dirname(s.build.file.path), s);
    for (const f of s.files) add(f.source, s);
  }
  return (dir) => byDir.get(dir) ?? [];
}

/** The package's code files, searched for `secure:` and a `config(` call on the SDK. */
function codeOf(dir: string, access: FileAccess, diagnostics: Diagnostics): { secure?: string; config?: Span; tooMany?: boolean } {
  let config: Span | undefined;
  for (const f of cloudinaryCode(dir, CODE, access)) {
    if (f === 'too-many') return { tooMany: true };
    if (/\bsecure\s*:/.test(f.text)) return { secure: diagnostics.display(f.abs) };
    const c = /\bcloudinary(?:\.v2)?\.config\s*\(/.exec(f.text);
    if (c && !config) config = { file: diagnostics.sourceFile(f.abs, f.text), start: c.index, end: c.index + c[0].length };
  }
  return { config };
}
