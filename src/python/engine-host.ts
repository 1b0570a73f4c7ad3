/**
 * The main bundle's modules that the Python engine (src/python/engine.ts, dist/python-engine.cjs)
 * imports, by their path in the repository: the engine's bundle requires them as
 * `https-audit-shared:<path>` and gets these, so that both bundles share one instance of each
 * (one LIMITS, one registry of secrets to mask). scripts/build.mjs fails when the engine imports a
 * module of the main bundle that is not listed here.
 */
import * as files from '../files.js';
import * as lazy from '../lazy.js';
import * as redact from '../redact.js';
import * as sorted from '../sorted.js';
import * as binding from './binding.js';
import * as values from './values.js';

export const ENGINE_SHARED: Record<string, unknown> = {
  'src/files.ts': files,
  'src/lazy.ts': lazy,
  'src/redact.ts': redact,
  'src/sorted.ts': sorted,
  'src/python/binding.ts': binding,
  'src/python/values.ts': values,
};
