/**
 * Env files in the model: every `.env`-style file of the project, parsed with positions. Templates
 * (`.env.example`) are kept for the rules that read names, but their values are never used as
 * real ones.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostics } from '../diagnostics.js';
import type { SourceFile } from '../source.js';
import { isTemplateEnvFile, parseEnv, type EnvEntry } from './parse.js';

export interface EnvFile {
  file: SourceFile;
  /** `.env.example` and friends: placeholders, never real values. */
  template: boolean;
  entries: EnvEntry[];
  /** The last entry for each key (what the loaders keep). */
  byKey: Map<string, EnvEntry>;
}

export function loadEnvFiles(paths: string[], diagnostics: Diagnostics): EnvFile[] {
  const out: EnvFile[] = [];
  for (const abs of paths) {
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      diagnostics.unreadable(abs, e);
      continue;
    }
    out.push(envFileFrom(diagnostics.sourceFile(abs, text), diagnostics));
  }
  return out;
}

export function envFileFrom(file: SourceFile, diagnostics?: Diagnostics): EnvFile {
  const { entries, problems } = parseEnv(file.text);
  for (const p of problems) diagnostics?.parseError(file, p.offset, p.message);
  const byKey = new Map<string, EnvEntry>();
  for (const e of entries) byKey.set(e.key, e);
  return { file, template: isTemplateEnvFile(path.basename(file.path)), entries, byKey };
}

/** Key names whose values are credentials: never printed. */
export const SECRET_KEY_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL/i;
