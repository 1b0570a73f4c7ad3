/**
 * Parsers loaded on first use only (start-up is most of a pre-commit run): in the bundle each is a
 * file of its own beside dist/cli.cjs (`__PYTHON_PARSER__`, `__YAML_PARSER__`, `__EDGE_PARSERS__`,
 * `__PYTHON_ENGINE__` name them), loaded with V8's code cache; from the sources, the package itself.
 */
import { closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { withDefaultHeapFlags } from './heap.js';

/** The build's caches are under 1 MB: a bigger file is not one of them (as in bin/https-audit.js). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

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
  // As bin/https-audit.js does: one buffer, sized for the larger file (the cache), holds the bundle
  // until it is a string, then the cache; a cache over MAX_CACHE_BYTES is not the build's and is ignored.
  const fd = openSync(file, 'r');
  let cacheFd: number | undefined;
  let code: string;
  let cachedData: Buffer | undefined;
  try {
    let cacheSize = 0;
    try {
      cacheFd = openSync(file + '.cache', 'r');
      cacheSize = fstatSync(cacheFd).size;
    } catch {
      cacheSize = 0;
    }
    if (cacheSize > MAX_CACHE_BYTES) cacheSize = 0;
    let [buffer, length] = readAll(fd, fstatSync(fd).size, Buffer.allocUnsafeSlow(cacheSize));
    // Pure ASCII (scripts/build.mjs checks): read as Latin-1, a plain copy, not decoded as UTF-8.
    code = buffer.toString('latin1', 0, length);
    if (cacheSize > 0) {
      try {
        [buffer, length] = readAll(cacheFd!, cacheSize, buffer);
        cachedData = buffer.subarray(0, length);
      } catch {
        cachedData = undefined;
      }
    }
  } finally {
    closeSync(fd);
    if (cacheFd !== undefined) closeSync(cacheFd);
  }
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
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, file, path.dirname(file));
  return module.exports;
}

/** The first `size` bytes of an open file into `buffer` (a new one when it is too small); returns it and the length read. */
function readAll(fd: number, size: number, buffer: Buffer): [Buffer, number] {
  if (buffer.length < size) buffer = Buffer.allocUnsafeSlow(size);
  let length = 0;
  for (let n; length < size && (n = readSync(fd, buffer, length, size - length, null)) > 0; ) length += n;
  return [buffer, length];
}
