/**
 * The pipeline end to end: discover -> parse -> model -> rules. Reporting is the CLI's job.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { Diagnostics } from './diagnostics.js';
import { discover, UsageError } from './discover.js';
import { FileAccess, within } from './files.js';
import { runRules } from './engine.js';
import { loadNginx } from './nginx/load.js';
import { loadEnvFiles } from './env/load.js';
import { loadDjango } from './django/load.js';
import { RULES } from '../rules/index.js';
import type { AuditResult, Deployment, Rule } from './types.js';

export interface AuditOptions {
  paths: string[];
  cwd?: string;
  /** Directory that relative nginx `include`s resolve against, instead of the main config's. */
  nginxPrefix?: string;
  rules?: readonly Rule[];
}

export function audit(options: AuditOptions): AuditResult & { model: Deployment } {
  const cwd = realpath(path.resolve(options.cwd ?? process.cwd()));
  const paths = options.paths.length ? options.paths : ['.'];
  const nginxPrefix = options.nginxPrefix ? path.resolve(cwd, options.nginxPrefix) : undefined;
  if (nginxPrefix && !isDirectory(nginxPrefix)) throw new UsageError(`--nginx-prefix: no such directory: ${options.nginxPrefix}`);
  // What may be read: the directories named on the command line, the directory of each file named
  // there, and --nginx-prefix (files.ts). Discovery reports a path that does not exist.
  // A path below the working directory that a symbolic link takes elsewhere (a pull request can
  // replace `deploy/` with a link to /etc or the runner's home) is refused: name the real path to
  // audit it. A path the user writes outside the working directory is their choice.
  for (const p of nginxPrefix ? [...paths, options.nginxPrefix!] : paths) {
    if (leavesThroughLink(path.resolve(cwd, p), cwd)) {
      throw new UsageError(`${p} is a symbolic link to a place outside the working directory, so it is not audited (name its real path to audit it)`);
    }
  }
  const reals = paths.map((p) => realpath(path.resolve(cwd, p)));
  const roots = reals.map((r) => (isDirectory(r) ? r : path.dirname(r)));
  const access = new FileAccess(nginxPrefix ? [...roots, realpath(nginxPrefix)] : roots, ignoreDirsBetween(cwd, roots));
  const discovered = discover(paths, cwd, access);
  const diagnostics = new Diagnostics(cwd);
  for (const s of discovered.skipped) {
    if (s.dir) diagnostics.refused(s.path, s.refusal, 'directory');
    else diagnostics.refused(s.path, s.refusal);
  }
  const projectRoot = commonRoot(reals);

  const ofKind = (kind: string) => discovered.files.filter((f) => f.kind === kind).map((f) => f.path);
  const failures: string[] = [];
  // Each layer is built at its own boundary: a bug one input triggers in one layer (past what the
  // per-file boundaries catch) is an internal failure, and the other layers are still audited.
  const layer = <T>(name: string, build: () => T[]): T[] => {
    try {
      return build();
    } catch (e) {
      failures.push(`building the ${name} model failed: ${(e as Error)?.stack ?? String(e)}`);
      return [];
    }
  };
  const env = layer('env', () => loadEnvFiles(ofKind('env'), diagnostics, access));
  const model: Deployment = {
    nginx: layer('nginx', () => loadNginx({ files: discovered.files.filter((f) => f.kind === 'nginx'), access, projectRoot, nginxPrefix, diagnostics })),
    env,
    django: layer('Django', () => loadDjango({ python: ofKind('python'), procfiles: ofKind('procfile'), env, projectRoot, diagnostics, access })),
  };
  const findings = runRules(model, options.rules ?? RULES, failures);
  const byPosition = (a: { file: string; line: number; column: number }, b: typeof a) =>
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column;
  // The files audited: those some configuration reads, and those that could not be parsed.
  const failed = new Set(diagnostics.errors.map((e) => e.file));
  const files = [...new Set([
    ...model.nginx.flatMap((c) => c.files),
    ...model.env.map((e) => e.file),
    ...model.django.flatMap((d) => [...d.files, ...d.envFiles]),
    ...diagnostics.allFiles().filter((f) => failed.has(f.display)),
  ])];
  return {
    findings,
    errors: [...diagnostics.errors].sort(byPosition),
    notes: [...diagnostics.notes].sort(byPosition),
    files,
    failures,
    model,
  };
}

/**
 * A path that some directory of the working tree leads out of: one of its ancestors is (really)
 * inside the working directory, but the path itself is not. Also when the path is written through
 * the shell's logical working directory (`"$PWD/deploy"` where $PWD is itself a link).
 */
function leavesThroughLink(lexical: string, cwd: string): boolean {
  if (within(realpath(lexical), cwd)) return false;
  for (let d = path.dirname(lexical); d !== path.dirname(d); d = path.dirname(d)) {
    if (within(realpath(d), cwd)) return true;
  }
  return false;
}

/** The directories from the working directory down to each root (not the roots themselves): git applies their .gitignore. */
function ignoreDirsBetween(cwd: string, roots: string[]): string[] {
  const out = new Set<string>();
  for (const root of roots) {
    if (!root.startsWith(cwd + path.sep)) continue;
    for (let d = path.dirname(root); d.length >= cwd.length; d = path.dirname(d)) {
      out.add(d);
      if (d === path.dirname(d)) break;
    }
  }
  return [...out];
}

function realpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** The deepest directory containing every audited path. */
function commonRoot(paths: string[]): string {
  const dirs = paths.map((p) => (isDirectory(p) ? p : path.dirname(p)));
  let root = dirs[0]!;
  for (const d of dirs.slice(1)) {
    while (d !== root && !d.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) root = path.dirname(root);
  }
  return root;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
