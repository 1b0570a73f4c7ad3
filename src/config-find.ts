/**
 * Where the config file is (config.ts reads it). Apart from it because every run looks for one and
 * most find none: config.ts and zod are then never initialised.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

export const CONFIG_NAMES = ['https-audit.config.json', '.https-audit.yaml', '.https-audit.yml'] as const;

/** Whether config.ts has been initialised in this process (a test checks a run without a config file does not). */
export const configModule = { loaded: false };

export const EMPTY_CONFIG: Config = { rules: {}, ignore: [], versions: {}, envFiles: [] };

/** The config file that applies to `cwd`: the nearest of CONFIG_NAMES up to the repository's root. */
export function findConfig(cwd: string): string | undefined {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    for (const name of CONFIG_NAMES) {
      if (stat(path.join(dir, name))?.isFile()) return path.join(dir, name);
    }
    if (stat(path.join(dir, '.git')) || path.dirname(dir) === dir) return undefined;
  }
}

/** No error object (with its stack) for each name that is not there, which is most of them. */
export function stat(abs: string) {
  try {
    return statSync(abs, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
