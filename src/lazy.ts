/**
 * Parsers (and commander) loaded on first use only (start-up is most of a pre-commit run): in the
 * bundle each is a file of its own beside dist/cli.cjs (`__PYTHON_PARSER__`, `__YAML_PARSER__`,
 * `__EDGE_PARSERS__`, `__PYTHON_ENGINE__`, `__COMMANDER__` name them), loaded with V8's code cache;
 * from the sources, the package itself.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { withDefaultHeapFlags } from './heap.js';

/** The prefix of what a lazily loaded file requires from the main bundle. */
const SHARED = 'https-audit-shared:';

/**
 * `shared`: modules of the main bundle that the file requires as `https-audit-shared:<path>` (the
 * Python engine's; see src/python/engine-host.ts), so that it uses their one instance.
 */
export function requireLazily<T>(bundled: string | undefined, pkg: string, shared?: Record<string, unknown>): T {
  if (bundled && typeof __filename === 'string') return requireWithCodeCache(path.join(path.dirname(__filename), bundled), shared) as T;
  return createRequire(typeof __filename === 'string' ? __filename : import.meta.url)(pkg) as T;
}

/**
 * Loads a CommonJS file of dist/ with V8's code cache beside it (`<file>.cache`, written by the
 * build as bin/https-audit.js does for the main bundle); without a usable cache it compiles as usual.
 */
function requireWithCodeCache(file: string, shared?: Record<string, unknown>): unknown {
  // Read as bin/https-audit.js reads the main bundle, by its function (it loads the main bundle,
  // and only it does: a bundle is no module).
  const readBundle = (globalThis as Record<symbol, unknown>)[Symbol.for('https-audit.read-bundle')] as ((file: string) => { code: string; cachedData?: Buffer }) | undefined;
  if (!readBundle) throw new Error(`${path.basename(file)} is loaded by the main bundle started by bin/https-audit.js`);
  const { code, cachedData } = readBundle(file);
  // Under V8's default flags, as the cache was made (src/heap.ts may have changed one since start-up).
  const script = withDefaultHeapFlags(() => new vm.Script(code, { filename: file, cachedData }));
  // `main`: the build's run that makes only the main bundle's cache (see scripts/build.mjs).
  if (process.env.HTTPS_AUDIT_WRITE_CODE_CACHE && process.env.HTTPS_AUDIT_WRITE_CODE_CACHE !== 'main') {
    process.once('beforeExit', () => writeFileSync(file + '.cache', script.createCachedData()));
  }
  const module = { exports: {} as unknown };
  const nodeRequire = createRequire(file);
  const require = (id: string): unknown => {
    if (!id.startsWith(SHARED)) return nodeRequire(id);
    const m = shared?.[id.slice(SHARED.length)];
    if (m === undefined) throw new Error(`${path.basename(file)} requires ${id}, which the main bundle does not share`);
    return m;
  };
  // Its top level too: the modules of Node's it requires (yaml's node:process) compile with Node's
  // code cache, which V8 also refuses under other flags.
  withDefaultHeapFlags(() => (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, file, path.dirname(file)));
  return module.exports;
}
