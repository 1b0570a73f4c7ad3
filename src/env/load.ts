/**
 * Env files in the model: every `.env`-style file of the project, parsed with positions. Templates
 * (`.env.example`) are kept for the rules that read names, but their values are never used as
 * real ones.
 */
import path from 'node:path';
import type { Diagnostics } from '../diagnostics.js';
import type { SourceFile } from '../source.js';
import { LIMITS, type FileAccess } from '../files.js';
import { isTemplateEnvFile, parseEnv, type EnvEntry } from './parse.js';

export interface EnvFile {
  file: SourceFile;
  /** `.env.example` and friends: placeholders, never real values. */
  template: boolean;
  entries: EnvEntry[];
  /** The last entry for each key (what the loaders keep). */
  byKey: Map<string, EnvEntry>;
  /** Not a file of its own: a descriptor's environment (`the environment of web`, `ENV of Dockerfile`). */
  origin?: string;
  /** Any variable may be set here (a Kubernetes `envFrom` of a Secret not in the tree): why. */
  wildcard?: string;
}

export function loadEnvFiles(paths: string[], diagnostics: Diagnostics, access: FileAccess): EnvFile[] {
  const out: EnvFile[] = [];
  for (const abs of paths) {
    const read = access.readText(abs);
    if (!('text' in read)) {
      diagnostics.refused(abs, read, 'env file');
      continue;
    }
    const env = envFileFrom(diagnostics.sourceFile(abs, read.text), diagnostics, access);
    if (env) out.push(env);
  }
  return out;
}

/** An env file's model; undefined (and an error) when the run's budget of entries is spent. */
export function envFileFrom(file: SourceFile, diagnostics?: Diagnostics, access?: FileAccess): EnvFile | undefined {
  const { entries, problems } = parseEnv(file.text);
  if (access) {
    access.budget.envEntries -= entries.length + problems.length;
    if (access.budget.envEntries < 0) {
      diagnostics?.refused(file.path, { kind: 'budget', what: `${LIMITS.envEntries.toLocaleString('en')} env lines in all` }, 'env file');
      return undefined;
    }
  }
  if (diagnostics) {
    for (const p of problems.slice(0, LIMITS.problemsPerFile)) diagnostics.parseError(file, p.offset, p.message);
    const more = problems.length - LIMITS.problemsPerFile;
    if (more > 0) {
      diagnostics.parseError(file, problems[LIMITS.problemsPerFile]!.offset, `and ${more} more ${more === 1 ? 'line' : 'lines'} like the ones above (only the first ${LIMITS.problemsPerFile} are listed)`);
    }
  }
  const byKey = new Map<string, EnvEntry>();
  for (const e of entries) byKey.set(e.key, e);
  return { file, template: isTemplateEnvFile(path.basename(file.path)), entries, byKey };
}

