/**
 * Parsers loaded on first use only (start-up is most of a pre-commit run): in the bundle each is a
 * file of its own beside dist/cli.cjs (`__PYTHON_PARSER__`, `__YAML_PARSER__` name it), loaded
 * with V8's code cache; from the sources, the package itself.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export function requireLazily<T>(bundled: string | undefined, pkg: string): T {
  if (bundled && typeof __filename === 'string') return requireWithCodeCache(path.join(path.dirname(__filename), bundled)) as T;
  return createRequire(typeof __filename === 'string' ? __filename : import.meta.url)(pkg) as T;
}

/**
 * Loads a CommonJS file of dist/ with V8's code cache beside it (`<file>.cache`, written by the
 * build as bin/https-audit.js does for the main bundle); without a usable cache it compiles as usual.
 */
function requireWithCodeCache(file: string): unknown {
  // Pure ASCII (scripts/build.mjs checks): read as Latin-1, a plain copy, not decoded as UTF-8.
  const code = readFileSync(file, 'latin1');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(file + '.cache');
  } catch {
    cachedData = undefined;
  }
  // Already wrapped as the module loader would (scripts/build.mjs).
  const script = new vm.Script(code, { filename: file, cachedData });
  if (process.env.HTTPS_AUDIT_WRITE_CODE_CACHE) process.once('beforeExit', () => writeFileSync(file + '.cache', script.createCachedData()));
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

